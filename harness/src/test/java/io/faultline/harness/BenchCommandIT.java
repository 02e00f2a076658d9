package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: {@code faultline bench} as a user runs it, short: our Raft against Ratis, one cluster
 * after the other, and bench.json holding what the issue names, with ratios that follow from the
 * systems' own figures.
 */
class BenchCommandIT {
  @Test
  void raftVsRatis_shortBench_writesBenchJson_withConsistentRatios(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench");
    int code = Main.execute("bench", "--system", "raft", "--vs", "ratis", "--workload", "write", "--time", "3s",
        "--warmup", "1s", "--kills", "2", "--concurrency", "4", "--seed", "3", "--out", out.toString());
    assertTrue(Files.exists(out.resolve("spec.json")), "spec.json is written first");
    Map<?, ?> bench = (Map<?, ?>) Json.parse(Files.readString(out.resolve("bench.json")));
    assertEquals(0, code, () -> "exit 0 when every figure was measured; bench.json: " + Json.writePretty(bench));

    Map<?, ?> systems = (Map<?, ?>) bench.get("systems");
    assertEquals(List.of("raft", "ratis"), List.copyOf(systems.keySet()));
    for (String name : List.of("raft", "ratis")) {
      Map<?, ?> s = (Map<?, ?>) systems.get(name);
      assertTrue(number(s, "throughput") > 0, name + " wrote something: " + s);
      Map<?, ?> latency = (Map<?, ?>) s.get("latency_ms");
      assertTrue(number(latency, "p50") > 0 && number(latency, "p50") <= number(latency, "p99"), name + " latency: " + latency);
      Map<?, ?> election = (Map<?, ?>) s.get("election_ms");
      assertEquals(2L, election.get("n"), name + " measured every kill: " + election);
      assertTrue(number(election, "p50") > 0 && number(election, "p50") <= number(election, "p99"), name + " elections: " + election);
      assertTrue(number(election, "p99") < 30_000, name + " elected within the bound: " + election);
      assertEquals(Boolean.TRUE, ((Map<?, ?>) s.get("durability")).get("fsync"), name + " runs with fsync on");
    }

    Map<?, ?> raft = (Map<?, ?>) systems.get("raft");
    Map<?, ?> ratis = (Map<?, ?>) systems.get("ratis");
    Map<?, ?> ratio = (Map<?, ?>) bench.get("ratio");
    assertClose(number(raft, "throughput") / number(ratis, "throughput"), number(ratio, "throughput"), "throughput ratio");
    assertClose(number((Map<?, ?>) raft.get("latency_ms"), "p99") / number((Map<?, ?>) ratis.get("latency_ms"), "p99"),
        number(ratio, "latency_p99"), "latency_p99 ratio");
    assertClose(number((Map<?, ?>) raft.get("election_ms"), "p99") / number((Map<?, ?>) ratis.get("election_ms"), "p99"),
        number(ratio, "election_p99"), "election_p99 ratio");

    Map<?, ?> machine = (Map<?, ?>) bench.get("machine");
    assertNotNull(machine.get("cores"));
    assertNotNull(machine.get("java"));
    assertEquals(3L, bench.get("seed"));
    assertTrue(((String) bench.get("command")).startsWith("./faultline bench --system raft --vs ratis"), "command to re-run");
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }

  private static double number(Map<?, ?> m, String field) {
    Object v = m.get(field);
    assertTrue(v instanceof Number, field + " is a number in " + m);
    return ((Number) v).doubleValue();
  }

  /** Ratios are computed from unrounded figures and rounded to 3 decimals, as are the figures. */
  private static void assertClose(double expected, double actual, String what) {
    assertTrue(Math.abs(expected - actual) <= 0.01 * Math.abs(expected) + 0.002, what + ": expected about " + expected + ", got " + actual);
  }
}
