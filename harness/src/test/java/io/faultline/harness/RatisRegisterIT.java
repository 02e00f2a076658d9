package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: Apache Ratis, register workload, judged for linearizability, as a user runs it
 * ({@code faultline run ...}). One cluster at a time.
 */
class RatisRegisterIT {
  /** -Pnightly: 5-node clusters and longer runs. */
  private static final boolean NIGHTLY = Boolean.getBoolean("faultline.nightly");
  private static final String NODES = NIGHTLY ? "5" : "3";
  private static final String TIME = NIGHTLY ? "180s" : "30s";

  @SuppressWarnings("unchecked")
  private static Map<String, Object> result(Path dir) throws Exception {
    return (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
  }

  @Test
  void ratisRegister_underKillAndPause_isLinearizable(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "--system", "ratis", "--workload", "register", "--nemesis", "kill,pause",
        "--time", TIME, "--nodes", NODES, "--concurrency", "10", "--seed", "7", "--nemesis-interval", "6s", "--out", dir.toString(),
        "--no-progress");
    Map<String, Object> r = result(dir);
    assertEquals(Boolean.TRUE, r.get("valid"), () -> "expected valid; result: " + Json.writePretty(r));
    assertEquals(0, code);
    long ok = ((Number) ((Map<?, ?>) r.get("ops")).get("ok")).longValue();
    assertTrue(ok >= 300, "hundreds of ok ops expected, got " + ok);
    List<?> faults = (List<?>) r.get("faults");
    assertFalse(faults.isEmpty(), "faults were injected and recorded");
    assertTrue(Files.size(dir.resolve("history.jsonl")) > 0);
    assertTrue(Files.readString(dir.resolve("report.html")).contains("<svg"));
    assertTrue(Files.exists(dir.resolve("spec.json")));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }

  @Test
  void staleReadBug_underPauseAlone_isCaughtAsNonlinearizable(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "--system", "ratis", "--workload", "register", "--nemesis", "pause",
        "--time", TIME, "--nodes", NODES, "--concurrency", "10", "--seed", "11", "--nemesis-interval", "4s", "--out", dir.toString(),
        "--bug", "ratis.stale-read", "--no-progress");
    Map<String, Object> r = result(dir);
    assertEquals(Boolean.FALSE, r.get("valid"), () -> "the stale read should be caught; result: " + Json.writePretty(r));
    assertEquals(1, code);
    List<?> anomalies = (List<?>) r.get("anomalies");
    assertEquals("nonlinearizable", ((Map<?, ?>) anomalies.get(0)).get("type"));
    assertFalse(((List<?>) ((Map<?, ?>) anomalies.get(0)).get("ops")).isEmpty(), "witness op indexes");
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }
}
