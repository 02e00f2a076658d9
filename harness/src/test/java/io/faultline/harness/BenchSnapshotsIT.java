package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: the snapshot benchmarks as a user runs them, short: {@code --workload recovery} for our
 * Raft against Ratis at one interval, {@code --workload catch-up} for our Raft, bench.json holding
 * each figure; and bad input refused with exit 2 naming the flag before anything starts.
 */
class BenchSnapshotsIT {
  @Test
  void recovery_raftVsRatis_writesTheIntervalTable_toBenchJson(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench");
    int code = Main.execute("bench", "--system", "raft", "--vs", "ratis", "--workload", "recovery", "--intervals", "200",
        "--time", "2s", "--warmup", "0s", "--concurrency", "2", "--seed", "4", "--out", out.toString());
    Map<?, ?> bench = (Map<?, ?>) Json.parse(Files.readString(out.resolve("bench.json")));
    assertEquals(0, code, () -> "exit 0 when every figure was measured; bench.json: " + Json.writePretty(bench));
    assertEquals("recovery", bench.get("workload"));
    Map<?, ?> recovery = (Map<?, ?>) bench.get("recovery");
    assertEquals(List.of("raft", "ratis"), List.copyOf(recovery.keySet()));
    for (String name : List.of("raft", "ratis")) {
      List<?> rows = (List<?>) recovery.get(name);
      assertEquals(1, rows.size(), name + ": one row per interval");
      Map<?, ?> row = (Map<?, ?>) rows.get(0);
      assertEquals(200L, row.get("snapshot_entries"));
      assertTrue(number(row, "throughput") > 0, name + " wrote: " + row);
      assertTrue(number(row, "wal_bytes_at_kill") > 0, name + " has a log on disk: " + row);
      assertTrue(number(row, "commit_index_at_kill") > 0, name + ": " + row);
      assertTrue(number(row, "recovery_ms") > 0 && number(row, "serving_ms") <= number(row, "recovery_ms"), name + " recovered: " + row);
      assertEquals(Boolean.TRUE, row.get("recovered"));
    }
    assertTrue(((String) bench.get("command")).contains("--workload recovery") && ((String) bench.get("command")).contains("--intervals 200"));
    assertTrue(Files.exists(out.resolve("spec.json")));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }

  @Test
  void catchUp_raft_saysHowLongAndWhetherBySnapshot(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench");
    int code = Main.execute("bench", "--system", "raft", "--workload", "catch-up", "--down", "2s", "--warmup", "0s",
        "--concurrency", "2", "--snapshot-entries", "100", "--state-bytes", "200KB", "--seed", "6", "--out", out.toString());
    Map<?, ?> bench = (Map<?, ?>) Json.parse(Files.readString(out.resolve("bench.json")));
    assertEquals(0, code, () -> "exit 0 when the follower caught up; bench.json: " + Json.writePretty(bench));
    Map<?, ?> raft = (Map<?, ?>) ((Map<?, ?>) bench.get("catch_up")).get("raft");
    assertTrue(number(raft, "catch_up_ms") > 0, "catch-up timed: " + raft);
    assertTrue(number(raft, "entries_behind") > 0, "the follower was behind: " + raft);
    assertTrue(Set.of("snapshot", "entries").contains(raft.get("via")), "by snapshot or entries: " + raft);
    assertTrue(number(raft, "state_value_bytes_written") >= 200_000, "the state was preloaded: " + raft);
    assertTrue(raft.get("snapshots_installed") instanceof Long, "from the follower's metrics: " + raft);
    assertEquals(2.0, number(bench, "down_s"));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }

  /**
   * Nightly only ({@code -Dfaultline.nightly=true}): a follower far behind 1 GB of state installs the
   * leader's snapshot; its time and bytes are in bench.json. Segments of 256 MiB and a snapshot every
   * 50 000 entries keep the leader from writing a snapshot of the growing state at every 2 MiB segment,
   * yet take one near the preload's end (the state grows by about 190 MB per 50 000 writes): the snapshot
   * sent holds at least 90 % of the 1 GB. 6 GiB node heaps hold the snapshot kept for followers and the
   * one being taken.
   */
  @Test
  @EnabledIfSystemProperty(named = "faultline.nightly", matches = "true")
  void catchUp_raft_installsAOneGigabyteSnapshot_nightly(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench");
    int code = Main.execute("bench", "--system", "raft", "--workload", "catch-up", "--state-bytes", "1GB", "--down", "10s",
        "--warmup", "0s", "--concurrency", "16", "--snapshot-entries", "50000", "--wal-segment-bytes", Long.toString(256L << 20), "--node-heap-mb", "6144",
        "--seed", "8", "--out", out.toString());
    Map<?, ?> bench = (Map<?, ?>) Json.parse(Files.readString(out.resolve("bench.json")));
    assertEquals(0, code, () -> "bench.json: " + Json.writePretty(bench));
    Map<?, ?> raft = (Map<?, ?>) ((Map<?, ?>) bench.get("catch_up")).get("raft");
    assertEquals("snapshot", raft.get("via"), "a follower that far behind takes the snapshot: " + raft);
    assertTrue(number(raft, "snapshot_install_bytes") >= 0.9e9, "the state travelled as a snapshot: " + raft);
    assertTrue(number(raft, "snapshot_install_ms") > 0, "the install was timed: " + raft);
  }

  @Test
  void badIntervals_exit2_namingTheFlag_beforeAnythingStarts(@TempDir Path dir) {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.execute("bench", "--system", "raft", "--workload", "recovery", "--intervals", "abc", "--out", dir.resolve("b").toString());
    } finally {
      System.setErr(oldErr);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, text);
    assertTrue(text.contains("--intervals") && text.contains("abc"), text);
    assertTrue(Files.notExists(dir.resolve("b")), "nothing written for refused input");
  }

  private static double number(Map<?, ?> m, String field) {
    Object v = m.get(field);
    assertTrue(v instanceof Number, field + " is a number in " + m);
    return ((Number) v).doubleValue();
  }
}
