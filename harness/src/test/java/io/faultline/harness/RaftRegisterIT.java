package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for our Raft as real processes ({@code faultline run --system raft ...}): linearizable
 * under every fault family at once, and each planted bug caught by the fault that exposes it —
 * {@code raft.stale-read} by partitions, {@code raft.no-fsync} by lost unsynced writes on a majority,
 * {@code raft.lease-read-unsafe} by a leader stranded with timers far slower than its followers',
 * while ReadIndex reads stay linearizable under that same fault. One cluster at a time; about four
 * minutes in all.
 */
class RaftRegisterIT {

  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(Path dir, int expectedExit, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--system", "raft", "--workload", "register", "--concurrency", "10",
        "--out", dir.toString(), "--no-progress"));
    a.addAll(List.of(args));
    int code = Main.execute(a.toArray(new String[0]));
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
    assertEquals(expectedExit, code, () -> "result: " + Json.writePretty(r));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
    return r;
  }

  private static Set<String> kinds(Map<String, Object> r) {
    Set<String> kinds = new TreeSet<>();
    for (Object f : (List<?>) r.get("faults")) kinds.add(String.valueOf(((Map<?, ?>) f).get("kind")));
    return kinds;
  }

  private static long ok(Map<String, Object> r) {
    return ((Number) ((Map<?, ?>) r.get("ops")).get("ok")).longValue();
  }

  private static void assertNonlinearizable(Map<String, Object> r) {
    assertEquals(Boolean.FALSE, r.get("valid"));
    List<?> anomalies = (List<?>) r.get("anomalies");
    assertFalse(anomalies.isEmpty());
    assertEquals("nonlinearizable", ((Map<?, ?>) anomalies.get(0)).get("type"));
  }

  @Test
  void everyFaultFamilyAtOnce_staysLinearizable(@TempDir Path dir) throws Exception {
    // Seed 4 draws every family, and every disk mode: torn tail, fsync stall, lost unsynced writes.
    Map<String, Object> r = run(dir, 0, "--nemesis", "partition,kill,pause,clock,disk", "--time", "30s", "--nemesis-interval", "3s",
        "--seed", "4");
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertTrue(ok(r) >= 1_000, "thousands of ok ops expected, got " + ok(r));
    Set<String> kinds = kinds(r);
    assertTrue(kinds.stream().anyMatch(k -> k.startsWith("partition-")), kinds.toString());
    assertTrue(kinds.containsAll(List.of("kill", "pause", "clock", "disk-fsync-stall", "disk-lose-unsynced")), kinds.toString());
  }

  @Test
  void staleReadBug_underPartitions_isCaught(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, 1, "--nemesis", "partition", "--time", "20s", "--nemesis-interval", "3s", "--seed", "12",
        "--bug", "raft.stale-read");
    assertNonlinearizable(r);
  }

  @Test
  void noFsyncBug_underLostUnsyncedWritesOnAMajority_isCaught(@TempDir Path dir) throws Exception {
    // Not every event loses an acknowledged write: the node that kept its log may win the next election
    // and bring the others up to date. Ten events make it certain enough.
    Map<String, Object> r = run(dir, 1, "--nemesis", "disk-lose-unsynced", "--targets", "majority", "--time", "30s",
        "--nemesis-interval", "3s", "--seed", "1", "--bug", "raft.no-fsync");
    assertNonlinearizable(r);
    assertTrue(kinds(r).contains("disk-lose-unsynced"), kinds(r).toString());
  }

  @Test
  void leaseReadUnsafeBug_underALeaderStrandedWithSlowTimers_isCaught(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, 1, "--nemesis", "partition-isolate-leader,clock-rate", "--combined", "--targets", "leader",
        "--time", "36s", "--nemesis-interval", "12s", "--seed", "13", "--bug", "raft.lease-read-unsafe");
    assertNonlinearizable(r);
  }

  @Test
  void readIndexReads_underTheSameStrandedLeader_stayLinearizable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, 0, "--nemesis", "partition-isolate-leader,clock-rate", "--combined", "--targets", "leader",
        "--time", "36s", "--nemesis-interval", "12s", "--seed", "13");
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertTrue(kinds(r).contains("partition-isolate-leader") && kinds(r).contains("clock"), kinds(r).toString());
  }
}
