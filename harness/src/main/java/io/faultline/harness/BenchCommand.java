package io.faultline.harness;

import io.faultline.history.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code faultline bench}: one system, or ours against a peer, on the same machine one after the
 * other: write throughput and commit latency, then leader election to first commit.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmarks a system, or --system against --vs, one cluster after the other",
        "on this machine: blind writes of " + BenchRun.VALUE_BYTES + "-byte values to random keys from",
        "--concurrency closed-loop clients for --time, then --kills leader kills, each",
        "timed from the SIGKILL to the first committed write. Writes DIR/spec.json",
        "first and DIR/bench.json last; ratios are --system / --vs. Exit 0 when every",
        "figure was measured, 1 when one was not (no ok write, a kill with no commit",
        "within 30 s), 2 on error.",
        "--workload recovery: per --intervals snapshot interval, the write load for --time, then a",
        "follower SIGKILLed and restarted: recovery time and WAL bytes. --workload catch-up: a follower",
        "down for --down while the others take writes (first --state-bytes of big values when given),",
        "then restarted: time until it applied the leader's commit index, by snapshot or entries.",
        "--workload txn: list-append transactions from --processes clients over --keys keys, each",
        "cell of the grid for --time: committed txns per second and the conflict rate."})
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--system", required = true, description = "The system measured first (ours): ${COMPLETION-CANDIDATES}.",
      completionCandidates = Catalog.SystemNames.class)
  String system;

  @Option(names = "--vs", description = "The system to compare with, measured second (default: none, --system alone).",
      completionCandidates = Catalog.SystemNames.class)
  String vs;

  @Option(names = "--workload", defaultValue = BenchSpec.WORKLOAD_WRITE,
      description = "Bench workload: write, recovery, catch-up or txn (default ${DEFAULT-VALUE}).")
  String workload;

  @Option(names = "--intervals", defaultValue = BenchSnapshotSpec.INTERVALS_DEFAULT,
      description = "recovery: snapshot intervals in entries, comma-separated, 0 = snapshots off (default ${DEFAULT-VALUE}).")
  String intervals;

  @Option(names = "--down", defaultValue = "60s", description = "catch-up: how long the follower is down while writes go on (default ${DEFAULT-VALUE}).")
  String down;

  @Option(names = "--state-bytes", defaultValue = "0",
      description = "catch-up: value bytes written to fresh keys while the follower is down, before --down (100MB, 1GB; default ${DEFAULT-VALUE}).")
  String stateBytes;

  @Option(names = "--snapshot-entries", defaultValue = "-1",
      description = "catch-up: snapshot interval in entries for both systems (0 = off; default: ours its node default, Ratis 10000).")
  long snapshotEntries;

  @Option(names = "--wal-segment-bytes", defaultValue = "-1", description = "recovery, catch-up: our Raft's WAL segment size (default: the node's own).")
  long walSegmentBytes;

  @Option(names = "--keys", defaultValue = BenchTxn.KEYS_DEFAULT,
      description = "txn: key counts of the contention grid, comma-separated (default ${DEFAULT-VALUE}).")
  String keys;

  @Option(names = "--processes", defaultValue = BenchTxn.PROCESSES_DEFAULT,
      description = "txn: client counts of the contention grid, comma-separated (default ${DEFAULT-VALUE}).")
  String processes;

  @Option(names = "--node-heap-mb", defaultValue = "-1",
      description = "recovery, catch-up: our Raft's node heap in MiB, for a large --state-bytes (default: the node's own, 256).")
  long nodeHeapMb;

  @Option(names = "--rounds", defaultValue = "1",
      description = "catch-up: how many times the follower goes down and catches up; from the second on it holds an earlier snapshot (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--snapshot-format",
      description = "catch-up: our Raft's snapshot format, logical, checkpoint or incremental (default: the node's own, incremental).")
  String snapshotFormat;

  @Option(names = "--time", defaultValue = "30s", description = "How long throughput is measured, after the warm-up (default ${DEFAULT-VALUE}).")
  String time;

  @Option(names = "--warmup", defaultValue = "5s", description = "Writes before the measurement, not counted (default ${DEFAULT-VALUE}).")
  String warmup;

  @Option(names = "--concurrency", defaultValue = "16", description = "Closed-loop client threads (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--kills", defaultValue = "30", description = "Leader kills per system in the election phase; 0 skips it (default ${DEFAULT-VALUE}).")
  int kills;

  @Option(names = "--nodes", defaultValue = "3", description = "Cluster size (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--seed", description = "The run's seed: keys, values and the pauses before kills (default: chosen and logged).")
  Long seed;

  @Option(names = "--out", description = "Bench directory (default results/bench/<timestamp>).")
  Path out;

  @Override
  public Integer call() throws IOException {
    BenchSpec spec = toSpec();
    BenchSnapshotSpec snapshots = toSnapshotSpec();
    Progress progress = Progress.forStdout(false);
    if (spec.workload().equals(BenchTxn.WORKLOAD)) {
      return new BenchTxn(spec, BenchTxn.parseGrid("--keys", keys, io.faultline.workloads.TxnOptions.KEY_COUNT_MAX),
          BenchTxn.parseGrid("--processes", processes, BenchSpec.CONCURRENCY_MAX), progress).call();
    }
    if (!spec.workload().equals(BenchSpec.WORKLOAD_WRITE)) return new BenchSnapshots(spec, snapshots, progress).call();
    progress.line("seed=" + spec.seed() + " system=" + spec.system() + (spec.vs() == null ? "" : " vs=" + spec.vs())
        + " workload=" + spec.workload() + " time=" + Durations.format(spec.timeMs()) + " warmup=" + Durations.format(spec.warmupMs())
        + " concurrency=" + spec.concurrency() + " kills=" + spec.kills() + " nodes=" + spec.nodes());
    progress.line("re-run: " + spec.command());
    // Both systems are resolved and checked before anything starts: bad input costs nothing.
    BenchRun.requireWritable(Catalog.system(spec.system()), "--system");
    if (spec.vs() != null) BenchRun.requireWritable(Catalog.system(spec.vs()), "--vs");
    Campaign.sweep(progress, spec.out());
    Campaign.keepEarlierRun(progress, spec.out());
    Files.createDirectories(spec.out());
    String startedAt = Instant.now().toString();
    writeSpec(spec, startedAt);
    Path entry = Campaign.register(spec.out());
    List<BenchRun.Figures> figures = new ArrayList<>();
    Map<String, String> failures = new LinkedHashMap<>();
    try {
      for (String name : spec.systems()) {
        try {
          figures.add(new BenchRun(spec, name, progress).run(Catalog.system(name), spec.out().resolve(name)));
        } catch (IOException e) {
          // Its cluster is closed; the other system is still measured, and bench.json says what failed.
          failures.put(name, Main.describe(e));
          progress.line(name + ": failed: " + Main.describe(e));
        }
      }
    } finally {
      Files.deleteIfExists(entry);
    }
    Path benchJson = spec.out().resolve("bench.json");
    Map<String, Object> json = BenchReport.toJson(spec, figures, startedAt, Instant.now().toString());
    if (!failures.isEmpty()) json.put("failed", failures);
    Files.writeString(benchJson, Json.writePretty(json) + "\n", StandardCharsets.UTF_8);
    System.out.println(BenchReport.summary(figures, benchJson));
    if (!failures.isEmpty()) {
      System.err.println("faultline: error: " + String.join("; ", failures.values()));
      return Main.EXIT_ERROR;
    }
    boolean complete = true;
    for (BenchRun.Figures f : figures) complete &= f.ok() > 0 && f.electionNs().length == spec.kills();
    return complete ? Main.EXIT_VALID : Main.EXIT_INVALID;
  }

  BenchSpec toSpec() {
    long s = seed != null ? seed : Seeds.fresh();
    Path dir = out != null ? out : Paths.get("results", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    return new BenchSpec(system, vs, workload, parse("--time", time), parse("--warmup", warmup), concurrency, kills, s, nodes, dir);
  }

  BenchSnapshotSpec toSnapshotSpec() {
    return new BenchSnapshotSpec(BenchSnapshotSpec.parseIntervals(intervals), parse("--down", down),
        BenchSnapshotSpec.parseBytes("--state-bytes", stateBytes), snapshotEntries, walSegmentBytes, nodeHeapMb, rounds, snapshotFormat);
  }

  private static long parse(String option, String text) {
    try {
      return Durations.parseMs(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option " + option + ": " + e.getMessage());
    }
  }

  private static void writeSpec(BenchSpec spec, String startedAt) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", spec.seed());
    m.put("command", spec.command());
    m.put("git_commit", BuildInfo.gitCommit());
    m.put("started_at", startedAt);
    m.put("systems", spec.systems());
    m.put("workload", spec.workload());
    m.put("time_ms", spec.timeMs());
    m.put("warmup_ms", spec.warmupMs());
    m.put("concurrency", (long) spec.concurrency());
    m.put("kills", (long) spec.kills());
    m.put("nodes", (long) spec.nodes());
    m.put("value_bytes", (long) BenchRun.VALUE_BYTES);
    m.put("key_space", (long) BenchRun.KEY_SPACE);
    Map<String, Object> options = new LinkedHashMap<>();
    for (String name : spec.systems()) options.put(name, BenchRun.systemOptions(name));
    m.put("system_options", options);
    m.put("machine", BenchReport.machine());
    Files.writeString(spec.out().resolve("spec.json"), Json.writePretty(m) + "\n", StandardCharsets.UTF_8);
  }
}
