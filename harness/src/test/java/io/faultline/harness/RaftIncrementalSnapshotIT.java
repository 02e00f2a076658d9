package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raftadapter.RaftOptions;
import io.faultline.raftadapter.RaftSystem;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: incremental snapshots on a real three-node cluster (RocksDB checkpoints over TCP through
 * the fault proxies). The same follower goes down twice while the others take writes, with snapshots
 * every 500 entries and none kept for laggards, so each time it comes back by InstallSnapshot; the state
 * is 48 MB of 3 800-byte values. The first
 * time it holds none of the leader's files and receives the whole snapshot; the second time it holds the
 * snapshot it installed (and its own, grown from those files) and receives only the files it lacks —
 * and catches up to the leader's commit index both times.
 */
class RaftIncrementalSnapshotIT {
  /**
   * More than RocksDB's level base (32 MiB, {@code RocksEngine.LEVEL_BASE_BYTES}): the store then has two
   * levels below L0, and the last, holding most of it, is rewritten only slice by slice. (A store within
   * the level base is one level, rewritten whole by every L0 compaction: 16 MB shared nothing.)
   */
  static final long STATE_BYTES = 48_000_000;
  /** About two of the leader's snapshots (500 entries of 3 800-byte values each) while the follower is down. */
  static final long ROUND_BYTES = 4_000_000;

  @Test
  void secondCatchUp_receivesOnlyTheFilesTheFollowerLacks(@TempDir Path dir) throws Exception {
    Map<String, String> options = Map.of(RaftOptions.SNAPSHOT_ENTRIES, "500", RaftOptions.SNAPSHOT_RETAIN, "0", RaftOptions.NODE_HEAP_MB, "512");
    BenchErrors errors = new BenchErrors();
    Progress progress = Progress.forStdout(false);
    SplittableRandom rng = new SplittableRandom(12);
    String[] values = BenchLoad.values(rng, BenchCatchUp.STATE_VALUES, BenchCatchUp.STATE_VALUE_BYTES);
    List<Map<String, Double>> rounds = new ArrayList<>();
    try (Cluster cluster = new RaftSystem().start(new ClusterSpec(3, dir.resolve("run"), 12, Set.of(), options))) {
      ReplicaWatch watch = ReplicaWatch.of(cluster);
      BenchLoad.run(cluster, 8, 12, values, true, 0, 300_000, STATE_BYTES, errors, progress, "preload");
      String leader = BenchRestart.leader(cluster);
      BenchRestart.settle(cluster, watch, leader);
      Node victim = BenchRestart.follower(cluster, leader);
      for (int round = 1; round <= 2; round++) {
        ((Killable) victim).kill();
        BenchLoad.Result down = BenchLoad.run(cluster, 8, 100 + round, values, true, 0, 300_000, ROUND_BYTES, errors, progress, "round " + round);
        assertTrue(down.ok() > 0, "writes while " + victim.id() + " was down");
        String now = BenchRestart.leader(cluster);
        long target = BenchRestart.settle(cluster, watch, now);
        BenchRestart.Timing t = BenchRestart.start((Killable) victim, victim.id(), watch, target, 120_000);
        assertTrue(t.caughtUp(), "round " + round + ": " + victim.id() + " caught up to " + target + "; last " + t.last());
        rounds.add(watch.metrics(victim.id()));
      }
    }
    Map<String, Double> first = rounds.get(0);
    Map<String, Double> second = rounds.get(1);
    String figures = "after round 1: " + first + "; after round 2: " + second;
    System.out.println("incremental snapshot IT: " + figures);
    assertEquals(1.0, first.get("raft_snapshots_installed"), "round 1 came by snapshot: " + figures);
    // (small files such as RocksDB's OPTIONS may be byte-identical on two nodes, and are not sent again)
    assertTrue(first.get("raft_snapshot_received_last_bytes") >= 0.95 * first.get("raft_snapshot_installed_last_bytes"),
        "holding none of the leader's SST files, the follower received the whole snapshot: " + figures);
    assertTrue(second.get("raft_snapshots_installed") >= 1.0, "round 2 came by snapshot (the restarted node counts afresh): " + figures);
    assertTrue(second.get("raft_snapshot_received_last_bytes") < 0.75 * second.get("raft_snapshot_installed_last_bytes"),
        "round 2 received well under the whole snapshot (a third, when measured): " + figures);
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }
}
