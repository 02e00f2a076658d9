package io.faultline.harness;

import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.sut.Capability;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.SystemUnderTest;
import io.faultline.workloads.Context;
import io.faultline.workloads.Generator;
import io.faultline.workloads.ListAppendWorkload;
import io.faultline.workloads.Step;
import io.faultline.workloads.TxnOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code faultline bench --workload txn}: transaction throughput and conflict rate against contention,
 * for {@code --system} and then {@code --vs}, any system that runs Elle's list-append transactions (our
 * Raft's optimistic txns, PostgreSQL at SERIALIZABLE). One cluster per system; per cell of the grid
 * {@code --keys} × {@code --processes}, that many closed-loop clients run list-append txns (1–4
 * micro-ops, half reads, over that many keys) for {@code --time}. A txn that ends {@code fail} was
 * refused for a conflict (ours: a compare failed; PostgreSQL: a serialization failure) and applied
 * nothing; {@code info} is unknown, and its process retires as in a test run.
 *
 * <p>Figures per cell: committed txns per second, conflict rate ({@code fail / (ok + fail)}), info
 * count, and latency percentiles of committed txns. DIR/spec.json first, DIR/bench.json last. Exit 0
 * when every cell committed something, 1 otherwise, 2 on error.
 */
final class BenchTxn {
  static final String WORKLOAD = "txn";
  static final String KEY = "txn";
  static final String KEYS_DEFAULT = "2,10,100";
  static final String PROCESSES_DEFAULT = "1,4,16";
  static final int GRID_VALUES_MAX = 8;
  /** Process numbers of a cell start here times the cell's number, so no two cells share a client session. */
  static final int PROCESSES_PER_CELL_MAX = 100_000;

  /** One cell's figures. */
  record Row(int keys, int processes, long ok, long fail, long info, double windowS, long[] latenciesNs) {
    double committedPerS() { return ok / windowS; }

