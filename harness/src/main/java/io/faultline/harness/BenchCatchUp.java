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
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code faultline bench --workload catch-up}: a follower's catch-up after time down. A fresh
 * cluster takes the write load for the warm-up; the nodes settle; one follower is SIGKILLed; with
 * {@code --state-bytes}, values of {@value #STATE_VALUE_BYTES} bytes are written to fresh keys until
 * the state has grown by that much; then the write load runs for {@code --down}; then writes stop, the
 * leader's commit index is read, and the follower is started again. The catch-up time runs from its
 * process start until it says it has applied that index. Whether it came by snapshot: ours by
 * {@code raft_snapshots_installed} on the follower (with the install's bytes and the leader's
 * {@code raft_follower_catchup_last_seconds}, first chunk to acknowledged install); Ratis by a
 * snapshot its state machine loaded, beyond its own, since the restart. With {@code --rounds N} the
 * kill, the writes and the restart happen N times (the preload only in the first), so that from the
 * second round on our follower holds an earlier snapshot of the leader's lineage: an incremental
 * snapshot then sends only the checkpoint files it lacks ({@code snapshot_received_bytes}).
 */
final class BenchCatchUp {
  /** Big values for the preload: the largest that fit our node's 4 KiB request body with the key and session. */
  static final int STATE_VALUE_BYTES = 3_800;
  static final int STATE_VALUES = 16;
  static final long CATCH_UP_WAIT_MS_MAX = 600_000;

  private final BenchSpec spec;
  private final BenchSnapshotSpec snap;
  private final Progress progress;
  private final BenchErrors errors = new BenchErrors();

  BenchCatchUp(BenchSpec spec, BenchSnapshotSpec snap, Progress progress) {
    this.spec = spec;
    this.snap = snap;
    this.progress = progress;
  }

  Map<String, Long> errors() { return errors.counts(); }

  static Map<String, String> options(String system, BenchSnapshotSpec snap) {
    long snapshotEntries = snap.snapshotEntries();
    Map<String, String> m = new LinkedHashMap<>();
    if (system.equals("ratis")) {
      long threshold = snapshotEntries < 0 ? BenchSnapshotSpec.RATIS_CATCH_UP_THRESHOLD
          : snapshotEntries == 0 ? RatisOptions.SNAPSHOT_THRESHOLD_MAX : snapshotEntries;
      m.put(RatisOptions.SNAPSHOT_THRESHOLD, Long.toString(threshold));
      m.put(RatisOptions.CLIENT_RETRY_MS, Long.toString(BenchRun.CLIENT_RETRY_PACE_MS));
    } else if (system.equals("raft")) {
      if (snapshotEntries >= 0) m.put(RaftOptions.SNAPSHOT_ENTRIES, Long.toString(snapshotEntries));
      if (snap.walSegmentBytes() >= 0) m.put(RaftOptions.WAL_SEGMENT_BYTES, Long.toString(snap.walSegmentBytes()));
      if (snap.nodeHeapMb() >= 0) m.put(RaftOptions.NODE_HEAP_MB, Long.toString(snap.nodeHeapMb()));
      if (snap.snapshotFormat() != null) m.put(RaftOptions.SNAPSHOT_FORMAT, snap.snapshotFormat());
    }
    return m;
  }

  /** One system's figures, as bench.json holds them. */
  Map<String, Object> run(SystemUnderTest sut, String system, Path runDir) throws IOException {
    Map<String, String> options = options(system, snap);
    progress.line(system + ": starting " + spec.nodes() + " nodes in " + runDir + (options.isEmpty() ? "" : " with " + new java.util.TreeMap<>(options)));
    try (Cluster cluster = sut.start(new ClusterSpec(spec.nodes(), runDir, spec.seed(), Set.of(), options))) {
      ReplicaWatch watch = ReplicaWatch.of(cluster);
      SplittableRandom rng = new SplittableRandom(spec.seed());
      String[] values = BenchLoad.values(rng, BenchRun.VALUES_PER_THREAD, BenchRun.VALUE_BYTES);
      if (spec.warmupMs() > 0) {
        BenchLoad.run(cluster, spec.concurrency(), spec.seed(), values, false, 0, spec.warmupMs(), 0, errors, progress, system + " warm-up");
      }
      List<Map<String, Object>> rounds = new ArrayList<>();
      for (int round = 1; round <= snap.rounds(); round++) {
        if (snap.rounds() > 1) progress.line(system + ": round " + round + " of " + snap.rounds());
        rounds.add(round(cluster, watch, rng, values, system, runDir, round == 1));
      }
      Map<String, Object> m = new LinkedHashMap<>(rounds.get(rounds.size() - 1));
      if (rounds.size() > 1) {
        List<Map<String, Object>> summary = new ArrayList<>();
        for (Map<String, Object> r : rounds) {
          Map<String, Object> brief = new LinkedHashMap<>(r);
          brief.remove("follower_metrics_after");
          brief.remove("leader_metrics_after");
          summary.add(brief);
        }
        m.put("rounds", summary);
      }
      m.put("system_options", options);
      return m;
    }
  }

  /** One round: the follower killed, the others written to (first the preload), the follower started and timed until it caught up. */
  private Map<String, Object> round(Cluster cluster, ReplicaWatch watch, SplittableRandom rng, String[] values, String system, Path runDir,
      boolean preloadFirst) throws IOException {
    String leader = BenchRestart.leader(cluster);
    BenchRestart.settle(cluster, watch, leader);
    Node victim = BenchRestart.follower(cluster, leader);
    ReplicaWatch.Position atKill = watch.position(victim.id()).orElseThrow(() -> new IOException("follower " + victim.id() + " does not answer"));
    ((Killable) victim).kill();
    progress.line(system + ": follower " + victim.id() + " killed at applied index " + atKill.applied() + "; leader " + leader);
    long downStartNs = System.nanoTime();
    BenchLoad.Result preload = null;
    if (snap.stateBytes() > 0 && preloadFirst) {
      String[] big = BenchLoad.values(rng, STATE_VALUES, STATE_VALUE_BYTES);
      preload = BenchLoad.run(cluster, spec.concurrency(), spec.seed() + 1, big, true, 0, BenchSnapshotSpec.DOWN_MS_MAX, snap.stateBytes(),
          errors, progress, system + " preload");
      if (preload.stalled()) {
        throw new IOException(system + ": the cluster took no write for " + BenchLoad.STALL_MS_MAX + " ms during the preload, after "
            + preload.okValueBytes() + " of " + snap.stateBytes() + " value bytes; see the node logs under " + runDir.resolve("nodes")
            + " (a node's heap must hold the state and a snapshot's copy of it)");
      }
      progress.line(String.format(Locale.ROOT, "%s: preloaded %d value bytes in %d writes, %.1f s", system, preload.okValueBytes(),
          preload.ok(), preload.windowS()));
    }
    BenchLoad.Result down = BenchLoad.run(cluster, spec.concurrency(), spec.seed() + 2, values, false, 0, snap.downMs(), 0, errors,
        progress, system + " down");
    double downS = (System.nanoTime() - downStartNs) / 1e9;
    progress.line(String.format(Locale.ROOT, "%s: %d ok writes in %.1f s while %s was down (%.0f/s)", system, down.ok(), down.windowS(),
        victim.id(), down.throughput()));
    String leaderNow = BenchRestart.leader(cluster);
    long target = BenchRestart.settle(cluster, watch, leaderNow);
    Map<String, Double> leaderBefore = watch.metrics(leaderNow);
    long leaderSnapshotBytes = watch.snapshotBytes(BenchRestart.node(cluster, leaderNow).dataDir());
    progress.line(system + ": starting " + victim.id() + " again; the leader's commit index is " + target + ", "
        + (target - atKill.applied()) + " entries ahead of it");
    BenchRestart.Timing timing = BenchRestart.start((Killable) victim, victim.id(), watch, target, CATCH_UP_WAIT_MS_MAX);
    Optional<Boolean> viaSnapshot = watch.installedSnapshot(victim.id(), atKill.snapshotIndex());
    Map<String, Double> victimAfter = watch.metrics(victim.id());
    Map<String, Double> leaderAfter = watch.metrics(leaderNow);
    progress.line(String.format(Locale.ROOT, "%s: %s caught up to %d after %s, via %s", system, victim.id(), target,
        timing.caughtUp() ? String.format(Locale.ROOT, "%.0f ms", timing.caughtUpMs()) : "no answer within " + CATCH_UP_WAIT_MS_MAX + " ms",
        viaSnapshot.map(b -> b ? "snapshot" : "entries").orElse("unknown")));

    Map<String, Object> m = new LinkedHashMap<>();
    m.put("catch_up_ms", timing.caughtUp() ? BenchRecovery.round(timing.caughtUpMs()) : null);
    m.put("serving_ms", timing.servingMs() >= 0 ? BenchRecovery.round(timing.servingMs()) : null);
    m.put("caught_up", timing.caughtUp());
    m.put("via", viaSnapshot.map(b -> b ? "snapshot" : "entries").orElse("unknown"));
    m.put("down_s", Math.round(downS * 10) / 10.0);
    m.put("writes_while_down", down.ok() + (preload == null ? 0 : preload.ok()));
    m.put("throughput_while_down", Math.round(down.throughput() * 10) / 10.0);
    Map<String, Object> load = new LinkedHashMap<>();
    load.put("load_avg_1m_before", down.loadAvgBefore());
    load.put("load_avg_1m_after", down.loadAvgAfter());
    m.put("machine_load", load);
    if (preload != null) {
      m.put("state_bytes_asked", snap.stateBytes());
      m.put("state_value_bytes_written", preload.okValueBytes());
      m.put("state_writes", preload.ok());
      m.put("preload_s", Math.round(preload.windowS() * 10) / 10.0);
    }
    m.put("applied_at_kill", atKill.applied());
    m.put("leader_commit_at_restart", target);
    m.put("entries_behind", target - atKill.applied());
    m.put("leader_snapshot_file_bytes", leaderSnapshotBytes);
    Double installed = victimAfter.get("raft_snapshots_installed");
    if (installed != null) m.put("snapshots_installed", installed.longValue());
    if (Boolean.TRUE.equals(viaSnapshot.orElse(null)) && victimAfter.get("raft_snapshot_installed_last_bytes") != null) {
      // not raft_snapshot_last_bytes: a follower that caught up may have taken a snapshot of its own since
      m.put("snapshot_install_bytes", victimAfter.get("raft_snapshot_installed_last_bytes").longValue());
      // an incremental snapshot sends only the checkpoint files the follower lacks
      Double received = victimAfter.get("raft_snapshot_received_last_bytes");
      if (received != null) m.put("snapshot_received_bytes", received.longValue());
    }
    Double leaderCatchUp = leaderAfter.get("raft_follower_catchup_last_seconds");
    Double sentBefore = leaderBefore.get("raft_snapshots_sent");
    Double sentAfter = leaderAfter.get("raft_snapshots_sent");
    if (sentAfter != null && sentBefore != null) m.put("leader_snapshots_sent", (long) (sentAfter - sentBefore));
    if (leaderCatchUp != null && sentAfter != null && sentBefore != null && sentAfter > sentBefore) {
      m.put("snapshot_install_ms", BenchRecovery.round(leaderCatchUp * 1000));
    }
    m.put("killed", victim.id());
    m.put("leader", leaderNow);
    if (timing.last() != null) m.put("last_position", timing.last().toString());
    if (!victimAfter.isEmpty()) m.put("follower_metrics_after", new LinkedHashMap<String, Object>(victimAfter));
    if (!leaderAfter.isEmpty()) m.put("leader_metrics_after", new LinkedHashMap<String, Object>(leaderAfter));
    return m;
  }

  /** The table: one line per system. */
  static String table(Map<String, Map<String, Object>> bySystem) {
    String format = "%-7s %5s %8s %14s %14s %10s %14s %14s %18s%n";
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "system", "round", "down_s",
        "entries_behind", "catch_up_ms", "via", "install_bytes", "received_bytes", "snapshot_install_ms"));
    for (Map.Entry<String, Map<String, Object>> e : bySystem.entrySet()) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> rounds = e.getValue().containsKey("rounds") ? (List<Map<String, Object>>) e.getValue().get("rounds") : List.of(e.getValue());
      for (int i = 0; i < rounds.size(); i++) {
        Map<String, Object> m = rounds.get(i);
        sb.append(String.format(Locale.ROOT, format, e.getKey(), i + 1, m.get("down_s"), m.get("entries_behind"),
            orNa(m.get("catch_up_ms")), m.get("via"), orNa(m.get("snapshot_install_bytes")), orNa(m.get("snapshot_received_bytes")),
            orNa(m.get("snapshot_install_ms"))));
      }
    }
    return sb.toString();
  }

  private static String orNa(Object o) { return o == null ? "n/a" : o.toString(); }
}
