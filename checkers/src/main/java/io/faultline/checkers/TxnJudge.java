package io.faultline.checkers;

import io.faultline.history.History;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The part the transactional checkers share: realtime or process edges as the models need them, the
 * cycle search, and the verdict against the models (Elle's {@code elle.txn/cycles!} and
 * {@code result-map}).
 *
 * <p>Reporting: the anomalies the requested models forbid are the result's anomalies (they explain a
 * false verdict). Others found on the way (non-cycle anomalies are always looked for) are only named,
 * under {@code allowed_anomaly_types}. {@code not} and {@code also_not} are computed from everything
 * found. Cycle classes are only searched for when a requested model forbids them, as in Elle, so
 * {@code strongest_satisfied} only names models all of whose detectable anomalies were looked for.
 *
 * <p>Verdict: false when a forbidden anomaly was found; else unknown when a component's search ran out
 * of time (and no {@code <model>-cycle-exists} check proved a forbidden cycle there) or no txn
 * completed ok; else true.
 *
 * <p>Details: {@code consistency_models} (canonical); {@code anomaly_types} (the forbidden types found,
 * sorted); {@code not} (the weakest models ruled out) and {@code also_not} (the stronger ones, when
 * any); {@code strongest_satisfied} (when known); {@code allowed_anomaly_types} (when any);
 * {@code anomaly_counts} (when a type has more than {@value #ANOMALIES_PER_TYPE_MAX} findings);
 * {@code cycles}, one per reported cycle anomaly: {@code {"type", "steps": [{"from", "to", "edge",
 * "key", "why"}]}} with op indexes and edge {@code ww|wr|rw|realtime|process}; {@code unknown_reason};
 * {@code txns} ({@code ok}, {@code info}, {@code fail} counts); {@code edges}; {@code ms}.
 */
final class TxnJudge {
  private TxnJudge() {}

  /** Reported anomalies per type; the rest are counted in {@code anomaly_counts}. */
  static final int ANOMALIES_PER_TYPE_MAX = 32;

  /** Non-cycle anomalies, always looked for. */
  static final Set<String> NON_CYCLE = Set.of("G1a", "G1b", "internal", "future-read", "dirty-update", "lost-update",
      "duplicate-elements", "incompatible-order", "garbage-read", "cyclic-versions");

  /**
   * Phenomena we never look for but count as covered when claiming a model satisfied, as Elle does:
   * snapshot isolation is checked through G1, G-nonadjacent and internal rather than Adya's G-SI,
   * cursor stability through lost-update rather than G-cursor. A model forbidding anything else we
   * cannot detect (G-update, G-MSR, G-monotonic, ...), or nothing at all, is never claimed.
   */
  static final Set<String> COVERED = Set.of("G-SI", "G-cursor");

  /**
   * Elle's {@code <model>-cycle-exists} checks, made where the witness search ran out of time: any
   * cycle in these subgraphs is forbidden by the model, so finding that one exists is enough.
   * Every rw edge here is an item edge, so PL-3's subgraph is PL-2.99's.
   */
  static final List<CycleSearch.ExistsCheck> EXISTS_CHECKS = List.of(
      new CycleSearch.ExistsCheck("PL-1-cycle-exists", TxnGraph.WW),
      new CycleSearch.ExistsCheck("PL-2-cycle-exists", TxnGraph.WW | TxnGraph.WR),
      new CycleSearch.ExistsCheck("PL-2.99-cycle-exists", TxnGraph.DATA),
      new CycleSearch.ExistsCheck("PL-3-cycle-exists", TxnGraph.DATA),
      new CycleSearch.ExistsCheck("PL-SS-cycle-exists", TxnGraph.DATA | TxnGraph.REALTIME),
      new CycleSearch.ExistsCheck("strong-session-serializable-cycle-exists", TxnGraph.DATA | TxnGraph.PROCESS));

  private static final Map<String, String> EXISTS_EDGES = Map.of(
      "PL-1-cycle-exists", "ww",
      "PL-2-cycle-exists", "ww and wr",
      "PL-2.99-cycle-exists", "ww, wr and rw",
      "PL-3-cycle-exists", "ww, wr and rw",
      "PL-SS-cycle-exists", "ww, wr, rw and realtime",
      "strong-session-serializable-cycle-exists", "ww, wr, rw and process");

  /** Explains one edge of a cycle, naming its ends {@code from} and {@code to}. */
  interface EdgeExplainer {
    String why(TxnGraph g, int edge, String from, String to);
  }

  /**
   * One anomaly found: txn ids of the witness, the explanation, and for a cycle its steps. Findings
   * beyond {@link #ANOMALIES_PER_TYPE_MAX} of a type are only counted and carry no explanation.
   */
  record Finding(String type, int[] txns, String explanation, Map<String, Object> cycle) {}

  /** The outcome of a txn checker that could not read the history. */
  static CheckResult unreadable(String checker, String why, long startNs) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("unknown_reason", why);
    details.put("anomaly_types", List.of());
    details.put("not", List.of());
    details.put("ms", elapsedMs(startNs));
    return new CheckResult(checker, Validity.UNKNOWN, List.of(), details);
  }

  static CheckResult judge(String checker, TxnCheckerOptions options, Txns txns, TxnGraph g, EdgeExplainer explainer,
      List<Finding> nonCycle, long startNs) {
    Set<String> forbidden = ConsistencyModels.forbiddenBy(options.consistencyModels());
    List<CycleSearch.CycleClass> classes = new ArrayList<>();
    boolean realtime = false;
    boolean process = false;
    for (CycleSearch.CycleClass c : CycleSearch.CycleClass.all()) {
      if (!forbidden.contains(c.name())) continue;
      classes.add(c);
      realtime |= c.extra() == TxnGraph.REALTIME;
      process |= c.extra() == TxnGraph.PROCESS;
    }
    // Elle's additional graphs: realtime when any realtime anomaly matters, else process. A process
    // edge is a chain of realtime edges, so a realtime search also finds every process cycle.
    process &= !realtime;
    int extra = realtime ? TxnGraph.REALTIME : process ? TxnGraph.PROCESS : 0;
    classes.removeIf(c -> c.extra() != 0 && c.extra() != extra);
    if (realtime) g.addRealtime(txns);
    if (process) g.addProcess(txns);
    g.freeze();
    List<CycleSearch.ExistsCheck> existsChecks = new ArrayList<>();
    for (CycleSearch.ExistsCheck check : EXISTS_CHECKS) if (forbidden.contains(check.name())) existsChecks.add(check);
    CycleSearch.Result search = new CycleSearch(g).run(classes, existsChecks, TxnGraph.DATA | extra,
        TimeUnit.MILLISECONDS.toNanos(options.cycleSearchTimeoutMs()));

    List<Finding> findings = new ArrayList<>(nonCycle);
    List<Object> cyclesJson = new ArrayList<>();
    Map<String, Integer> described = new TreeMap<>();
    for (CycleSearch.Cycle cycle : search.cycles()) {
      String type = cycle.cycleClass().name();
      if (described.merge(type, 1, Integer::sum) <= ANOMALIES_PER_TYPE_MAX) {
        findings.add(describeCycle(txns, g, explainer, cycle));
      } else {
        findings.add(new Finding(type, new int[0], null, null));
      }
    }

    for (CycleSearch.Exists e : search.exists()) {
      StringBuilder sb = new StringBuilder("Let:");
      for (int i = 0; i < e.txns().length; i++) {
        sb.append("\n  T").append(i + 1).append(" = ").append(txns.describe(e.txns()[i]));
      }
      sb.append("\nThe dependency graph's ").append(EXISTS_EDGES.get(e.name())).append(" edges among these txns")
          .append(e.txns().length == CycleSearch.EXISTS_WITNESS_MAX ? " and others" : "")
          .append(" form a cycle, which ").append(ConsistencyModels.canonical(e.name().replace("-cycle-exists", "")))
          .append(" forbids; the search for")
          .append(" a short witness ran out of time.");
      findings.add(new Finding(e.name(), e.txns(), sb.toString(), null));
    }
    Set<String> found = new TreeSet<>();
    for (Finding f : findings) found.add(f.type());
    Set<String> checked = new TreeSet<>(NON_CYCLE);
    if (search.componentsTimedOut() == 0) {
      for (CycleSearch.ExistsCheck check : existsChecks) checked.add(check.name());
      for (CycleSearch.CycleClass c : classes) {
        checked.add(c.name());
        if (c.extra() == TxnGraph.REALTIME) checked.add(c.name().replace("-realtime", "-process"));
      }
    }
    List<Anomaly> anomalies = new ArrayList<>();
    Map<String, Integer> counts = new TreeMap<>();
    Set<String> reportedTypes = new LinkedHashSet<>();
    Set<String> allowedTypes = new TreeSet<>();
    for (Finding f : findings) {
      if (!forbidden.contains(f.type())) {
        allowedTypes.add(f.type());
        continue;
      }
      int n = counts.merge(f.type(), 1, Integer::sum);
      reportedTypes.add(f.type());
      if (n > ANOMALIES_PER_TYPE_MAX || f.explanation() == null) continue;
      List<Long> witness = new ArrayList<>();
      for (int t : f.txns()) witness.add(txns.opIndex(t));
      anomalies.add(new Anomaly(f.type(), witness, f.explanation()));
      if (f.cycle() != null) cyclesJson.add(f.cycle());
    }
    boolean anyOk = false;
    for (int t = 0; t < txns.count && !anyOk; t++) anyOk = txns.isOk(t);
    String unknownReason = null;
    if (search.componentsTimedOut() > 0) {
      unknownReason = "cycle-search-timeout: gave up on " + search.componentsTimedOut() + " of the dependency graph's "
          + "strongly connected components after " + options.cycleSearchTimeoutMs() + " ms each (largest: "
          + search.largestComponent() + " txns)";
    } else if (!anyOk) {
      unknownReason = "empty-transaction-graph: no txn completed ok";
    }
    Validity valid = !anomalies.isEmpty() ? Validity.FALSE : unknownReason != null ? Validity.UNKNOWN : Validity.TRUE;

    Set<String> impossible = ConsistencyModels.impossibleModels(found);
    Set<String> not = ConsistencyModels.weakest(impossible);
    Set<String> alsoNot = new TreeSet<>(impossible);
    alsoNot.removeAll(not);

    Map<String, Object> details = new LinkedHashMap<>();
    details.put("consistency_models", options.consistencyModels());
    details.put("anomaly_types", new ArrayList<>(new TreeSet<>(reportedTypes)));
    details.put("not", new ArrayList<>(not));
    if (!alsoNot.isEmpty()) details.put("also_not", new ArrayList<>(alsoNot));
    if (valid != Validity.UNKNOWN) {
      Set<String> satisfied = new TreeSet<>();
      Set<String> detectable = new TreeSet<>(NON_CYCLE);
      for (CycleSearch.CycleClass c : CycleSearch.CycleClass.all()) detectable.add(c.name());
      for (CycleSearch.ExistsCheck c : EXISTS_CHECKS) detectable.add(c.name());
      Set<String> claimable = ConsistencyModels.impliedAnomalies(detectable);
      claimable.addAll(COVERED);
      for (String m : ConsistencyModels.canonicalModels()) {
        List<String> own = ConsistencyModels.directlyForbids(m);
        if (impossible.contains(m) || own.isEmpty() || !claimable.containsAll(own)) continue;
        Set<String> needed = new TreeSet<>(ConsistencyModels.forbiddenBy(List.of(m)));
        needed.retainAll(detectable);
        if (checked.containsAll(needed)) satisfied.add(m);
      }
      Set<String> strongest = ConsistencyModels.strongest(satisfied);
      if (!strongest.isEmpty()) details.put("strongest_satisfied", new ArrayList<>(strongest));
    }
    if (!allowedTypes.isEmpty()) details.put("allowed_anomaly_types", new ArrayList<>(allowedTypes));
    if (counts.values().stream().anyMatch(n -> n > ANOMALIES_PER_TYPE_MAX)) details.put("anomaly_counts", counts);
    details.put("cycles", cyclesJson);
    if (unknownReason != null) details.put("unknown_reason", unknownReason);
    int ok = 0;
    int info = 0;
    int fail = 0;
    for (int t = 0; t < txns.count; t++) {
      if (txns.status[t] == Txns.OK) ok++;
      else if (txns.status[t] == Txns.INFO) info++;
      else fail++;
    }
    Map<String, Object> outcomes = new LinkedHashMap<>();
    outcomes.put("ok", ok);
    outcomes.put("info", info);
    outcomes.put("fail", fail);
    details.put("txns", outcomes);
    details.put("edges", g.edgeCount);
    details.put("ms", elapsedMs(startNs));
    return new CheckResult(checker, valid, anomalies, details);
  }

  private static long elapsedMs(long startNs) { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs); }

  /** Elle's explanation of a cycle: "Let: T1 = ..., T2 = ... Then: T1 < T2, because ...; However, T2 < T1, because ...". */
  private static Finding describeCycle(Txns txns, TxnGraph g, EdgeExplainer explainer, CycleSearch.Cycle cycle) {
    int[] edges = cycle.edges();
    Map<Integer, String> names = new LinkedHashMap<>();
    int[] nodes = new int[edges.length];
    for (int i = 0; i < edges.length; i++) {
      nodes[i] = g.src[edges[i]];
      names.putIfAbsent(nodes[i], "T" + (names.size() + 1));
    }
    StringBuilder sb = new StringBuilder("Let:");
    for (Map.Entry<Integer, String> e : names.entrySet()) {
      sb.append("\n  ").append(e.getValue()).append(" = ").append(txns.describe(e.getKey()));
    }
    sb.append("\nThen:");
    List<Object> steps = new ArrayList<>();
    for (int i = 0; i < edges.length; i++) {
      int e = edges[i];
      int from = g.src[e];
      int to = g.dst[e];
      String why = why(txns, g, explainer, e, names.get(from), names.get(to));
      sb.append("\n  - ").append(i == edges.length - 1 && edges.length > 1 ? "However, " : "")
          .append(names.get(from)).append(" < ").append(names.get(to)).append(", because ").append(why)
          .append(i == edges.length - 1 ? ": a cycle." : ".");
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("from", txns.opIndex(from));
      step.put("to", txns.opIndex(to));
      step.put("edge", TxnGraph.typeName(g.type[e]));
      step.put("key", g.key[e] >= 0 ? txns.keys[g.key[e]] : null);
      step.put("why", why(txns, g, explainer, e, "op " + txns.opIndex(from), "op " + txns.opIndex(to)));
      steps.add(step);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", cycle.cycleClass().name());
    json.put("steps", steps);
    return new Finding(cycle.cycleClass().name(), nodes, sb.toString(), json);
  }

  private static String why(Txns txns, TxnGraph g, EdgeExplainer explainer, int e, String from, String to) {
    int a = g.src[e];
    int b = g.dst[e];
    History h = txns.history;
    switch (g.type[e]) {
      case TxnGraph.REALTIME:
        return from + " completed (op " + h.get(txns.completePos[a]).index() + ") before " + to + " was invoked (op "
            + h.get(txns.invokePos[b]).index() + ")";
      case TxnGraph.PROCESS:
        return from + " and then " + to + " ran on process " + txns.process[a];
      default:
        return explainer.why(g, e, from, to);
    }
  }
}
