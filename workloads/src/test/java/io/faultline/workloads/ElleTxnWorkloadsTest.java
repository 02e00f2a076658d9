package io.faultline.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ElleTxnWorkloadsTest {
  private static final TxnOptions DEFAULTS = TxnOptions.defaults();

  @Test
  void sameSeed_givesSameTxns_otherSeed_otherTxns() {
    List<Op> a = Drive.ops(ListAppendWorkload.generator(7, DEFAULTS), 10, 2000);
    assertEquals(2000, a.size());
    assertEquals(a, Drive.ops(ListAppendWorkload.generator(7, DEFAULTS), 10, 2000));
    assertNotEquals(a, Drive.ops(ListAppendWorkload.generator(8, DEFAULTS), 10, 2000));
    assertEquals(Drive.ops(RwRegisterWorkload.generator(7, DEFAULTS), 4, 500), Drive.ops(RwRegisterWorkload.generator(7, DEFAULTS), 4, 500));
  }

  @Test
  void txns_haveOneToFourMicroOps_ofTheRightShape() {
    Map<Integer, Integer> lengths = new HashMap<>();
    for (Op op : Drive.ops(ListAppendWorkload.generator(3, DEFAULTS), 5, 4000)) {
      assertEquals("txn", op.f());
      assertTrue(op.isInvoke());
      List<?> txn = (List<?>) op.value();
      lengths.merge(txn.size(), 1, Integer::sum);
      for (Object m : txn) {
        List<?> micro = (List<?>) m;
        assertEquals(3, micro.size());
        assertTrue(micro.get(1) instanceof Long);
        if (micro.get(0).equals("r")) assertNull(micro.get(2));
        else {
          assertEquals("append", micro.get(0));
          assertTrue(micro.get(2) instanceof Long);
        }
      }
    }
    assertEquals(Set.of(1, 2, 3, 4), lengths.keySet());
    TxnOptions fixed = DEFAULTS.withTxnLength(2, 2);
    for (Op op : Drive.ops(RwRegisterWorkload.generator(3, fixed), 5, 500)) assertEquals(2, ((List<?>) op.value()).size());
  }

  @Test
  void writtenValues_countOneUpPerKey_soEachIsUnique() {
    for (String write : List.of("append", "w")) {
      Generator g = write.equals("append") ? ListAppendWorkload.generator(5, DEFAULTS) : RwRegisterWorkload.generator(5, DEFAULTS);
      Map<Long, List<Long>> perKey = writesPerKey(Drive.ops(g, 10, 5000), write);
      for (Map.Entry<Long, List<Long>> e : perKey.entrySet()) {
        List<Long> values = e.getValue();
        for (int i = 0; i < values.size(); i++) assertEquals(i + 1L, values.get(i), "key " + e.getKey() + ": " + values);
      }
    }
  }

  @Test
  void aKey_retiresAfterMaxWritesPerKey_andAFreshKeyTakesItsSlot() {
    TxnOptions small = DEFAULTS.withMaxWritesPerKey(4).withKeyCount(3);
    List<Op> ops = Drive.ops(ListAppendWorkload.generator(9, small), 4, 3000);
    Map<Long, List<Long>> perKey = writesPerKey(ops, "append");
    for (List<Long> values : perKey.values()) assertTrue(values.size() <= 4, perKey.toString());
    assertTrue(perKey.size() > 100, "keys used: " + perKey.size());
    // Never more than keyCount keys are active: keys seen and not yet retired are at most 3.
    Set<Long> live = new HashSet<>();
    Set<Long> retired = new HashSet<>();
    Map<Long, Integer> writes = new HashMap<>();
    for (Op op : ops) {
      for (Object m : (List<?>) op.value()) {
        List<?> micro = (List<?>) m;
        Long k = (Long) micro.get(1);
        assertTrue(!retired.contains(k), "key " + k + " used after it retired");
        live.add(k);
        assertTrue(live.size() <= 3, "active keys " + live);
        if (micro.get(0).equals("append") && writes.merge(k, 1, Integer::sum) == 4) {
          retired.add(k);
          live.remove(k);
        }
      }
    }
  }

  @Test
  void readFraction_governsTheMix() {
    int reads = 0;
    int all = 0;
    for (Op op : Drive.ops(ListAppendWorkload.generator(1, DEFAULTS.withReadFraction(0.25)), 5, 4000)) {
      for (Object m : (List<?>) op.value()) {
        all++;
        if (((List<?>) m).get(0).equals("r")) reads++;
      }
    }
    double fraction = (double) reads / all;
    assertTrue(fraction > 0.22 && fraction < 0.28, "read fraction " + fraction);
    for (Op op : Drive.ops(ListAppendWorkload.generator(1, DEFAULTS.withReadFraction(0)), 5, 200)) {
      for (Object m : (List<?>) op.value()) assertEquals("append", ((List<?>) m).get(0));
    }
  }

  @Test
  void finalGenerator_readsEveryKeyTouched_inReadOnlyTxns() {
    Workload w = ListAppendWorkload.create(4, DEFAULTS.withMaxWritesPerKey(2));
    assertEquals("list-append", w.name());
    assertEquals(Set.of(Capability.TXN_LIST_APPEND), w.needs());
    Set<Long> touched = new TreeSet<>();
    for (Op op : Drive.ops(w.generator(), 4, 400)) {
      for (Object m : (List<?>) op.value()) touched.add((Long) ((List<?>) m).get(1));
    }
    assertTrue(touched.size() > ElleTxnGenerator.FINAL_READ_KEYS_PER_TXN, "enough keys to need two txns: " + touched.size());
    List<Long> read = new ArrayList<>();
    for (Op op : Drive.ops(w.finalGenerator(), 2, 1000)) {
      List<?> txn = (List<?>) op.value();
      assertTrue(txn.size() <= ElleTxnGenerator.FINAL_READ_KEYS_PER_TXN);
      for (Object m : txn) {
        assertEquals("r", ((List<?>) m).get(0));
        read.add((Long) ((List<?>) m).get(1));
      }
    }
    assertEquals(new ArrayList<>(touched), read);
    assertEquals(Set.of(Capability.TXN_RW_REGISTER), RwRegisterWorkload.create(1).needs());
  }

  @Test
  void options_areValidated_withMessagesNamingTheField() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withKeyCount(0)).getMessage().startsWith("keyCount"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withTxnLength(3, 2)).getMessage().startsWith("maxTxnLength"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withTxnLength(0, 2)).getMessage().startsWith("minTxnLength"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withMaxWritesPerKey(0)).getMessage().startsWith("maxWritesPerKey"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withReadFraction(1.5)).getMessage().startsWith("readFraction"));
    assertEquals(5, TxnOptions.defaultsHelp().size());
  }

  private static Map<Long, List<Long>> writesPerKey(List<Op> ops, String writeF) {
    Map<Long, List<Long>> perKey = new HashMap<>();
    for (Op op : ops) {
      for (Object m : (List<?>) op.value()) {
        List<?> micro = (List<?>) m;
        if (micro.get(0).equals(writeF)) perKey.computeIfAbsent((Long) micro.get(1), k -> new ArrayList<>()).add((Long) micro.get(2));
      }
    }
    return perKey;
  }
}
