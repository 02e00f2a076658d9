package io.faultline.checkers;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Transactional consistency models and the anomalies they forbid, as Elle's
 * {@code elle.consistency-model}: a model hierarchy ({@code a -> b}: every history satisfying a
 * satisfies b), the anomalies each model forbids directly, and which anomalies imply which.
 *
 * <p>Names are Elle's friendly names; Adya's ({@code PL-3}, {@code PL-SI}, ...) and a few synonyms are
 * accepted and mapped to them. Single-object models (linearizable, sequential, ...) are left out:
 * a transactional checker says nothing about them.
 *
 * <p>One addition to Elle: {@code garbage-read} (a read of a value nobody wrote) is forbidden by
 * {@code read-uncommitted} and so by every model here; Elle silently accepts such reads.
 */
public final class ConsistencyModels {
  private ConsistencyModels() {}

  private static final Map<String, List<String>> MODEL_IMPLIES = new TreeMap<>();
  private static final Map<String, List<String>> DIRECT_FORBIDS = new TreeMap<>();
  private static final Map<String, List<String>> ANOMALY_IMPLIES = new TreeMap<>();
  private static final Map<String, String> ALIASES = new TreeMap<>();

  static {
    model("causal-cerone", List.of("read-atomic"), List.of("internal", "G1a"));
    model("consistent-view", List.of("cursor-stability", "monotonic-view"), List.of("G1", "G-single"));
    model("cursor-stability", List.of("read-committed"), List.of("G1", "G-cursor", "lost-update"));
    model("forward-consistent-view", List.of("consistent-view"), List.of("G1", "G-SIb"));
    model("monotonic-atomic-view", List.of("read-committed"), List.of());
    model("monotonic-snapshot-read", List.of("read-committed"), List.of("G1", "G-MSR"));
    model("monotonic-view", List.of("read-committed"), List.of("G1", "G-monotonic"));
    model("parallel-snapshot-isolation", List.of("causal-cerone", "update-atomic"), List.of("internal", "G1a"));
    model("prefix", List.of("causal-cerone"), List.of("internal", "G1a"));
    model("read-atomic", List.of("monotonic-atomic-view"), List.of("internal", "G1a", "future-read"));
    model("read-committed", List.of("read-uncommitted"), List.of("G1", "PL-2-cycle-exists"));
    model("read-uncommitted", List.of(), List.of("G0", "duplicate-elements", "cyclic-versions", "garbage-read",
        "PL-1-cycle-exists"));
    model("repeatable-read", List.of("cursor-stability", "monotonic-atomic-view"), List.of("G1", "G2-item", "lost-update",
        "PL-2.99-cycle-exists"));
    model("serializable", List.of("repeatable-read", "snapshot-isolation", "update-serializable", "view-serializable"),
        List.of("G1", "G2", "internal", "PL-3-cycle-exists"));
    model("snapshot-isolation", List.of("forward-consistent-view", "monotonic-atomic-view", "monotonic-snapshot-read",
        "parallel-snapshot-isolation", "prefix"), List.of("internal", "G1", "G-SI", "G-nonadjacent"));
    model("strict-serializable", List.of("serializable", "snapshot-isolation", "strong-snapshot-isolation",
        "strong-session-serializable"), List.of("G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"));
    model("strong-read-committed", List.of("strong-session-read-committed", "strong-read-uncommitted"), List.of("G1c-realtime"));
    model("strong-read-uncommitted", List.of("strong-session-read-uncommitted"), List.of("G0-realtime"));
    model("strong-session-read-committed", List.of("read-committed", "strong-session-read-uncommitted"), List.of("G1c-process"));
    model("strong-session-read-uncommitted", List.of("read-uncommitted"), List.of("G0-process"));
    model("strong-session-serializable", List.of("serializable", "strong-session-snapshot-isolation"),
        List.of("G1-process", "G2-process", "strong-session-serializable-cycle-exists"));
    model("strong-session-snapshot-isolation", List.of("snapshot-isolation", "strong-session-read-committed"),
        List.of("internal", "G1-process", "G-nonadjacent-process"));
    model("strong-snapshot-isolation", List.of("strong-session-snapshot-isolation", "strong-read-committed"),
        List.of("internal", "G1-realtime", "G-nonadjacent-realtime"));
    model("update-atomic", List.of("read-atomic"), List.of("lost-update"));
    model("update-serializable", List.of("forward-consistent-view"), List.of("G1", "G-update"));
    model("view-serializable", List.of(), List.of());

    alias("PL-1", "read-uncommitted");
    alias("PL-2", "read-committed");
    alias("PL-2+", "consistent-view");
    alias("PL-2.99", "repeatable-read");
    alias("PL-2L", "monotonic-view");
    alias("PL-3", "serializable");
    alias("PL-3U", "update-serializable");
    alias("PL-CS", "cursor-stability");
    alias("PL-FCV", "forward-consistent-view");
    alias("PL-MSR", "monotonic-snapshot-read");
    alias("PL-SI", "snapshot-isolation");
    alias("PL-SS", "strict-serializable");
    alias("conflict-serializable", "serializable");
    alias("strong-serializable", "strict-serializable");
    alias("ROLA", "update-atomic");

    implies("G0", "G1c", "G0-process");
    implies("G0-process", "G1c-process", "G0-realtime");
    implies("G0-realtime", "G1c-realtime");
    implies("G1a", "G1");
    implies("G1b", "G1");
    implies("G1c", "G1", "G1c-process");
    implies("G1c-process", "G1c-realtime", "G1-process");
    implies("G1c-realtime", "G1-realtime");
    implies("G1", "G1-process");
    implies("G1-process", "G1-realtime");
    implies("G-single-item", "G-single", "G-single-item-process", "G-nonadjacent-item");
    implies("G-single-item-process", "G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process");
    implies("G-single-item-realtime", "G-single-realtime", "G-nonadjacent-item-realtime");
    implies("G-single", "G-nonadjacent", "GSIb", "G-single-process");
    implies("G-single-process", "G-nonadjacent-process", "G-single-realtime");
    implies("G-single-realtime", "G-nonadjacent-realtime");
    implies("G-nonadjacent-item", "G-nonadjacent", "G2-item", "G-nonadjacent-item-process");
    implies("G-nonadjacent-item-process", "G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime");
    implies("G-nonadjacent-item-realtime", "G2-item-realtime", "G-nonadjacent-realtime");
    implies("G-nonadjacent", "G2", "G-nonadjacent-process");
    implies("G-nonadjacent-process", "G2-process", "G-nonadjacent-realtime");
    implies("G-nonadjacent-realtime", "G2-realtime");
    implies("G2", "G2-process");
    implies("G2-item", "G2", "G2-item-process");
    implies("G2-item-process", "G2-process", "G2-item-realtime");
    implies("G2-item-realtime", "G2-realtime");
    implies("G2-process", "G2-realtime");
    implies("GSIa", "GSI");
    implies("GSIb", "GSI");
    implies("incompatible-order", "G1a");
    implies("future-read", "G1c");
    implies("dirty-update", "G1a");
    implies("lost-update", "write-skew", "G2-item");
    implies("write-skew", "G2");
  }

