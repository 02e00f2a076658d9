package io.faultline.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.LinearizabilityChecker;
import io.faultline.checkers.Models;
import io.faultline.checkers.Validity;
import io.faultline.history.History;
import io.faultline.history.OpType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedCasRegisterHistoryTest {
  @Test
  void simulatedHistoriesAreLinearizableAndHaveEveryOutcome() {
    History h = SimulatedCasRegisterHistory.generate(7, 20_000, 4, 5, 0.01);
    assertEquals(20_000, h.size());
    Map<OpType, Integer> outcomes = h.outcomeCounts();
    assertTrue(outcomes.get(OpType.OK) > 0 && outcomes.get(OpType.FAIL) > 0 && outcomes.get(OpType.INFO) > 0, outcomes::toString);
    CheckResult r = new LinearizabilityChecker(Models.byName("cas-register")).check(h);
    assertEquals(Validity.TRUE, r.valid(), () -> r.toJson().toString());
    assertEquals(4L, r.details().get("partitions"));
  }

  @Test
  void theSameSeedGivesTheSameHistory() {
    assertEquals(SimulatedCasRegisterHistory.generate(3, 1000, 2, 5, 0.05).ops(),
        SimulatedCasRegisterHistory.generate(3, 1000, 2, 5, 0.05).ops());
  }

  @Test
  void aCorruptedReadIsCaught() {
    History h = SimulatedCasRegisterHistory.generate(11, 2000, 2, 5, 0.01);
    java.util.List<io.faultline.history.Op> ops = new java.util.ArrayList<>(h.ops());
    for (int i = ops.size() - 1; i >= 0; i--) {
      if (ops.get(i).isOk() && ops.get(i).f().equals("read")) {
        ops.set(i, ops.get(i).withValue(99L));
        break;
      }
    }
    assertEquals(Validity.FALSE, new LinearizabilityChecker(Models.byName("cas-register")).check(History.of(ops)).valid());
  }
}
