package io.faultline.checkers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BankCheckerTest {
  private static final BankChecker BANK = new BankChecker(new BankChecker.Options(100, List.of(0L, 1L, 2L)));

  /** Ops: "transfer 0 1 5" (invoke + ok), "read 0=50 1=30 2=20" (invoke + ok), each a pair; op i has index i. */
  private static History history(String... lines) {
    List<Op> ops = new ArrayList<>();
    for (String line : lines) {
      String[] w = line.split("\\s+");
      int process = ops.size() % 3;
      if (w[0].equals("transfer")) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("from", Long.parseLong(w[1]));
        v.put("to", Long.parseLong(w[2]));
        v.put("amount", Long.parseLong(w[3]));
        ops.add(new Op(ops.size(), ops.size(), process, OpType.INVOKE, "transfer", v, null, null));
        ops.add(new Op(ops.size(), ops.size(), process, OpType.OK, "transfer", v, null, null));
      } else {
        Map<String, Object> balances = new LinkedHashMap<>();
        for (int i = 1; i < w.length; i++) {
          String[] kv = w[i].split("=");
          balances.put(kv[0], kv[1].equals("nil") ? null : Long.parseLong(kv[1]));
        }
        ops.add(new Op(ops.size(), ops.size(), process, OpType.INVOKE, "read", null, null, null));
        ops.add(new Op(ops.size(), ops.size(), process, OpType.OK, "read", balances, null, null));
      }
    }
    return History.of(ops);
  }

  @Test
  void readsThatConserveTheTotal_areValid() {
    CheckResult r = BANK.check(history("read 0=50 1=30 2=20", "transfer 0 1 5", "read 0=45 1=35 2=20"));
    assertEquals(Validity.TRUE, r.valid(), () -> r.toJson().toString());
    assertEquals(2, r.details().get("reads"));
  }

  @Test
  void aReadWithMoneyCreated_isWrongTotal() {
    CheckResult r = BANK.check(history("read 0=50 1=30 2=20", "transfer 0 1 5", "read 0=50 1=35 2=20"));
    assertEquals(Validity.FALSE, r.valid());
    assertEquals(1, r.anomalies().size());
    Anomaly a = r.anomalies().get(0);
    assertEquals("wrong-total", a.type());
    assertEquals(List.of(5L), a.witness());
    assertTrue(a.explanation().contains("sum to 105, but the total is always 100 (off by 5)"), a.explanation());
  }

  @Test
  void aNegativeBalance_isNegativeValue_evenWhenTheTotalIsRight() {
    CheckResult r = BANK.check(history("read 0=110 1=-10 2=0"));
    assertEquals(List.of("negative-value"), r.details().get("anomaly_types"));
    assertEquals(List.of(1L), r.anomalies().get(0).witness());
  }

  @Test
  void aReadMissingAnAccountOrShowingAStrangeKey_isInvalid() {
    CheckResult r = BANK.check(history("read 0=50 1=50", "read 0=50 1=30 2=20 9=0", "read 0=50 1=30 2=nil"));
    assertEquals(Validity.FALSE, r.valid());
    assertEquals(List.of("nil-balance", "unexpected-key"), r.details().get("anomaly_types"));
    assertEquals(Map.of("nil-balance", 2, "unexpected-key", 1), r.details().get("anomaly_counts"));
  }

  @Test
  void noOkRead_isUnknown() {
    assertEquals(Validity.UNKNOWN, BANK.check(history("transfer 0 1 5")).valid());
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new BankChecker.Options(10, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new BankChecker.Options(10, List.of(1L, "1")));
  }
}
