package io.faultline.harness;

import io.faultline.checkers.Validity;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code faultline demo}: the main job on the embedded defaults. A short campaign over the systems
 * that exist: each under faults, and each planted bug that the faults should expose, then a table of
 * verdicts and figures. Exit 0 when every verdict is the expected one.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"A short campaign over the systems that exist, on the embedded defaults: each system under faults",
        "(expected valid), each planted bug (expected caught), PostgreSQL at serializable (expected: nothing",
        "snapshot isolation forbids) and at repeatable read (expected G2-item against serializable), then a table of verdicts and figures.",
        "Exit 0 when every verdict is the expected one, 1 otherwise, 2 on error."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--time", defaultValue = "20s", description = "Workload time of each run (default ${DEFAULT-VALUE}).")
  String time;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the campaign; run i uses seed+i (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", description = "Campaign directory (default results/runs/demo/<timestamp>).")
  Path out;

  /** One run of the campaign and the verdict it should reach. */
  record Entry(String label, String system, String workload, List<String> nemeses, Set<String> bugs, Validity expected,
      long nemesisIntervalMs, String isolation, List<String> consistencyModels) {
    Entry(String label, String system, String workload, List<String> nemeses, Set<String> bugs, Validity expected,
        long nemesisIntervalMs) {
      this(label, system, workload, nemeses, bugs, expected, nemesisIntervalMs, null, RunSpec.CONSISTENCY_MODELS_DEFAULT);
    }

    String bugLabel() {
      if (isolation != null) return isolation + " vs " + String.join(",", consistencyModels);
      return bugs.isEmpty() ? "-" : String.join(",", bugs);
    }
  }

  static List<Entry> campaign() {
    return List.of(
        new Entry("ratis-kill-pause", "ratis", "register", List.of("kill", "pause"), Set.of(), Validity.TRUE, 5_000),
        new Entry("ratis-stale-read", "ratis", "register", List.of("pause"), Set.of("ratis.stale-read"), Validity.FALSE, 4_000),
        new Entry("raft-faults", "raft", "register", List.of("kill", "pause", "partition"), Set.of(), Validity.TRUE, 4_000),
        new Entry("raft-stale-read", "raft", "register", List.of("partition"), Set.of("raft.stale-read"), Validity.FALSE, 3_000),
        new Entry("postgres-serializable", "postgres", "list-append", List.of(), Set.of(), Validity.TRUE, 10_000,
            "serializable", List.of("snapshot-isolation")),
        new Entry("postgres-repeatable-read", "postgres", "list-append", List.of(), Set.of(), Validity.FALSE, 10_000,
            "repeatable-read", List.of("serializable")));
  }

  @Override
  public Integer call() throws Exception {
    long timeMs = Durations.parseMs(time);
    Path dir = out != null ? out : Paths.get("results", "runs", "demo",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Progress progress = Progress.forStdout(false);
    List<String[]> rows = new ArrayList<>();
    boolean allExpected = true;
    int i = 0;
    for (Entry e : campaign()) {
      RunSpec spec = new RunSpec(e.system(), e.workload(), e.nemeses(), "one", timeMs, 10, seed + i, dir.resolve(e.label()),
          e.bugs(), Catalog.defaultNodeCount(e.system()), e.nemesisIntervalMs(), 3_000, 200, "uniform")
          .withTxn(e.isolation(), e.consistencyModels());
      i++;
      progress.line("=== demo run " + i + "/" + campaign().size() + ": " + e.label() + " (expected valid " + e.expected().json() + ")");
      Runner.Outcome o = Campaign.runOne(spec, progress);
      var r = o.result();
      boolean asExpected = r.valid() == e.expected();
      allExpected &= asExpected;
      rows.add(new String[] {e.label(), e.system(), e.workload(), spec.nemesisLabel(), e.bugLabel(),
          String.valueOf(r.ops().getOrDefault("ok", 0L)), String.valueOf(r.ops().getOrDefault("fail", 0L)),
          String.valueOf(r.ops().getOrDefault("info", 0L)), String.format(Locale.ROOT, "%.0f", r.throughput()),
          String.format(Locale.ROOT, "%.1f", r.latencyMs().getOrDefault("p99", 0.0)), String.valueOf(r.valid().json()),
          String.valueOf(e.expected().json()), asExpected ? "yes" : "NO", anomalyTypes(r.anomalies())});
    }
    System.out.println();
    System.out.println(table(List.of("run", "system", "workload", "nemesis", "bug / isolation", "ok", "fail", "info", "ok/s", "p99 ms",
        "valid", "expected", "as expected", "anomalies"), rows));
    System.out.println("runs, histories and reports: " + dir);
    System.out.println(allExpected ? "demo: every verdict as expected" : "demo: some verdicts were NOT as expected");
    return allExpected ? Main.EXIT_VALID : Main.EXIT_INVALID;
  }

  /** The distinct anomaly types with counts, e.g. {@code nonlinearizable x17}, or "-". */
  static String anomalyTypes(List<io.faultline.checkers.Anomaly> anomalies) {
    java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
    for (var a : anomalies) counts.merge(a.type(), 1, Integer::sum);
    if (counts.isEmpty()) return "-";
    StringBuilder sb = new StringBuilder();
    for (var e : counts.entrySet()) sb.append(sb.length() == 0 ? "" : " ").append(e.getKey()).append(" x").append(e.getValue());
    return sb.toString();
  }

  static String table(List<String> header, List<String[]> rows) {
    int[] w = new int[header.size()];
    for (int c = 0; c < w.length; c++) {
      w[c] = header.get(c).length();
      for (String[] r : rows) w[c] = Math.max(w[c], r[c].length());
    }
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < w.length; c++) sb.append(String.format("%-" + (w[c] + 2) + "s", header.get(c)));
    sb.append('\n');
    for (int c = 0; c < w.length; c++) sb.append("-".repeat(w[c])).append("  ");
    for (String[] r : rows) {
      sb.append('\n');
      for (int c = 0; c < w.length; c++) sb.append(String.format("%-" + (w[c] + 2) + "s", r[c]));
    }
    return sb.toString();
  }
}
