package io.faultline.results;

import io.faultline.checkers.Anomaly;
import io.faultline.checkers.Validity;
import io.faultline.faults.FaultInterval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run found: the contents of {@code result.json}. The schema is
 * {@code io/faultline/results/result.schema.json} in this module; {@link #toJson()} is its only writer.
 *
 * @param system      the system under test
 * @param workload    the workload name
 * @param nemesis     the nemesis as given on the command line ("none" for a quiet run)
 * @param seed        the run's seed
 * @param command     the exact command line that re-runs it
 * @param gitCommit   the commit the harness was built from, or "unknown"
 * @param valid       the merged verdict of all checkers
 * @param ops         counts of client completions: ok, fail, info
 * @param throughput  ok ops per second
 * @param latencyMs   p50, p99, max latency of completed client ops in milliseconds
 * @param anomalies   what the checkers found, each with witness op indexes
 * @param faults      fault intervals, ms since the run started
 * @param recoveriesNs for each fault, from its heal to the next ok client op (ns), -1 when none came
 * @param walBytes    the WAL bytes of all nodes summed, sampled once a second, in time order; empty when the
 *                    system cannot say (then {@code wal_bytes} is left out of the JSON)
 * @param extra       further fields (time_s, concurrency, bugs, per-checker details, ...)
 */
public record RunResult(
    String system, String workload, String nemesis, long seed, String command, String gitCommit,
    Validity valid, Map<String, Long> ops, double throughput, Map<String, Double> latencyMs,
    List<Anomaly> anomalies, List<FaultInterval> faults, List<Long> recoveriesNs, List<WalSample> walBytes,
    Map<String, Object> extra) {

  public RunResult {
    ops = Map.copyOf(ops);
    latencyMs = Map.copyOf(latencyMs);
    anomalies = List.copyOf(anomalies);
    faults = List.copyOf(faults);
    recoveriesNs = List.copyOf(recoveriesNs);
    if (recoveriesNs.size() != faults.size()) throw new IllegalArgumentException("one recovery per fault: " + recoveriesNs.size() + " for " + faults.size());
    walBytes = List.copyOf(walBytes);
    for (int i = 1; i < walBytes.size(); i++) {
      if (walBytes.get(i).tMs() < walBytes.get(i - 1).tMs()) {
        throw new IllegalArgumentException("walBytes must be in time order: " + walBytes.get(i - 1) + " before " + walBytes.get(i));
      }
    }
    extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("system", system);
    m.put("workload", workload);
    m.put("nemesis", nemesis);
    m.put("seed", seed);
    m.put("command", command);
    m.put("git_commit", gitCommit);
    m.put("valid", valid.json());
    Map<String, Object> o = new LinkedHashMap<>();
    for (String k : List.of("ok", "fail", "info")) o.put(k, ops.getOrDefault(k, 0L));
    m.put("ops", o);
    m.put("throughput", round2(throughput));
    Map<String, Object> l = new LinkedHashMap<>();
    for (String k : List.of("p50", "p99", "max")) l.put(k, round2(latencyMs.getOrDefault(k, 0.0)));
    m.put("latency_ms", l);
    List<Object> a = new ArrayList<>();
    for (Anomaly an : anomalies) a.add(an.toJson());
    m.put("anomalies", a);
    List<Object> f = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) f.add(faultJson(faults.get(i), recoveriesNs.get(i)));
    m.put("faults", f);
    if (!walBytes.isEmpty()) {
      List<Object> w = new ArrayList<>(walBytes.size());
      for (WalSample s : walBytes) w.add(List.of(s.tMs(), s.bytes()));
      m.put("wal_bytes", w);
    }
    m.putAll(extra);
    return m;
  }

  static Map<String, Object> faultJson(FaultInterval fi, long recoveryNs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", fi.kind());
    m.put("nodes", fi.nodes());
    m.put("start_ms", fi.startNs() / 1_000_000);
    m.put("end_ms", fi.endNs() < 0 ? null : (Object) (fi.endNs() / 1_000_000));
    m.put("recovery_ms", recoveryNs < 0 ? null : (Object) (recoveryNs / 1_000_000));
    return m;
  }

  static double round2(double v) {
    return Math.round(v * 100.0) / 100.0;
  }
}
