package io.faultline.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * bench.json and the summary line, from the figures of each system. Ratios are ours over theirs
 * ({@code --system} over {@code --vs}): a throughput ratio above 1 means ours writes more per
 * second, latency and election ratios below 1 mean ours is quicker. A ratio with a missing or zero
 * denominator is null.
 */
final class BenchReport {
  private BenchReport() {}

  static final String RATIO_DIRECTION = "ours / theirs (--system / --vs): throughput above 1 means ours writes more per second;"
      + " latency_p99 and election_p99 below 1 mean ours is quicker";

  static Map<String, Object> toJson(BenchSpec spec, List<BenchRun.Figures> figures, String startedAt, String finishedAt) {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> systems = new LinkedHashMap<>();
    for (BenchRun.Figures f : figures) systems.put(f.system(), system(f));
    root.put("systems", systems);
    if (figures.size() == 2 && figures.get(0).system().equals(spec.system())) {
      BenchRun.Figures ours = figures.get(0);
      BenchRun.Figures theirs = figures.get(1);
      Map<String, Object> ratio = new LinkedHashMap<>();
      ratio.put("throughput", ratio(ours.throughput(), theirs.throughput()));
      ratio.put("latency_p99", ratio(BenchSamples.percentileMs(ours.latencyNs(), 99), BenchSamples.percentileMs(theirs.latencyNs(), 99)));
      ratio.put("election_p99", ratio(BenchSamples.percentileMs(ours.electionNs(), 99), BenchSamples.percentileMs(theirs.electionNs(), 99)));
      root.put("ratio", ratio);
      root.put("ratio_direction", ours.system() + " / " + theirs.system() + ": " + RATIO_DIRECTION);
    }
    root.put("workload", spec.workload());
    root.put("value_bytes", (long) BenchRun.VALUE_BYTES);
    root.put("key_space", (long) BenchRun.KEY_SPACE);
    root.put("time_s", spec.timeMs() / 1000.0);
    root.put("warmup_s", spec.warmupMs() / 1000.0);
    root.put("concurrency", (long) spec.concurrency());
    root.put("kills", (long) spec.kills());
    root.put("nodes", (long) spec.nodes());
    root.put("seed", spec.seed());
    root.put("command", spec.command());
    root.put("git_commit", BuildInfo.gitCommit());
    root.put("started_at", startedAt);
    root.put("finished_at", finishedAt);
    root.put("machine", machine());
    root.put("method", "systems measured one after the other on this machine, each a fresh cluster of local JVMs on loopback;"
        + " throughput counts ok writes completed within the window; latency is invoke to ok completion as a client sees it"
        + " (exact nearest-rank percentiles); election is SIGKILL of the leader to the first ok write invoked after it");
    return root;
  }

  private static Map<String, Object> system(BenchRun.Figures f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("throughput", round(f.throughput()));
    Map<String, Object> latency = new LinkedHashMap<>();
    latency.put("p50", round(BenchSamples.percentileMs(f.latencyNs(), 50)));
    latency.put("p99", round(BenchSamples.percentileMs(f.latencyNs(), 99)));
    latency.put("p999", round(BenchSamples.percentileMs(f.latencyNs(), 99.9)));
    latency.put("max", round(BenchSamples.percentileMs(f.latencyNs(), 100)));
    latency.put("samples", (long) f.latencyNs().length);
    if (f.latencyDropped() > 0) latency.put("samples_dropped", f.latencyDropped());
    m.put("latency_ms", latency);
    Map<String, Object> election = new LinkedHashMap<>();
    election.put("p50", round(BenchSamples.percentileMs(f.electionNs(), 50)));
    election.put("p99", round(BenchSamples.percentileMs(f.electionNs(), 99)));
    election.put("n", (long) f.electionNs().length);
    election.put("max", round(BenchSamples.percentileMs(f.electionNs(), 100)));
    election.put("kills", (long) f.kills());
    election.put("unrecovered", (long) f.unrecovered());
    List<Object> each = new java.util.ArrayList<>();
    for (long ns : f.electionNs()) each.add(round(ns / 1e6));
    election.put("sorted_ms", each);
    m.put("election_ms", election);
    Map<String, Object> ops = new LinkedHashMap<>();
    ops.put("ok", f.ok());
    ops.put("fail", f.fail());
    ops.put("info", f.info());
    m.put("ops", ops);
    m.put("errors", f.errors());
    m.put("system_options", f.systemOptions());
    m.put("durability", f.durability());
    m.put("machine_load", f.load());
    return m;
  }

  /** ours / theirs, or null when either is missing or theirs is zero. */
  static Double ratio(Double ours, Double theirs) {
    if (ours == null || theirs == null || theirs == 0 || Double.isNaN(ours) || Double.isNaN(theirs)) return null;
    return round(ours / theirs);
  }

  private static Double round(Double d) {
    if (d == null || Double.isNaN(d) || Double.isInfinite(d)) return null;
    return Math.round(d * 1000.0) / 1000.0;
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", (long) Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean) {
      m.put("memory_bytes", ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize());
    }
    String cpu = cpuModel();
    if (cpu != null) m.put("cpu", cpu);
    return m;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or not readable: the machine is described without it.
    }
    return null;
  }

  /** One line: each system's figures, then the ratios. */
  static String summary(List<BenchRun.Figures> figures, Path benchJson) {
    StringBuilder sb = new StringBuilder();
    for (BenchRun.Figures f : figures) {
      if (sb.length() > 0) sb.append(" | ");
      sb.append(String.format(Locale.ROOT, "%s: %.0f writes/s, p50 %s ms, p99 %s ms, election p50 %s ms p99 %s ms (n=%d)",
          f.system(), f.throughput(), fmt(BenchSamples.percentileMs(f.latencyNs(), 50)), fmt(BenchSamples.percentileMs(f.latencyNs(), 99)),
          fmt(BenchSamples.percentileMs(f.electionNs(), 50)), fmt(BenchSamples.percentileMs(f.electionNs(), 99)), f.electionNs().length));
    }
    if (figures.size() == 2) {
      BenchRun.Figures ours = figures.get(0);
      BenchRun.Figures theirs = figures.get(1);
      sb.append(String.format(Locale.ROOT, " | ratio %s/%s: throughput %s, latency_p99 %s, election_p99 %s",
          ours.system(), theirs.system(), fmt(ratio(ours.throughput(), theirs.throughput())),
          fmt(ratio(BenchSamples.percentileMs(ours.latencyNs(), 99), BenchSamples.percentileMs(theirs.latencyNs(), 99))),
          fmt(ratio(BenchSamples.percentileMs(ours.electionNs(), 99), BenchSamples.percentileMs(theirs.electionNs(), 99)))));
    }
    return sb.append(" -> ").append(benchJson).toString();
  }

  private static String fmt(Double d) {
    if (d == null) return "n/a";
    return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
  }
}
