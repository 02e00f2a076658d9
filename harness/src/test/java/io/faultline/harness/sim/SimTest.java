package io.faultline.harness.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.raft.Bug;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class SimTest {
  /** Runs the command; returns {exit code, stdout, stderr}. */
  static Object[] sim(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new SimCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Object[] {code, out.toString(), err.toString()};
  }

  /** The first seed in [1, budget] that fails with {@code bug}, or -1. */
  static long firstFailingSeed(Bug bug, long budget) {
    for (long seed = 1; seed <= budget; seed++) {
      if (new SimRun(Schedule.generate(seed, bug), false).run().failed()) return seed;
    }
    return -1;
  }

  @Test
  void threeHundredSeedsPassEveryCheck() {
    long t0 = System.nanoTime();
    // CPU time too: the wall clock says little when other builds share the two cores
    long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    Map<String, Integer> membership = new java.util.TreeMap<>();
    Map<String, Long> txns = new java.util.TreeMap<>();
    Map<String, Long> snapshots = new java.util.TreeMap<>();
    for (long seed = 1; seed <= 300; seed++) {
      SimRun.Outcome o = new SimRun(Schedule.generate(seed, null), false).run();
      assertNull(o.failure(), "seed " + seed + " " + o.schedule().describeParams());
      String format = o.schedule().snapshotFormat();
      snapshots.merge(format + "_runs", 1L, Long::sum);
      snapshots.merge(format + "_installed", (Long) o.stats().get("snapshots_installed"), Long::sum);
      snapshots.merge(format + "_installed_by_delta", (Long) o.stats().get("snapshots_installed_by_delta"), Long::sum);
      if (o.schedule().workload().equals(Schedule.LIST_APPEND)) {
        txns.merge("runs", 1L, Long::sum);
        for (String k : new String[] {"ops_ok", "ops_fail", "ops_info", "txns_compare_failed"}) txns.merge(k, (Long) o.stats().get(k), Long::sum);
        txns.merge("ok_with_appends", o.history().stream().filter(op -> op.isOk() && String.valueOf(op.value()).contains("append")).count(),
            Long::sum);
      }
      for (Op op : o.history()) {
        String f = String.valueOf(op.f());
        if (op.isClient() || !(f.startsWith("membership") || f.contains("joint") || f.equals("transfer-leader"))) continue;
        if (f.equals("transfer-leader") && String.valueOf(op.value()).contains("refused")) f = "transfer-leader-refused";
        membership.merge(f, 1, Integer::sum);
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    double cpuSecs = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9;
    System.out.printf("sim: 300 clean seeds in %.1f s, %.1f s of CPU (%.0f seeds/s); membership events %s; list-append %s; snapshots %s%n", secs,
        cpuSecs, 300 / secs, membership, txns, snapshots);
    // half the seeds send snapshots incrementally, and many installs there take only the chunks the follower lacked; none elsewhere
    assertTrue(snapshots.getOrDefault("incremental_runs", 0L) >= 120, snapshots.toString());
    assertTrue(snapshots.getOrDefault("incremental_installed_by_delta", 0L) >= 50, snapshots.toString());
    assertEquals(0L, snapshots.getOrDefault("logical_installed_by_delta", 0L), snapshots.toString());
    // the seeds do exercise what they claim to: changes that complete, transfers, leaders crashed inside a change
    assertTrue(membership.getOrDefault("membership-reached", 0) >= 50, membership.toString());
    assertTrue(membership.getOrDefault("transfer-leader", 0) >= 20, membership.toString());
    assertTrue(membership.getOrDefault("crash-leader-in-joint", 0) >= 20, membership.toString());
    // about half the seeds run txns (143 of 300), under the same faults; txns commit, and under contention many lose on a compare
    assertTrue(txns.getOrDefault("runs", 0L) >= 120, txns.toString());
    assertTrue(txns.getOrDefault("ok_with_appends", 0L) >= 5_000, txns.toString());
    assertTrue(txns.getOrDefault("txns_compare_failed", 0L) >= 1_000, txns.toString());
  }

  @ParameterizedTest(name = "{0} within {1} seeds")
  @CsvSource({"raft.stale-read, 50", "raft.no-fsync, 50", "raft.lease-read-unsafe, 500", "raft.commit-prior-term, 1000",
      "raft.vote-twice, 1500", "raft.truncate-committed, 1000", "raft.single-step-membership, 50",
      "raft.mvcc-skip-conflict-check, 50"})
  void plantedBugIsCaughtWithinItsBudget(String bug, long budget) {
    long seed = firstFailingSeed(Bug.fromName(bug), budget);
    System.out.println("sim: " + bug + " caught at seed " + seed);
    assertTrue(seed > 0, bug + " not caught in " + budget + " seeds");
  }

  /**
   * The configuration-overlap invariant flags raft.single-step-membership as soon as a two-voter change
   * is appended; without it the bug still breaks Raft's own properties (two leaders in a term, a leader
   * missing a committed entry) within a few seeds.
   */
  @Test
  void singleStepMembershipBreaksSafetyItself_notJustTheOverlapCheck() {
    String failure = null;
    long seed = 1;
    for (; seed <= 50 && failure == null; seed++) {
      failure = new SimRun(Schedule.generate(seed, Bug.SINGLE_STEP_MEMBERSHIP), false, false).run().failure();
    }
    System.out.println("sim: raft.single-step-membership without the overlap check caught at seed " + (seed - 1) + ": " + failure);
    assertTrue(failure != null, "not caught in 50 seeds");
    assertTrue(!failure.startsWith("configuration overlap"), failure);
  }

  /**
   * Without its compares checked, an optimistic txn commits on reads that changed: the checker sees
   * lost updates (G-single: a txn's read misses an append ordered before its own) and reads that no
   * order of appends explains. The same schedule without the bug passes.
   */
  @Test
  void mvccSkipConflictCheckIsCaughtAsAStrictSerializabilityAnomaly() {
    long seed = firstFailingSeed(Bug.MVCC_SKIP_CONFLICT_CHECK, 50);
    SimRun.Outcome o = new SimRun(Schedule.generate(seed, Bug.MVCC_SKIP_CONFLICT_CHECK), false).run();
    System.out.println("sim: raft.mvcc-skip-conflict-check at seed " + seed + ": " + o.failure().substring(0, o.failure().indexOf(" {")));
    assertEquals(Schedule.LIST_APPEND, o.schedule().workload());
    assertTrue(o.failure().startsWith("strict serializability: ["), o.failure());
    assertTrue(o.failure().contains("G-single-item"), o.failure());
    Map<String, Object> clean = o.schedule().toJson();
    clean.put("bug", null);
    assertNull(new SimRun(Schedule.fromJson(clean), false).run().failure());
  }

  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"11", "2"})
  void sameSeedTwiceWritesIdenticalBytes(long seed, @TempDir Path dir) throws Exception {
    for (String run : new String[] {"a", "b"}) {
      Object[] r = sim("--system", "raft", "--seed", Long.toString(seed), "--out", dir.resolve(run).toString());
      assertEquals(0, r[0], (String) r[1]);
    }
    for (String f : new String[] {"history.jsonl", "trace.txt", "schedule.json"}) {
      byte[] a = Files.readAllBytes(dir.resolve("a").resolve(f));
      assertTrue(a.length > 100, f);
      assertArrayEquals(a, Files.readAllBytes(dir.resolve("b").resolve(f)), f);
    }
  }

  @Test
  void seedTwoRunsListAppendTxnsThroughTheReadThenCommitPath(@TempDir Path dir) throws Exception {
    Object[] r = sim("--seed", "2", "--out", dir.toString());
    assertEquals(0, r[0], (String) r[1]);
    assertTrue(((String) r[1]).contains("\"workload\":\"list-append\""), (String) r[1]);
    String trace = Files.readString(dir.resolve("trace.txt"));
    assertTrue(trace.contains(" read#") && trace.contains(" txn#") && trace.contains("COMPARE_FAILED"), "reads, txns and failed compares in the trace");
    String history = Files.readString(dir.resolve("history.jsonl"));
    assertTrue(history.contains("\"f\":\"txn\"") && history.contains("[\"append\","), history.substring(0, 500));
  }

  @Test
  void failingSeedOutputIsIdenticalToo(@TempDir Path dir) throws Exception {
    for (String run : new String[] {"a", "b"}) {
      Object[] r = sim("--seed", "1", "--bug", "raft.no-fsync", "--no-shrink", "--out", dir.resolve(run).toString());
      assertEquals(1, r[0]);
    }
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/trace.txt")), Files.readAllBytes(dir.resolve("b/trace.txt")));
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/history.jsonl")), Files.readAllBytes(dir.resolve("b/history.jsonl")));
  }

  @Test
  void shrunkScheduleOfPlantedBugReplaysToTheSameFailure(@TempDir Path dir) throws Exception {
    long seed = firstFailingSeed(Bug.NO_FSYNC, 50);
    SimRun.Outcome failing = new SimRun(Schedule.generate(seed, Bug.NO_FSYNC), false).run();
    Shrinker.Result shrunk = Shrinker.shrink(failing);
    assertTrue(shrunk.schedule().faults().size() <= failing.schedule().faults().size());
    Path file = dir.resolve("shrunk.json");
    Files.writeString(file, Json.writePretty(shrunk.schedule().toJson()), StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(file));
    SimRun.Outcome replayed = new SimRun(Schedule.fromJson(m), false).run();
    assertEquals(shrunk.outcome().failure(), replayed.failure());
    Object[] r = sim("--replay", file.toString(), "--no-shrink");
    assertEquals(1, r[0]);
    assertTrue(((String) r[1]).contains(shrunk.outcome().failure()), (String) r[1]);
  }

  @Test
  void rangeOfPassingSeedsExitsZero() {
    Object[] r = sim("--system", "raft", "--seeds", "1..5");
    assertEquals(0, r[0], (String) r[1]);
    assertTrue(((String) r[1]).contains("PASS 5 seeds"));
  }

  @Test
  void failingRangeExitsOneWithSeedParamsAndShrunkSchedule() {
    Object[] r = sim("--system", "raft", "--seeds", "1..50", "--bug", "raft.no-fsync");
    assertEquals(1, r[0]);
    String out = (String) r[1];
    for (String want : new String[] {"FAIL seed", "params {", "shrunk schedule", "\"format\": \"faultline-sim-schedule/1\""}) {
      assertTrue(out.contains(want), want + " in " + out);
    }
  }

  @Test
  void badInputExitsTwoWithAClearMessage(@TempDir Path dir) throws Exception {
    String[][] cases = {
        {"--system", "etcd", "--seed", "1"},
        {"--seeds", "9..3"},
        {"--seeds", "abc"},
        {"--seed", "1", "--bug", "raft.nope"},
        {},
        {"--seed", "1", "--seeds", "1..2"},
        {"--seeds", "1..2", "--out", dir.toString()},
        {"--replay", dir.resolve("missing.json").toString()},
    };
    for (String[] args : cases) {
      Object[] r = sim(args);
      assertEquals(2, r[0], String.join(" ", args));
      assertTrue(((String) r[2]).startsWith("faultline sim: "), (String) r[2]);
    }
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"format\": \"faultline-sim-schedule/1\", \"seed\": \"x\"}");
    Object[] r = sim("--replay", bad.toString());
    assertEquals(2, r[0]);
    assertTrue(((String) r[2]).contains("seed"), (String) r[2]);
  }

  @Test
  void scheduleSurvivesJsonRoundTrip() throws Exception {
    for (long seed = 1; seed <= 50; seed++) {
      Schedule s = Schedule.generate(seed, seed % 3 == 0 ? Bug.VOTE_TWICE : seed % 3 == 1 ? Bug.MVCC_SKIP_CONFLICT_CHECK : null);
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) Json.parse(Json.writePretty(s.toJson()));
      if (!s.equals(Schedule.fromJson(m))) fail("seed " + seed + " does not round-trip");
    }
  }
}
