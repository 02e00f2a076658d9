package io.faultline.checkers;

import static io.faultline.checkers.HistoryDsl.history;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.faultline.history.History;
import io.faultline.history.OpType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsCheckerTest {
  // Op i is at time i ms (HistoryDsl).
  private final History history = history(
      "0 invoke write 1", "0 ok write 1",                 // 0-1: latency 1 ms
      "1 invoke cas [1 2]", "nemesis info kill",          // 2-3
      "1 fail cas [1 2]",                                 // 4: latency 2 ms
      "0 invoke read nil", "0 ok read 1",                 // 5-6: latency 1 ms
      "2 invoke write 3", "2 info write 3",               // 7-8: latency 1 ms
      "3 invoke read nil");                               // 9: never completes

  @Test
  void countsOutcomesOverallAndByF_withDanglingInvocationsAsInfo() {
    Map<String, Object> d = new StatsChecker().check(history).details();
    assertEquals(Map.of("ok", 2L, "fail", 1L, "info", 2L), d.get("ops"));
    assertEquals(Map.of(
        "cas", Map.of("ok", 0L, "fail", 1L, "info", 0L),
        "read", Map.of("ok", 1L, "fail", 0L, "info", 1L),
        "write", Map.of("ok", 1L, "fail", 0L, "info", 1L)), d.get("by_f"));
  }

  @Test
  void throughputIsOkOpsPerSecondFromFirstInvocationToLastCompletion() {
    // 2 ok ops over 0..8 ms.
    assertEquals(250.0, (Double) new StatsChecker().check(history).details().get("throughput"), 1e-9);
  }

  @Test
  void latencyPercentilesCoverCompletedOps() {
    @SuppressWarnings("unchecked")
    Map<String, Object> latency = (Map<String, Object>) new StatsChecker().check(history).details().get("latency_ms");
    assertEquals(1.0, (Double) latency.get("p50"), 0.01);
    assertEquals(2.0, (Double) latency.get("p90"), 0.01);
    assertEquals(2.0, (Double) latency.get("max"), 0.01);
  }

  @Test
  void anFThatNeverSucceededMakesTheStatsInvalid() {
    CheckResult r = new StatsChecker().check(history);
    assertEquals(Validity.FALSE, r.valid());
    assertEquals(1, r.anomalies().size());
    assertEquals(List.of(2L), r.anomalies().get(0).witness());
    assertEquals(Validity.TRUE, new StatsChecker().check(history("0 invoke write 1", "0 ok write 1")).valid());
  }

  @Test
  void latenciesListEveryCompletedOpForPlotting() {
    List<StatsChecker.Latency> l = StatsChecker.latencies(history);
    assertEquals(4, l.size());
    assertEquals(new StatsChecker.Latency(2_000_000, 2_000_000, OpType.FAIL, "cas"), l.get(1));
    assertEquals(new StatsChecker.Latency(7_000_000, 1_000_000, OpType.INFO, "write"), l.get(3));
  }
}