  private static void model(String name, List<String> weaker, List<String> forbids) {
    MODEL_IMPLIES.put(name, weaker);
    DIRECT_FORBIDS.put(name, forbids);
  }

  private static void alias(String alias, String name) { ALIASES.put(alias, name); }

  private static void implies(String anomaly, String... implied) { ANOMALY_IMPLIES.put(anomaly, List.of(implied)); }

  /** Every model name accepted, canonical names and aliases, sorted. */
  public static Set<String> known() {
    Set<String> all = new TreeSet<>(MODEL_IMPLIES.keySet());
    all.addAll(ALIASES.keySet());
    return Collections.unmodifiableSet(all);
  }

  /**
   * The canonical name of a model.
   *
   * @throws IllegalArgumentException naming the model and listing the known ones
   */
  public static String canonical(String model) {
    String name = ALIASES.getOrDefault(model, model);
    if (!MODEL_IMPLIES.containsKey(name)) {
      throw new IllegalArgumentException("unknown consistency model '" + model + "'; known models: " + known());
    }
    return name;
  }

  /** The models every one of {@code models} implies, themselves included (canonical names). */
  public static Set<String> impliedModels(Collection<String> models) {
    Set<String> canon = new TreeSet<>();
    for (String m : models) canon.add(canonical(m));
    return closure(canon, MODEL_IMPLIES);
  }

