package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Counts, throughput and latency of the client ops, as Jepsen's {@code stats} checker: valid unless
 * some f never returned {@code ok} (a workload whose cas never succeeds tests nothing).
 *
 * <p>Latency is completion time minus invocation time ({@link Op#timeNs()}), over ops that completed
 * with a known time; an invocation with no completion counts as {@code info} but has no latency.
 */
public final class StatsChecker implements Checker {
  /** HdrHistogram precision: three significant digits. */
  private static final int SIGNIFICANT_DIGITS = 3;
  private static final int WITNESS_OPS_MAX = 10;

  /** One completed op for a latency plot. */
  public record Latency(long invokeTimeNs, long latencyNs, OpType type, String f) {}

  @Override
  public String name() { return "stats"; }

  @Override
  public CheckResult check(History history) {
    Map<String, Map<OpType, Long>> byF = new TreeMap<>();
    Map<String, List<Long>> invocationsByF = new TreeMap<>();
    Map<OpType, Long> total = counts();
    long firstInvokeNs = Long.MAX_VALUE;
    long lastCompleteNs = Long.MIN_VALUE;
    for (int p = 0; p < history.size(); p++) {
      Op op = history.get(p);
      if (!op.isClient() || !op.isInvoke()) continue;
      OpType outcome = history.outcomeOf(p);
      total.merge(outcome, 1L, Long::sum);
      byF.computeIfAbsent(op.f(), f -> counts()).merge(outcome, 1L, Long::sum);
      List<Long> witnesses = invocationsByF.computeIfAbsent(op.f(), f -> new ArrayList<>());
      if (witnesses.size() < WITNESS_OPS_MAX) witnesses.add(op.index());
      if (op.timeNs() >= 0) firstInvokeNs = Math.min(firstInvokeNs, op.timeNs());
      int c = history.completionOf(p);
      if (c >= 0 && history.get(c).timeNs() >= 0) lastCompleteNs = Math.max(lastCompleteNs, history.get(c).timeNs());
    }
    Histogram latencyNs = new Histogram(SIGNIFICANT_DIGITS);
    for (Latency l : latencies(history)) latencyNs.recordValue(Math.max(0, l.latencyNs()));

    Map<String, Object> details = new LinkedHashMap<>();
    details.put("ops", json(total));
    Map<String, Object> byFJson = new LinkedHashMap<>();
    for (Map.Entry<String, Map<OpType, Long>> e : byF.entrySet()) byFJson.put(e.getKey(), json(e.getValue()));
    details.put("by_f", byFJson);
    long spanNs = lastCompleteNs - firstInvokeNs;
    details.put("throughput", spanNs > 0 ? total.get(OpType.OK) * 1e9 / spanNs : 0.0);
    Map<String, Object> latencyMs = new LinkedHashMap<>();
    boolean any = latencyNs.getTotalCount() > 0;
    latencyMs.put("p50", any ? latencyNs.getValueAtPercentile(50) / 1e6 : null);
    latencyMs.put("p90", any ? latencyNs.getValueAtPercentile(90) / 1e6 : null);
    latencyMs.put("p99", any ? latencyNs.getValueAtPercentile(99) / 1e6 : null);
    latencyMs.put("max", any ? latencyNs.getMaxValue() / 1e6 : null);
    details.put("latency_ms", latencyMs);

    List<Anomaly> anomalies = new ArrayList<>();
    for (Map.Entry<String, Map<OpType, Long>> e : byF.entrySet()) {
      Map<OpType, Long> c = e.getValue();
      if (c.get(OpType.OK) == 0) {
        anomalies.add(new Anomaly("no-ok-ops", invocationsByF.get(e.getKey()), "f '" + e.getKey() + "' never returned ok: "
            + c.get(OpType.FAIL) + " fail, " + c.get(OpType.INFO) + " info"));
      }
    }
    return new CheckResult(name(), anomalies.isEmpty() ? Validity.TRUE : Validity.FALSE, anomalies, details);
  }

  /**
   * Every client op that completed, with both times known, in invocation order: for latency plots.
   * An op that never completed has no latency and is left out.
   */
  public static List<Latency> latencies(History history) {
    List<Latency> out = new ArrayList<>();
    for (int p = 0; p < history.size(); p++) {
      Op op = history.get(p);
      if (!op.isClient() || !op.isInvoke() || op.timeNs() < 0) continue;
      int c = history.completionOf(p);
      if (c < 0 || history.get(c).timeNs() < 0) continue;
      Op done = history.get(c);
      out.add(new Latency(op.timeNs(), done.timeNs() - op.timeNs(), done.type(), op.f()));
    }
    return out;
  }

  private static Map<OpType, Long> counts() {
    Map<OpType, Long> m = new java.util.EnumMap<>(OpType.class);
    m.put(OpType.OK, 0L);
    m.put(OpType.FAIL, 0L);
    m.put(OpType.INFO, 0L);
    return m;
  }

  private static Map<String, Object> json(Map<OpType, Long> counts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", counts.get(OpType.OK));
    m.put("fail", counts.get(OpType.FAIL));
    m.put("info", counts.get(OpType.INFO));
    return m;
  }
}
