package io.faultline.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BankWorkloadTest {
  @Test
  void sameSeed_givesSameOps_otherSeed_otherOps() {
    BankWorkload.Options o = BankWorkload.Options.defaults();
    List<Op> a = Drive.ops(BankWorkload.generator(2, o), 5, 1000);
    assertEquals(a, Drive.ops(BankWorkload.generator(2, o), 5, 1000));
    assertNotEquals(a, Drive.ops(BankWorkload.generator(3, o), 5, 1000));
  }

  @Test
  void transfers_moveOneToFive_betweenDistinctAccounts_readsHaveNoValue() {
    int transfers = 0;
    for (Op op : Drive.ops(BankWorkload.generator(4, BankWorkload.Options.defaults()), 5, 3000)) {
      if (op.f().equals("read")) {
        assertNull(op.value());
        continue;
      }
      assertEquals("transfer", op.f());
      transfers++;
      Map<?, ?> v = (Map<?, ?>) op.value();
      assertEquals(List.of("from", "to", "amount"), List.copyOf(v.keySet()));
      long from = (Long) v.get("from");
      long to = (Long) v.get("to");
      long amount = (Long) v.get("amount");
      assertNotEquals(from, to);
      assertTrue(from >= 0 && from < 8 && to >= 0 && to < 8);
      assertTrue(amount >= 1 && amount <= 5);
    }
    assertTrue(transfers > 1300 && transfers < 1700, "transfers " + transfers);
  }

  @Test
  void workload_endsWithOneRead_andNeedsRwRegister() {
    Workload w = BankWorkload.create(1);
    assertEquals("bank", w.name());
    assertEquals(Set.of(Capability.TXN_RW_REGISTER), w.needs());
    List<Op> fin = Drive.ops(w.finalGenerator(), 3, 10);
    assertEquals(1, fin.size());
    assertEquals("read", fin.get(0).f());
  }

  @Test
  void options_areValidated() {
    BankWorkload.Options o = BankWorkload.Options.defaults();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.withAccountCount(1)).getMessage().startsWith("accountCount"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.withTotal(-1)).getMessage().startsWith("total"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.withAmountMax(0)).getMessage().startsWith("amountMax"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.withReadFraction(-0.1)).getMessage().startsWith("readFraction"));
  }
}
