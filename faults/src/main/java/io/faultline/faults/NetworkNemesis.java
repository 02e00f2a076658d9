package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import io.faultline.sut.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Network faults through a cluster's {@link NetworkControl}: partitions by grudge (Jepsen's
 * {@code partitioner}), and per-link delay, blackhole, bandwidth limit, reset and slow close.
 *
 * <p>Ops, each a {@code start-X} and its heal {@code stop-X}; completions are {@code info}:
 * <ul>
 *   <li>{@code start-partition}: value a shape of {@link Grudges#SHAPES}, {@value #ISOLATE_LEADER}
 *       (the node that leads at that moment, alone; the cluster must be LeaderAware) or a grudge map
 *       {@code {"n1":["n2","n3"]}} (n1 no longer hears from n2 and n3); completion value
 *       {@code {"shape": s, "grudge": {...}}} as cut ({@code "shape":"grudge"} for a given map).
 *       Grudges cut node↔node links only, unless clients are partitionable
 *       ({@link NetworkControl#CLIENTS} among the endpoints) and {@code partitionClients} asked for
 *       it: then the clients lose every node that hears no majority. {@code stop-partition} heals;
 *       its completion value is the grudge healed.
 *   <li>{@code start-delay} {@code {"targets": T, "delay_ms": d, "jitter_ms": j}},
 *       {@code start-blackhole} {@code {"targets": T}}, {@code start-bandwidth}
 *       {@code {"targets": T, "bytes_per_sec": b}}, {@code start-reset} {@code {"targets": T,
 *       "after_ms": a}}, {@code start-slow-close} {@code {"targets": T, "close_delay_ms": c}}: the
 *       fault is set on every link between a target node and every other node, both ways. T is a
 *       target spec or list of ids ({@link Targets}). Completion value: the same map with
 *       {@code "nodes"} (ids chosen) in place of targets. {@code stop-X} heals that fault on every
 *       link and completes with {@code {"nodes": [...]}}.
 * </ul>
 * Faults of different kinds combine on a link (a partition during a delay); a stop heals only its
 * own kind.
 */
public final class NetworkNemesis implements Nemesis {
  public static final List<String> KINDS = List.of("partition", "delay", "blackhole", "bandwidth", "reset", "slow-close");
  public static final Set<String> FUNCTIONS;

  static {
    Set<String> fs = new LinkedHashSet<>();
    for (String kind : KINDS) {
      fs.add("start-" + kind);
      fs.add("stop-" + kind);
    }
    FUNCTIONS = Set.copyOf(fs);
  }

  private final Cluster cluster;
  private final SplittableRandom random;
  private final boolean partitionClients;
  /** Per kind, the links it set, so its stop heals exactly those. */
  private final Map<String, Set<List<String>>> linksOf = new LinkedHashMap<>();
  private final Map<String, Set<String>> nodesOf = new LinkedHashMap<>();
  private Map<String, List<String>> grudge = Map.of();

  public NetworkNemesis(Cluster cluster, long seed, boolean partitionClients) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
    this.partitionClients = partitionClients;
  }

  @Override
  public Set<String> functions() { return FUNCTIONS; }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    if (!(cluster instanceof NetworkControl)) {
      return invocation.complete(OpType.INFO, null, "cluster is not NetworkControl: no network faults");
    }
    NetworkControl net = (NetworkControl) cluster;
    List<String> errors = new ArrayList<>();
    try {
      Object result;
      String f = invocation.f();
      if (f.equals("start-partition")) {
        result = startPartition(net, invocation.value(), errors);
      } else if (f.startsWith("stop-") && KINDS.contains(f.substring(5))) {
        result = stop(net, f.substring(5), errors);
      } else if (f.startsWith("start-") && KINDS.contains(f.substring(6))) {
        result = startLinkFault(net, f.substring(6), invocation.value(), errors);
      } else {
        result = null;
        errors.add("unknown f '" + f + "'; expected one of " + FUNCTIONS);
      }
      return invocation.complete(OpType.INFO, result, errors.isEmpty() ? null : String.join("; ", errors));
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, null, "nemesis failed: " + e);
    }
  }

  @Override
  public synchronized List<Op> healOps() {
    List<Op> ops = new ArrayList<>();
    for (String kind : KINDS) {
      if (!linksOf.getOrDefault(kind, Set.of()).isEmpty()) ops.add(Op.invoke(Op.NEMESIS, "stop-" + kind, null, null));
    }
    return ops;
  }

  /**
   * The partition shape that isolates the current leader, whoever that is when the fault starts:
   * the shape that strands a leader with its lease and its clients (a leader-blind
   * {@code isolate-one} hits it one time in n).
   */
  public static final String ISOLATE_LEADER = "isolate-leader";

  /** {@code alone} hears no one and no one hears it. */
  static Map<String, List<String>> isolate(String alone, List<String> ids) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> others = new ArrayList<>();
    for (String id : ids) if (!id.equals(alone)) others.add(id);
    for (String id : ids) out.put(id, id.equals(alone) ? List.copyOf(others) : List.of(alone));
    if (others.isEmpty()) out.remove(alone);
    return out;
  }

  /** The grudge in force now, empty when no partition is. */
  public synchronized Map<String, List<String>> grudge() { return grudge; }

  private Object startPartition(NetworkControl net, Object value, List<String> errors) {
    List<String> ids = Targets.ids(cluster.nodes());
    String shape;
    Map<String, List<String>> chosen;
    if (value instanceof Map) {
      shape = "grudge";
      chosen = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        List<String> from = new ArrayList<>();
        if (e.getValue() instanceof List) for (Object o : (List<?>) e.getValue()) from.add(String.valueOf(o));
        chosen.put(String.valueOf(e.getKey()), List.copyOf(from));
      }
    } else if (value instanceof String && Grudges.SHAPES.contains(value)) {
      shape = (String) value;
      chosen = Grudges.of(shape, ids, random);
    } else if (ISOLATE_LEADER.equals(value)) {
      shape = ISOLATE_LEADER;
      List<Node> leader = Targets.choose(cluster, random, "leader", errors);
      if (leader.isEmpty()) return null;
      chosen = isolate(leader.get(0).id(), ids);
    } else {
      errors.add("start-partition value must be one of " + Grudges.SHAPES + ", " + ISOLATE_LEADER + " or a grudge map, got " + value);
      return null;
    }
    if (!linksOf.getOrDefault("partition", Set.of()).isEmpty()) stop(net, "partition", errors);
    for (Map.Entry<String, List<String>> e : chosen.entrySet()) {
      for (String from : e.getValue()) {
        change(net, "partition", from, e.getKey(), l -> l.withCut(true), errors);
      }
    }
    if (partitionClients && net.endpoints().contains(NetworkControl.CLIENTS)) {
      for (String lonely : Grudges.withoutMajority(chosen, ids)) {
        change(net, "partition", NetworkControl.CLIENTS, lonely, l -> l.withCut(true), errors);
        change(net, "partition", lonely, NetworkControl.CLIENTS, l -> l.withCut(true), errors);
      }
    } else if (partitionClients) {
      errors.add("clients are not partitionable in this deployment: only node links were cut");
    }
    grudge = Map.copyOf(chosen);
    Set<String> nodes = new LinkedHashSet<>();
    for (Map.Entry<String, List<String>> e : chosen.entrySet()) {
      nodes.add(e.getKey());
      nodes.addAll(e.getValue());
    }
    nodesOf.put("partition", nodes);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("shape", shape);
    out.put("grudge", new LinkedHashMap<>(chosen));
    return out;
  }

  private Object startLinkFault(NetworkControl net, String kind, Object value, List<String> errors) {
    if (!(value instanceof Map)) {
      errors.add("start-" + kind + " value must be a map with targets, got " + value);
      return null;
    }
    Map<?, ?> args = (Map<?, ?>) value;
    UnaryOperator<LinkFaults> fault;
    Map<String, Object> out = new LinkedHashMap<>();
    switch (kind) {
      case "delay": {
        long delayMs = number(args, "delay_ms", 100);
        long jitterMs = number(args, "jitter_ms", 0);
        fault = l -> l.withDelay(delayMs, jitterMs);
        out.put("delay_ms", delayMs);
        out.put("jitter_ms", jitterMs);
        break;
      }
      case "blackhole":
        fault = l -> l.withBlackhole(true);
        break;
      case "bandwidth": {
        long rate = number(args, "bytes_per_sec", 100_000);
        fault = l -> l.withBandwidth(rate);
        out.put("bytes_per_sec", rate);
        break;
      }
      case "reset": {
        long afterMs = number(args, "after_ms", 0);
        fault = l -> l.withResetAfter(afterMs);
        out.put("after_ms", afterMs);
        break;
      }
      default: {
        long closeMs = number(args, "close_delay_ms", 1_000);
        fault = l -> l.withSlowClose(closeMs);
        out.put("close_delay_ms", closeMs);
        break;
      }
    }
    fault.apply(LinkFaults.NONE); // validates the arguments before any link changes
    List<Node> targets = Targets.choose(cluster, random, args.get("targets"), errors);
    if (!linksOf.getOrDefault(kind, Set.of()).isEmpty()) stop(net, kind, errors);
    List<String> ids = Targets.ids(targets);
    for (String target : ids) {
      for (Node other : cluster.nodes()) {
        if (other.id().equals(target)) continue;
        change(net, kind, target, other.id(), fault, errors);
        change(net, kind, other.id(), target, fault, errors);
      }
    }
    nodesOf.put(kind, new LinkedHashSet<>(ids));
    Map<String, Object> completion = new LinkedHashMap<>();
    completion.put("nodes", ids);
    completion.putAll(out);
    return completion;
  }

  private Object stop(NetworkControl net, String kind, List<String> errors) {
    UnaryOperator<LinkFaults> heal;
    switch (kind) {
      case "partition": heal = l -> l.withCut(false); break;
      case "delay": heal = l -> l.withDelay(0, 0); break;
      case "blackhole": heal = l -> l.withBlackhole(false); break;
      case "bandwidth": heal = l -> l.withBandwidth(0); break;
      case "reset": heal = l -> l.withResetAfter(-1); break;
      default: heal = l -> l.withSlowClose(0); break;
    }
    for (List<String> link : new ArrayList<>(linksOf.getOrDefault(kind, Set.of()))) {
      try {
        net.setLink(link.get(0), link.get(1), heal.apply(net.link(link.get(0), link.get(1))));
      } catch (Exception e) {
        errors.add(link.get(0) + "->" + link.get(1) + ": heal of " + kind + " failed: " + e);
      }
    }
    linksOf.remove(kind);
    List<String> nodes = List.copyOf(nodesOf.getOrDefault(kind, Set.of()));
    nodesOf.remove(kind);
    if (kind.equals("partition")) {
      Map<String, List<String>> healed = grudge;
      grudge = Map.of();
      return new LinkedHashMap<>(healed);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodes", nodes);
    return out;
  }

  private void change(NetworkControl net, String kind, String from, String to, UnaryOperator<LinkFaults> fault,
      List<String> errors) {
    try {
      linksOf.computeIfAbsent(kind, k -> new LinkedHashSet<>()).add(List.of(from, to));
      net.setLink(from, to, fault.apply(net.link(from, to)));
    } catch (Exception e) {
      errors.add(from + "->" + to + ": " + kind + " failed: " + e);
    }
  }

  private static long number(Map<?, ?> args, String key, long otherwise) {
    Object v = args.get(key);
    if (v == null) return otherwise;
    if (v instanceof Number) return ((Number) v).longValue();
    throw new IllegalArgumentException(key + " must be a number, got " + v);
  }
}
