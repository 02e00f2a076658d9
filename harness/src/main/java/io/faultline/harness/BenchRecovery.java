package io.faultline.harness;

import io.faultline.raftadapter.RaftOptions;
import io.faultline.ratis.RatisOptions;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import io.faultline.sut.SystemUnderTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code faultline bench --workload recovery}: the checkpoint-interval table. For each snapshot
 * interval in turn, a fresh cluster takes the write load of {@link BenchRun} (closed-loop writers of
 * {@value BenchRun#VALUE_BYTES}-byte values over {@value BenchRun#KEY_SPACE} keys) for {@code --time}
 * after the warm-up; the throughput is its ok writes per second. Then the writes stop, every node
 * applies what the leader committed, one follower is SIGKILLed with its log and snapshot files as they
 * are, and started again: the recovery time runs from its process start until it answers as a
 * follower and says it has applied the leader's commit index at the kill (the JVM's start, the
 * snapshot's load, the log's replay, and a heartbeat that tells it the commit index).
 *
 * <p>The interval is ours {@code snapshot-entries} (the node's policy with that entry trigger; 0 turns
 * snapshots off) and Ratis' {@code snapshot-threshold} (0: its maximum, none in a run).
 */
final class BenchRecovery {
  static final long RECOVERY_WAIT_MS_MAX = 300_000;

  /** One interval's figures for one system. */
  record Row(long interval, BenchLoad.Result load, long walBytesAtKill, long snapshotBytesAtKill, long commitAtKill,
      Map<String, Double> victimMetrics, String victim, BenchRestart.Timing timing, Map<String, String> options) {
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("snapshot_entries", interval);
      m.put("throughput", Math.round(load.throughput() * 10) / 10.0);
      Map<String, Object> ops = new LinkedHashMap<>();
      ops.put("ok", load.ok());
      ops.put("fail", load.fail());
      ops.put("info", load.info());
      m.put("ops", ops);
      Map<String, Object> load = new LinkedHashMap<>();
      load.put("load_avg_1m_before", this.load.loadAvgBefore());
      load.put("load_avg_1m_after", this.load.loadAvgAfter());
      m.put("machine_load", load);
      m.put("wal_bytes_at_kill", walBytesAtKill);
      m.put("snapshot_bytes_at_kill", snapshotBytesAtKill);
      m.put("commit_index_at_kill", commitAtKill);
      m.put("recovery_ms", timing.caughtUp() ? round(timing.caughtUpMs()) : null);
      m.put("serving_ms", timing.servingMs() >= 0 ? round(timing.servingMs()) : null);
      m.put("recovered", timing.caughtUp());
      m.put("killed", victim);
      if (timing.last() != null) m.put("last_position", timing.last().toString());
      if (!victimMetrics.isEmpty()) m.put("metrics_at_kill", new LinkedHashMap<String, Object>(victimMetrics));
      m.put("system_options", options);
      return m;
    }
  }

  private final BenchSpec spec;
  private final BenchSnapshotSpec snap;
  private final Progress progress;
  private final BenchErrors errors = new BenchErrors();

  BenchRecovery(BenchSpec spec, BenchSnapshotSpec snap, Progress progress) {
    this.spec = spec;
    this.snap = snap;
    this.progress = progress;
  }

  /** The options a system runs with at one interval. */
  static Map<String, String> options(String system, long interval, long walSegmentBytes, long nodeHeapMb) {
    Map<String, String> m = new LinkedHashMap<>();
    if (system.equals("ratis")) {
      m.put(RatisOptions.SNAPSHOT_THRESHOLD, Long.toString(interval == 0 ? RatisOptions.SNAPSHOT_THRESHOLD_MAX : interval));
      m.put(RatisOptions.CLIENT_RETRY_MS, Long.toString(BenchRun.CLIENT_RETRY_PACE_MS));
    } else if (system.equals("raft")) {
      m.put(RaftOptions.SNAPSHOT_ENTRIES, Long.toString(interval));
      if (walSegmentBytes >= 0) m.put(RaftOptions.WAL_SEGMENT_BYTES, Long.toString(walSegmentBytes));
      if (nodeHeapMb >= 0) m.put(RaftOptions.NODE_HEAP_MB, Long.toString(nodeHeapMb));
    }
    return m;
  }

  List<Row> run(SystemUnderTest sut, String system, Path dir) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (long interval : snap.intervals()) rows.add(one(sut, system, interval, dir.resolve("interval-" + interval)));
    return rows;
  }

  Map<String, Long> errors() { return errors.counts(); }

  private Row one(SystemUnderTest sut, String system, long interval, Path runDir) throws IOException {
    Map<String, String> options = options(system, interval, snap.walSegmentBytes(), snap.nodeHeapMb());
    String label = system + " interval " + interval;
    progress.line(label + ": starting " + spec.nodes() + " nodes in " + runDir + " with " + new java.util.TreeMap<>(options));
    try (Cluster cluster = sut.start(new ClusterSpec(spec.nodes(), runDir, spec.seed(), Set.of(), options))) {
      ReplicaWatch watch = ReplicaWatch.of(cluster);
      String[] values = BenchLoad.values(new SplittableRandom(spec.seed()), BenchRun.VALUES_PER_THREAD, BenchRun.VALUE_BYTES);
      BenchLoad.Result load = BenchLoad.run(cluster, spec.concurrency(), spec.seed(), values, false, spec.warmupMs(), spec.timeMs(), 0,
          errors, progress, label);
      progress.line(String.format(Locale.ROOT, "%s: %d ok writes in %.1f s = %.0f/s (fail %d, info %d)", label, load.ok(), load.windowS(),
          load.throughput(), load.fail(), load.info()));
      String leader = BenchRestart.leader(cluster);
      long commit = BenchRestart.settle(cluster, watch, leader);
      Node victim = BenchRestart.follower(cluster, leader);
      Map<String, Double> metrics = watch.metrics(victim.id());
      long walBytes = watch.logBytes(victim.dataDir());
      long snapshotBytes = watch.snapshotBytes(victim.dataDir());
      ((Killable) victim).kill();
      progress.line(label + ": follower " + victim.id() + " killed at commit index " + commit + " with " + walBytes + " WAL bytes and "
          + snapshotBytes + " snapshot bytes; starting it again");
      BenchRestart.Timing timing = BenchRestart.start((Killable) victim, victim.id(), watch, commit, RECOVERY_WAIT_MS_MAX);
      progress.line(String.format(Locale.ROOT, "%s: %s serving after %.0f ms, applied %d after %s", label, victim.id(), timing.servingMs(),
          commit, timing.caughtUp() ? String.format(Locale.ROOT, "%.0f ms", timing.caughtUpMs()) : "no answer within " + RECOVERY_WAIT_MS_MAX + " ms"));
      return new Row(interval, load, walBytes, snapshotBytes, commit, metrics, victim.id(), timing, options);
    }
  }

  static Double round(double d) { return Math.round(d * 10) / 10.0; }

  /** The table, one line per interval and system. */
  static String table(Map<String, List<Row>> bySystem) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-7s %14s %10s %14s %16s %12s%n", "system", "snapshot_every",
        "writes/s", "wal_bytes_kill", "snapshot_bytes", "recovery_ms"));
    for (Map.Entry<String, List<Row>> e : bySystem.entrySet()) {
      for (Row r : e.getValue()) {
        sb.append(String.format(Locale.ROOT, "%-7s %14s %10.0f %14d %16d %12s%n", e.getKey(), r.interval() == 0 ? "off" : Long.toString(r.interval()),
            r.load().throughput(), r.walBytesAtKill(), r.snapshotBytesAtKill(),
            r.timing().caughtUp() ? String.format(Locale.ROOT, "%.0f", r.timing().caughtUpMs()) : "n/a"));
      }
    }
    return sb.toString();
  }
}