    double conflictRate() { return ok + fail == 0 ? 0 : (double) fail / (ok + fail); }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("keys", (long) keys);
      m.put("processes", (long) processes);
      m.put("committed_per_s", Math.round(committedPerS() * 10) / 10.0);
      m.put("conflict_rate", Math.round(conflictRate() * 1000) / 1000.0);
      m.put("ok", ok);
      m.put("fail", fail);
      m.put("info", info);
      m.put("window_s", Math.round(windowS * 10) / 10.0);
      m.put("latency_ms_p50", percentileMs(latenciesNs, 50));
      m.put("latency_ms_p99", percentileMs(latenciesNs, 99));
      return m;
    }
  }

  private final BenchSpec spec;
  private final List<Integer> keys;
  private final List<Integer> processes;
  private final Progress progress;
  private final BenchErrors errors = new BenchErrors();

  BenchTxn(BenchSpec spec, List<Integer> keys, List<Integer> processes, Progress progress) {
    this.spec = spec;
    this.keys = List.copyOf(keys);
    this.processes = List.copyOf(processes);
    this.progress = progress;
  }

  /** {@code 2,10,100}: whole numbers in 1..{@code max} separated by commas; anything else names the flag. */
  static List<Integer> parseGrid(String option, String text, int max) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      int n;
      try {
        n = Integer.parseInt(part.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > max) {
        throw new IllegalArgumentException("option " + option + ": '" + text + "' is not allowed; expected whole numbers 1.." + max
            + " separated by commas");
      }
      out.add(n);
    }
    if (out.size() > GRID_VALUES_MAX) throw new IllegalArgumentException("option " + option + ": at most " + GRID_VALUES_MAX + " values, got " + out.size());
    return out;
  }

  String command() {
    return spec.command() + " --keys " + join(keys) + " --processes " + join(processes);
  }

  int call() throws IOException {
    for (String name : spec.systems()) {
      String option = name.equals(spec.system()) ? "--system" : "--vs";
      if (!Catalog.system(name).capabilities().contains(Capability.TXN_LIST_APPEND)) {
        throw new IllegalArgumentException("option " + option + ": '" + name + "' is not allowed with --workload txn; expected a system"
            + " that runs list-append transactions (raft, postgres)");
      }
    }
    progress.line("seed=" + spec.seed() + " system=" + spec.system() + (spec.vs() == null ? "" : " vs=" + spec.vs())
        + " workload=txn keys=" + keys + " processes=" + processes + " time=" + Durations.format(spec.timeMs())
        + " warmup=" + Durations.format(spec.warmupMs()) + " nodes=" + spec.nodes());
    progress.line("re-run: " + command());
    Campaign.sweep(progress, spec.out());
    Campaign.keepEarlierRun(progress, spec.out());
    Files.createDirectories(spec.out());
    String startedAt = Instant.now().toString();
    Map<String, Object> specJson = new LinkedHashMap<>();
    specJson.put("workload", WORKLOAD);
    common(specJson, startedAt);
    Files.writeString(spec.out().resolve("spec.json"), Json.writePretty(specJson) + "\n", StandardCharsets.UTF_8);
    Path entry = Campaign.register(spec.out());
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    Map<String, String> failures = new LinkedHashMap<>();
    BenchSnapshots.eachSystem(spec, progress, entry, failures, name -> rows.put(name, run(Catalog.system(name), name, spec.out().resolve(name))));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("workload", WORKLOAD);
    Map<String, Object> figures = new LinkedHashMap<>();
    boolean complete = true;
    for (Map.Entry<String, List<Row>> e : rows.entrySet()) {
      List<Object> each = new ArrayList<>();
      for (Row r : e.getValue()) {
        each.add(r.toJson());
        complete &= r.ok() > 0;
      }
      figures.put(e.getKey(), each);
    }
    json.put(KEY, figures);
    json.put("errors", errors.counts());
    if (!failures.isEmpty()) json.put("failed", failures);
    common(json, startedAt);
    return BenchSnapshots.finish(spec.out(), json, table(rows), failures, complete);
  }

  private List<Row> run(SystemUnderTest sut, String name, Path runDir) throws IOException {
    // --nodes for replicated systems; a single-server system (PostgreSQL) runs as its one node
    int nodes = Catalog.defaultNodeCount(name) == 1 ? 1 : spec.nodes();
    progress.line(name + ": starting " + nodes + (nodes == 1 ? " node" : " nodes") + " in " + runDir);
    List<Row> out = new ArrayList<>();
    try (Cluster cluster = sut.start(new ClusterSpec(nodes, runDir, spec.seed(), Set.of(), Map.of()))) {
      int cell = 0;
      if (spec.warmupMs() > 0) measure(cluster, 10, 4, spec.warmupMs(), cell++);
      for (int k : keys) {
        for (int p : processes) {
          Row r = measure(cluster, k, p, spec.timeMs(), cell++);
          progress.line(String.format(Locale.ROOT, "%s: keys=%d processes=%d: %.1f committed/s, conflict rate %.3f, info %d", name, k, p,
              r.committedPerS(), r.conflictRate(), r.info()));
          out.add(r);
        }
      }
    }
    return out;
  }

  /** One cell: {@code p} closed-loop clients over {@code k} keys for {@code timeMs}. */
  private Row measure(Cluster cluster, int k, int p, long timeMs, int cell) throws IOException {
    Generator[] gen = {ListAppendWorkload.generator(spec.seed() + cell, TxnOptions.defaults().withKeyCount(k))};
    long startNs = System.nanoTime();
    long endNs = startNs + timeMs * 1_000_000;
    long[] counts = new long[3];
    BenchSamples latencies = new BenchSamples(BenchRun.LATENCY_SAMPLES_MAX);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < p; t++) {
      int thread = t;
      ClosedLoopClient.Ops ops = process -> {
        synchronized (gen) {
          Step s = gen[0].next(new Context(System.nanoTime() - startNs, thread, process, p));
          if (s.op() == null) return null;
          gen[0] = s.rest();
          return s.op().withProcess(process);
        }
      };
      ClosedLoopClient.Outcome outcome = (invoked, done, t0, t1) -> {
        synchronized (counts) {
          if (done != null && done.isOk()) {
            counts[0]++;
            latencies.add(t1 - t0);
          } else if (done != null && done.isFail()) {
            counts[1]++;
          } else {
            counts[2]++;
            errors.note(done == null ? "no completion" : done.error());
          }
        }
      };
      // process numbers of a cell start apart from every other cell's, so no two share a client session
      threads.add(new ClosedLoopClient(cluster, cell * PROCESSES_PER_CELL_MAX + t, p, () -> System.nanoTime() < endNs, ops, outcome, errors)
          .start("bench-txn-" + t));
    }
    for (Thread th : threads) {
      try {
        th.join(timeMs + BenchRun.JOIN_MS_MAX);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while measuring", e);
      }
    }
    synchronized (counts) {
      double windowS = (Math.min(System.nanoTime(), endNs) - startNs) / 1e9;
      return new Row(k, p, counts[0], counts[1], counts[2], windowS, BenchSamples.sortedUnion(List.of(latencies)));
    }
  }

  private void common(Map<String, Object> m, String startedAt) {
    m.put("systems", spec.systems());
    m.put("keys", keys);
    m.put("processes", processes);
    m.put("time_s", spec.timeMs() / 1000.0);
    m.put("warmup_s", spec.warmupMs() / 1000.0);
    m.put("nodes", (long) spec.nodes());
    m.put("seed", spec.seed());
    m.put("command", command());
    m.put("git_commit", BuildInfo.gitCommit());
    m.put("started_at", startedAt);
    m.put("machine", BenchReport.machine());
    m.put("method", "per system one cluster; per cell of keys x processes that many closed-loop clients run Elle list-append txns"
        + " (1-4 micro-ops, half reads) over that many keys for --time; committed_per_s counts ok txns, conflict_rate is"
        + " fail / (ok + fail) (a refused txn applied nothing: our Raft's failed compare, PostgreSQL's serialization failure),"
        + " info are unknown outcomes (the process retires); latency percentiles are of ok txns");
  }

  static String table(Map<String, List<Row>> rows) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-9s %5s %9s %13s %13s %6s %9s %9s%n", "system", "keys", "processes",
        "committed/s", "conflict_rate", "info", "p50_ms", "p99_ms"));
    for (Map.Entry<String, List<Row>> e : rows.entrySet()) {
      for (Row r : e.getValue()) {
        sb.append(String.format(Locale.ROOT, "%-9s %5d %9d %13.1f %13.3f %6d %9s %9s%n", e.getKey(), r.keys(), r.processes(), r.committedPerS(),
            r.conflictRate(), r.info(), percentileMs(r.latenciesNs(), 50), percentileMs(r.latenciesNs(), 99)));
      }
    }
    return sb.toString();
  }

  /** The nearest-rank percentile {@code p} of sorted latencies in ms, to 0.1 ms; null when there are none. */
  static Double percentileMs(long[] sortedNs, double p) {
    Double ms = BenchSamples.percentileMs(sortedNs, p);
    return ms == null ? null : Math.round(ms * 10) / 10.0;
  }

  private static String join(List<Integer> values) {
    List<String> s = new ArrayList<>();
    for (int v : values) s.add(Integer.toString(v));
    return String.join(",", s);
  }
}