  /** Every anomaly that cannot be present if all {@code models} hold: the forbidden ones and those implying them. */
  public static Set<String> forbiddenBy(Collection<String> models) {
    Set<String> direct = new TreeSet<>();
    for (String m : impliedModels(models)) direct.addAll(DIRECT_FORBIDS.get(m));
    return closure(direct, invert(ANOMALY_IMPLIES));
  }

  /** The anomalies given and every anomaly they imply. */
  public static Set<String> impliedAnomalies(Collection<String> anomalies) {
    return closure(new TreeSet<>(anomalies), ANOMALY_IMPLIES);
  }

  /** Every model that cannot hold given these anomalies. */
  public static Set<String> impossibleModels(Collection<String> anomalies) {
    Set<String> implied = impliedAnomalies(anomalies);
    Set<String> direct = new TreeSet<>();
    for (Map.Entry<String, List<String>> e : DIRECT_FORBIDS.entrySet()) {
      for (String a : e.getValue()) if (implied.contains(a)) direct.add(e.getKey());
    }
    return closure(direct, invert(MODEL_IMPLIES));
  }

  /** Of these models, the weakest: those that imply no other model of the set. */
  public static Set<String> weakest(Collection<String> models) {
    Set<String> out = new TreeSet<>();
    for (String m : models) {
      boolean covered = false;
      for (String other : models) {
        if (!other.equals(m) && closure(new TreeSet<>(List.of(m)), MODEL_IMPLIES).contains(other)) covered = true;
      }
      if (!covered) out.add(m);
    }
    return out;
  }

  /** Of these models, the strongest: those implied by no other model of the set. */
  public static Set<String> strongest(Collection<String> models) {
    Set<String> out = new TreeSet<>();
    for (String m : models) {
      boolean covered = false;
      for (String other : models) {
        if (!other.equals(m) && closure(new TreeSet<>(List.of(other)), MODEL_IMPLIES).contains(m)) covered = true;
      }
      if (!covered) out.add(m);
    }
    return out;
  }

  /** The anomalies a model forbids itself, not through the models it implies. */
  static List<String> directlyForbids(String model) { return DIRECT_FORBIDS.get(canonical(model)); }

  /** Canonical model names. */
  static Set<String> canonicalModels() { return Collections.unmodifiableSet(MODEL_IMPLIES.keySet()); }

  private static Set<String> closure(Set<String> start, Map<String, List<String>> edges) {
    Set<String> seen = new TreeSet<>(start);
    Deque<String> todo = new ArrayDeque<>(start);
    while (!todo.isEmpty()) {
      for (String next : edges.getOrDefault(todo.pop(), List.of())) if (seen.add(next)) todo.push(next);
    }
    return seen;
  }

  private static Map<String, List<String>> invert(Map<String, List<String>> edges) {
    Map<String, List<String>> in = new HashMap<>();
    for (Map.Entry<String, List<String>> e : edges.entrySet()) {
      for (String to : e.getValue()) in.computeIfAbsent(to, k -> new java.util.ArrayList<>()).add(e.getKey());
    }
    return in;
  }
}
