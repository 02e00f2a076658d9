package io.faultline.checkers;

import static io.faultline.checkers.HistoryDsl.history;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

  private static CheckResult check(String model, History h) {
    return new LinearizabilityChecker(Models.byName(model)).check(h);
  }

  private static void assertValid(CheckResult r) {
    assertEquals(Validity.TRUE, r.valid(), () -> r.toJson().toString());
    assertTrue(r.anomalies().isEmpty());
  }

  private static Anomaly assertInvalid(CheckResult r) {
    assertEquals(Validity.FALSE, r.valid(), () -> r.toJson().toString());
    assertEquals(1, r.anomalies().size(), () -> r.anomalies().toString());
    Anomaly a = r.anomalies().get(0);
    assertEquals("nonlinearizable", a.type());
    return a;
  }

  @Nested
  class Register {
    @Test
    void sequentialWriteThenReadIsLinearizable() {
      assertValid(check("register", history(
          "0 invoke write 1", "0 ok write 1",
          "1 invoke read nil", "1 ok read 1")));
    }

    @Test
    void readOfAValueNeverWrittenIsNotLinearizable_andTheWitnessNamesTheReadAndTheWrite() {
      Anomaly a = assertInvalid(check("register", history(
          "0 invoke write 1", "0 ok write 1",
          "1 invoke read nil", "1 ok read 2")));
      assertEquals(List.of(3L, 2L, 0L), a.witness());
      assertTrue(a.explanation().startsWith("no linearization exists. After linearizing 1 op [write 1 (op 1, process 0"),
          a.explanation());
      assertTrue(a.explanation().contains("the register state is 1, but read (op 3, process 1, invoked at 2, completed at 3) returned 2"),
          a.explanation());
    }

    @Test
    void staleReadAfterANewerWriteCompletedIsNotLinearizable() {
      Anomaly a = assertInvalid(check("register", history(
          "0 invoke write 1", "0 ok write 1",
          "0 invoke write 2", "0 ok write 2",
          "1 invoke read nil", "1 ok read 1")));
      assertEquals(5L, a.witness().get(0));
    }

    @Test
    void readConcurrentWithAWriteMaySeeTheOldOrTheNewValue() {
      for (String seen : List.of("1", "2")) {
        assertValid(check("register", history(
            "0 invoke write 1", "0 ok write 1",
            "0 invoke write 2",
            "1 invoke read nil", "1 ok read " + seen,
            "0 ok write 2")));
      }
    }

    @Test
    void nilIsTheInitialValueAndARealOne() {
      assertValid(check("register", history("1 invoke read nil", "1 ok read nil")));
      Anomaly a = assertInvalid(check("register", history(
          "0 invoke write 1", "0 ok write 1",
          "1 invoke read nil", "1 ok read nil")));
      assertTrue(a.explanation().contains("returned nil"), a.explanation());
    }

    @Test
    void valuesCompareAfterIntegralNumbersBecomeLong_andStringsAsThemselves() {
      History h = History.of(List.of(
          new Op(0, 0, 0, OpType.INVOKE, "write", 1, null, null),
          new Op(1, 1, 0, OpType.OK, "write", 1, null, null),
          new Op(2, 2, 1, OpType.INVOKE, "read", null, null, null),
          new Op(3, 3, 1, OpType.OK, "read", 1.0, null, null),
          new Op(4, 4, 0, OpType.INVOKE, "write", "a", null, null),
          new Op(5, 5, 0, OpType.OK, "write", "a", null, null),
          new Op(6, 6, 1, OpType.INVOKE, "read", null, null, null),
          new Op(7, 7, 1, OpType.OK, "read", "a", null, null)));
      assertValid(check("register", h));
    }

    @Test
    void orderFollowsHistoryPositionsNotTheTimeField() {
      // The times claim the read came first; the positions say it came after the write completed.
      History h = History.of(List.of(
          new Op(0, 50, 0, OpType.INVOKE, "write", 1L, null, null),
          new Op(1, 60, 0, OpType.OK, "write", 1L, null, null),
          new Op(2, 10, 1, OpType.INVOKE, "read", null, null, null),
          new Op(3, 20, 1, OpType.OK, "read", null, null, null)));
      assertInvalid(check("register", h));
    }

    @Test
    void nemesisOpsAreIgnored() {
      assertValid(check("register", history(
          "nemesis info start-partition", "0 invoke write 1", "nemesis info start-partition",
          "0 ok write 1", "1 invoke read nil", "1 ok read 1")));
    }

    @Test
    void detailsCountPartitionsConfigurationsAndTime() {
      CheckResult r = check("register", history("0 invoke write 1", "0 ok write 1"));
      assertEquals(1L, r.details().get("partitions"));
      assertEquals(1L, r.details().get("configurations"));
      assertNotNull(r.details().get("ms"));
      assertEquals("linearizable", r.checker());
    }
  }

  @Nested
  class CasRegister {
    @Test
    void twoConcurrentCasFromTheSameValueCannotBothSucceed() {
      Anomaly a = assertInvalid(check("cas-register", history(
          "0 invoke write 0", "0 ok write 0",
          "1 invoke cas [0 1]", "2 invoke cas [0 2]",
          "1 ok cas [0 1]", "2 ok cas [0 2]")));
      assertTrue(a.explanation().contains("concurrent ops: cas [0 1]"), a.explanation());
    }

    @Test
    void concurrentCasChainMayOrderItself() {
      assertValid(check("cas-register", history(
          "0 invoke write 0", "0 ok write 0",
          "2 invoke cas [1 2]", "1 invoke cas [0 1]",
          "2 ok cas [1 2]", "1 ok cas [0 1]",
          "0 invoke read nil", "0 ok read 2")));
    }

    @Test
    void casThatSucceededWithAWrongCompareIsNotLinearizable() {
      assertInvalid(check("cas-register", history(
          "0 invoke write 0", "0 ok write 0",
          "1 invoke cas [5 1]", "1 ok cas [5 1]")));
    }

    @Test
    void failedCasDidNotHappen() {
      assertValid(check("cas-register", history(
          "0 invoke write 0", "0 ok write 0",
          "1 invoke cas [0 1]", "1 fail cas [0 1]",
          "0 invoke read nil", "0 ok read 0")));
    }

    @Test
    void crashedCasMayBeANoOp_orTakeEffect_butNothingElse() {
      String[] prefix = {"0 invoke write 0", "0 ok write 0", "1 invoke cas [0 1]", "1 info cas [0 1]"};
      for (String seen : List.of("0", "1")) {
        assertValid(check("cas-register", history(concat(prefix, "2 invoke read nil", "2 ok read " + seen))));
      }
      assertInvalid(check("cas-register", history(concat(prefix, "2 invoke read nil", "2 ok read 2"))));
    }

    @Test
    void crashedCasWhoseCompareCannotMatchIsANoOp() {
      assertValid(check("cas-register", history(
          "0 invoke write 0", "0 ok write 0",
          "1 invoke cas [7 1]", "1 info cas [7 1]",
          "2 invoke read nil", "2 ok read 0")));
    }
  }

  @Nested
  class UnknownOutcomes {
    @Test
    void crashedWriteMayTakeEffectLongAfterItCrashed() {
      assertValid(check("register", history(
          "0 invoke write 1", "0 info write 1",
          "1 invoke read nil", "1 ok read nil",
          "1 invoke read nil", "1 ok read nil",
          "2 invoke write 2", "2 ok write 2",
          "1 invoke read nil", "1 ok read 1")));
    }

    @Test
    void crashedWriteMayNeverTakeEffect() {
      assertValid(check("register", history(
          "0 invoke write 1", "0 info write 1",
          "1 invoke read nil", "1 ok read nil")));
    }

    @Test
    void crashedWriteCannotTakeEffectBeforeItWasInvoked() {
      assertInvalid(check("register", history(
          "1 invoke read nil", "1 ok read 1",
          "0 invoke write 1", "0 info write 1")));
    }

    @Test
    void danglingInvocationIsTreatedAsCrashed() {
      assertValid(check("register", history(
          "0 invoke write 1",
          "1 invoke read nil", "1 ok read nil",
          "1 invoke read nil", "1 ok read 1")));
    }

    @Test
    void failedWriteNeverHappened() {
      Anomaly a = assertInvalid(check("register", history(
          "0 invoke write 1", "0 fail write 1",
          "1 invoke read nil", "1 ok read 1")));
      assertEquals(List.of(3L, 2L), a.witness());
      assertTrue(a.explanation().contains("In the initial state, the register state is nil"), a.explanation());
    }

    @Test
    void crashedReadsConstrainNothing() {
      assertValid(check("register", history(
          "0 invoke write 1", "0 ok write 1",
          "1 invoke read nil", "1 info read 7")));
    }
  }

  @Nested
  class Partitions {
    @Test
    void onlyTheBadKeyIsReported_andTheWitnessNamesIt() {
      CheckResult r = check("kv", history(
          "0 invoke write 1 k=1", "0 ok write 1 k=1",         // 0, 1
          "1 invoke write 5 k=2", "1 ok write 5 k=2",         // 2, 3
          "2 invoke read nil k=1", "2 ok read 1 k=1",         // 4, 5
          "3 invoke read nil k=2", "3 ok read 6 k=2",         // 6, 7
          "4 invoke read nil k=3", "4 ok read nil k=3"));     // 8, 9
      Anomaly a = assertInvalid(r);
      assertEquals(List.of(7L, 6L, 2L), a.witness());
      assertTrue(a.explanation().startsWith("key 2: no linearization exists."), a.explanation());
      assertEquals(3L, r.details().get("partitions"));
    }

    @Test
    void keysAreIndependent() {
      assertValid(check("kv", history(
          "0 invoke write 1 k=1", "0 ok write 1 k=1",
          "1 invoke read nil k=2", "1 ok read nil k=2",
          "1 invoke read nil k=1", "1 ok read 1 k=1")));
    }

    @Test
    void kvOpWithoutAKeyMakesTheVerdictUnknown() {
      CheckResult r = check("kv", history("0 invoke write 1", "0 ok write 1"));
      assertEquals(Validity.UNKNOWN, r.valid());
      assertTrue(((String) r.details().get("unknown_reason")).contains("has no key"), r.details().toString());
    }

    @Test
    void aBadKeyBeatsAnUnknownOne() {
      CheckResult r = check("kv", history(
          "0 invoke write 1", "0 ok write 1",
          "1 invoke read nil k=2", "1 ok read 6 k=2"));
      assertEquals(Validity.FALSE, r.valid());
    }
  }

  @Nested
  class OtherModels {
    @Test
    void counterAddsUp() {
      assertValid(check("counter", history(
          "0 invoke add 2", "1 invoke add 3", "0 ok add 2",
          "2 invoke read nil", "2 ok read 2", "1 ok add 3",
          "2 invoke read nil", "2 ok read 5")));
      assertInvalid(check("counter", history(
          "0 invoke add 2", "0 ok add 2",
          "2 invoke read nil", "2 ok read 3")));
    }

    @Test
    void setReadsCompareAsSets() {
      assertValid(check("set", history(
          "0 invoke add 1", "0 ok add 1", "0 invoke add 2", "0 ok add 2",
          "1 invoke read nil", "1 ok read [2 1]")));
      assertInvalid(check("set", history(
          "0 invoke add 1", "0 ok add 1", "0 invoke add 2", "0 ok add 2",
          "1 invoke read nil", "1 ok read [2]")));
    }

    @Test
    void fifoQueueDequeuesInOrder_andNilMeansEmpty() {
      assertValid(check("fifo-queue", history(
          "0 invoke enqueue 1", "0 ok enqueue 1", "0 invoke enqueue 2", "0 ok enqueue 2",
          "1 invoke dequeue nil", "1 ok dequeue 1", "1 invoke dequeue nil", "1 ok dequeue 2",
          "1 invoke dequeue nil", "1 ok dequeue nil")));
      assertInvalid(check("fifo-queue", history(
          "0 invoke enqueue 1", "0 ok enqueue 1", "0 invoke enqueue 2", "0 ok enqueue 2",
          "1 invoke dequeue nil", "1 ok dequeue 2")));
      assertInvalid(check("fifo-queue", history(
          "0 invoke enqueue 1", "0 ok enqueue 1",
          "1 invoke dequeue nil", "1 ok dequeue nil")));
    }

    @Test
    void crashedDequeueMayHaveTakenTheHead() {
      assertValid(check("fifo-queue", history(
          "0 invoke enqueue 1", "0 ok enqueue 1", "0 invoke enqueue 2", "0 ok enqueue 2",
          "1 invoke dequeue nil", "1 info dequeue nil",
          "2 invoke dequeue nil", "2 ok dequeue 2")));
    }

    @Test
    void unknownModelNameListsTheValidOnes() {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.byName("stack"));
      assertEquals("unknown model 'stack'; valid models: cas-register, counter, fifo-queue, kv, register, set", e.getMessage());
    }
  }

  @Nested
  class Bounds {
    /** n writes of distinct values all concurrent with a read of a value none wrote: 2^n orders to rule out. */
    private History pathological(int n) {
      List<String> lines = new ArrayList<>();
      for (int p = 0; p < n; p++) lines.add(p + " invoke write " + p);
      lines.add(n + " invoke read nil");
      lines.add(n + " ok read 999");
      for (int p = 0; p < n; p++) lines.add(p + " ok write " + p);
      return history(lines.toArray(new String[0]));
    }

    @Test
    void pathologicalHistoryWithATinyTimeLimitIsUnknown() {
      CheckResult r = new LinearizabilityChecker(Models.byName("register"), 1, 100_000_000).check(pathological(22));
      assertEquals(Validity.UNKNOWN, r.valid());
      assertTrue(((String) r.details().get("unknown_reason")).startsWith("time limit 1 ms reached after "), r.details().toString());
    }

    @Test
    void configurationLimitMakesTheVerdictUnknown() {
      CheckResult r = new LinearizabilityChecker(Models.byName("register"), 60_000, 1000).check(pathological(12));
      assertEquals(Validity.UNKNOWN, r.valid());
      assertTrue(((String) r.details().get("unknown_reason")).startsWith("configuration limit 1000 exceeded"), r.details().toString());
    }

    @Test
    void pathologicalHistoryWithEnoughTimeIsNotLinearizable() {
      Anomaly a = assertInvalid(check("register", pathological(10)));
      assertEquals(11L, a.witness().get(0));
      assertEquals(10L, a.witness().get(1));
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
