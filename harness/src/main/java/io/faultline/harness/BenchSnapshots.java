package io.faultline.harness;

import io.faultline.history.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The snapshot benchmarks of {@code faultline bench}: {@code --workload recovery}
 * ({@link BenchRecovery}) and {@code --workload catch-up} ({@link BenchCatchUp}), for
 * {@code --system} and then {@code --vs}, one cluster at a time. Writes DIR/spec.json first and
 * DIR/bench.json last, with the figures under {@value #KEY_RECOVERY} or {@value #KEY_CATCH_UP}, and
 * prints a table. Exit 0 when every figure was measured, 1 when a node did not come back within the
 * bound, 2 on error.
 */
final class BenchSnapshots {
  static final String KEY_RECOVERY = "recovery";
  static final String KEY_CATCH_UP = "catch_up";
  /** The systems whose nodes can say how far they have come ({@link ReplicaWatch}). */
  static final Set<String> SYSTEMS = Set.of("raft", "ratis");

  private final BenchSpec spec;
  private final BenchSnapshotSpec snap;
  private final Progress progress;

  BenchSnapshots(BenchSpec spec, BenchSnapshotSpec snap, Progress progress) {
    this.spec = spec;
    this.snap = snap;
    this.progress = progress;
  }

  /** The exact command line that runs this benchmark again. */
  String command() { return spec.command() + snap.flags(spec.workload()); }

  int call() throws IOException {
    boolean recovery = spec.workload().equals(BenchSnapshotSpec.WORKLOAD_RECOVERY);
    for (String name : spec.systems()) {
      String option = name.equals(spec.system()) ? "--system" : "--vs";
      if (!SYSTEMS.contains(name)) {
        throw new IllegalArgumentException("option " + option + ": '" + name + "' is not allowed with --workload " + spec.workload()
            + "; expected raft or ratis (systems whose nodes say how far they have applied)");
      }
      BenchRun.requireWritable(Catalog.system(name), option);
    }
    progress.line("seed=" + spec.seed() + " system=" + spec.system() + (spec.vs() == null ? "" : " vs=" + spec.vs())
        + " workload=" + spec.workload() + (recovery ? " intervals=" + snap.intervals() + " time=" + Durations.format(spec.timeMs())
        : " down=" + Durations.format(snap.downMs()) + " state-bytes=" + snap.stateBytes())
        + " warmup=" + Durations.format(spec.warmupMs()) + " concurrency=" + spec.concurrency() + " nodes=" + spec.nodes());
    progress.line("re-run: " + command());
    Campaign.sweep(progress, spec.out());
    Campaign.keepEarlierRun(progress, spec.out());
    Files.createDirectories(spec.out());
    String startedAt = Instant.now().toString();
    writeSpec(startedAt);
    Path entry = Campaign.register(spec.out());
    Map<String, Object> figures = new LinkedHashMap<>();
    Map<String, List<BenchRecovery.Row>> rows = new LinkedHashMap<>();
    Map<String, Map<String, Object>> catchUps = new LinkedHashMap<>();
    Map<String, Object> errors = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    boolean[] completeAll = {true};
    eachSystem(spec, progress, entry, failures, name -> {
      boolean complete = true;
      if (recovery) {
        BenchRecovery r = new BenchRecovery(spec, snap, progress);
        try {
          List<BenchRecovery.Row> rs = r.run(Catalog.system(name), name, spec.out().resolve(name));
          rows.put(name, rs);
          List<Object> json = new ArrayList<>();
          for (BenchRecovery.Row row : rs) {
            json.add(row.toJson());
            complete &= row.timing().caughtUp() && row.load().ok() > 0;
          }
          figures.put(name, json);
        } finally {
          errors.put(name, r.errors());
        }
      } else {
        BenchCatchUp c = new BenchCatchUp(spec, snap, progress);
        try {
          Map<String, Object> m = c.run(Catalog.system(name), name, spec.out().resolve(name));
          catchUps.put(name, m);
          figures.put(name, m);
          complete &= Boolean.TRUE.equals(m.get("caught_up"));
        } finally {
          errors.put(name, c.errors());
        }
      }
      completeAll[0] &= complete;
    });
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("workload", spec.workload());
    json.put(recovery ? KEY_RECOVERY : KEY_CATCH_UP, figures);
    json.put("errors", errors);
    if (!failures.isEmpty()) json.put("failed", failures);
    common(json, startedAt);
    return finish(spec.out(), json, recovery ? BenchRecovery.table(rows) : BenchCatchUp.table(catchUps), failures, completeAll[0]);
  }

  /** One system's part of a benchmark. */
  interface Each {
    void run(String system) throws IOException;
  }

  /**
   * Runs {@code each} for {@code --system} and then {@code --vs}: an IOException fails that system only
   * (its cluster is closed, the other is still measured) and lands in {@code failures}; the campaign
   * registration {@code entry} goes at the end, whatever happened.
   */
  static void eachSystem(BenchSpec spec, Progress progress, Path entry, Map<String, String> failures, Each each) throws IOException {
    try {
      for (String name : spec.systems()) {
        try {
          each.run(name);
        } catch (IOException e) {
          failures.put(name, Main.describe(e));
          progress.line(name + ": failed: " + Main.describe(e));
        }
      }
    } finally {
      Files.deleteIfExists(entry);
    }
  }

  /** Writes DIR/bench.json (with its finish time), prints the table, and says the exit code: 2 when a system failed, else 0 or 1. */
  static int finish(Path out, Map<String, Object> json, String table, Map<String, String> failures, boolean complete) throws IOException {
    json.put("finished_at", Instant.now().toString());
    Path benchJson = out.resolve("bench.json");
    Files.writeString(benchJson, Json.writePretty(json) + "\n", StandardCharsets.UTF_8);
    System.out.print(table);
    System.out.println("-> " + benchJson);
    if (!failures.isEmpty()) {
      System.err.println("faultline: error: " + String.join("; ", failures.values()));
      return Main.EXIT_ERROR;
    }
    return complete ? Main.EXIT_VALID : Main.EXIT_INVALID;
  }

  private void common(Map<String, Object> m, String startedAt) {
    m.put("systems", spec.systems());
    if (spec.workload().equals(BenchSnapshotSpec.WORKLOAD_RECOVERY)) {
      m.put("intervals", snap.intervals());
      m.put("time_s", spec.timeMs() / 1000.0);
    } else {
      m.put("down_s", snap.downMs() / 1000.0);
      m.put("state_bytes", snap.stateBytes());
      if (snap.snapshotEntries() >= 0) m.put("snapshot_entries", snap.snapshotEntries());
    }
    if (snap.walSegmentBytes() >= 0) m.put("wal_segment_bytes", snap.walSegmentBytes());
    if (snap.nodeHeapMb() >= 0) m.put("node_heap_mb", snap.nodeHeapMb());
    m.put("warmup_s", spec.warmupMs() / 1000.0);
    m.put("concurrency", (long) spec.concurrency());
    m.put("nodes", (long) spec.nodes());
    m.put("value_bytes", (long) BenchRun.VALUE_BYTES);
    m.put("key_space", (long) BenchRun.KEY_SPACE);
    m.put("seed", spec.seed());
    m.put("command", command());
    m.put("git_commit", BuildInfo.gitCommit());
    m.put("started_at", startedAt);
    m.put("machine", BenchReport.machine());
    m.put("method", spec.workload().equals(BenchSnapshotSpec.WORKLOAD_RECOVERY)
        ? "per interval a fresh cluster; throughput counts ok writes of the closed-loop load within --time after the warm-up;"
          + " then writes stop, the nodes settle, a follower is SIGKILLed and started again; recovery_ms is from its process start"
          + " until its cluster/status (ours) or group info (Ratis) says it serves and has applied the leader's commit index at the kill;"
          + " WAL and snapshot bytes are the killed node's files at the kill"
        : "a follower is SIGKILLed, the others take writes (with --state-bytes first fresh keys of " + BenchCatchUp.STATE_VALUE_BYTES
          + "-byte values until the state grew that much) for --down, writes stop, and the follower is started again; catch_up_ms is"
          + " from its process start until it says it has applied the leader's commit index at the restart; via snapshot when it"
          + " installed one from the leader (ours: raft_snapshots_installed; Ratis: a snapshot loaded beyond its own)");
  }

  private void writeSpec(String startedAt) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workload", spec.workload());
    common(m, startedAt);
    Map<String, Object> options = new LinkedHashMap<>();
    for (String name : spec.systems()) {
      if (spec.workload().equals(BenchSnapshotSpec.WORKLOAD_RECOVERY)) {
        Map<String, Object> each = new LinkedHashMap<>();
        for (long i : snap.intervals()) each.put(Long.toString(i), BenchRecovery.options(name, i, snap.walSegmentBytes(), snap.nodeHeapMb()));
        options.put(name, each);
      } else {
        options.put(name, BenchCatchUp.options(name, snap));
      }
    }
    m.put("system_options", options);
    Files.writeString(spec.out().resolve("spec.json"), Json.writePretty(m) + "\n", StandardCharsets.UTF_8);
  }
}
