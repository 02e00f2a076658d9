package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Cluster;
import io.faultline.sut.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Clock skew through {@link ClockControl}: {@code start-clock} with value {@code {"targets": T,
 * "offset_ms": o, "rate": r}} (both optional, 0 and 1.0 by default) sets each target node's wall
 * clock offset and timer rate; {@code stop-clock} puts every node it touched back (offset 0, rate
 * 1.0). Completions are {@code info} with {@code {"nodes": [...], "offset_ms", "rate"}}; a node
 * that is not ClockControl is named in the error. Whether a skew matters is the system's business:
 * a peer whose timing uses only the monotonic clock (Ratis) ignores it, and the result says so.
 */
public final class ClockNemesis implements Nemesis {
  public static final Set<String> FUNCTIONS = Set.of("start-clock", "stop-clock");

  private final Cluster cluster;
  private final SplittableRandom random;
  private final Set<String> skewed = new LinkedHashSet<>();

  public ClockNemesis(Cluster cluster, long seed) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Set<String> functions() { return FUNCTIONS; }

  @Override
  public synchronized List<Op> healOps() {
    return skewed.isEmpty() ? List.of() : List.of(Op.invoke(Op.NEMESIS, "stop-clock", null, null));
  }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    List<String> errors = new ArrayList<>();
    List<String> done = new ArrayList<>();
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      List<Node> nodes;
      long offsetMs = 0;
      double rate = 1.0;
      if (invocation.f().equals("start-clock")) {
        Map<?, ?> args = invocation.value() instanceof Map ? (Map<?, ?>) invocation.value() : Map.of("targets", String.valueOf(invocation.value()));
        if (args.get("offset_ms") instanceof Number) offsetMs = ((Number) args.get("offset_ms")).longValue();
        if (args.get("rate") instanceof Number) rate = ((Number) args.get("rate")).doubleValue();
        if (!(rate > 0)) throw new IllegalArgumentException("rate must be > 0, got " + rate);
        nodes = Targets.choose(cluster, random, args.get("targets"), errors);
      } else if (invocation.f().equals("stop-clock")) {
        nodes = new ArrayList<>();
        for (Node node : cluster.nodes()) if (skewed.contains(node.id())) nodes.add(node);
      } else {
        return invocation.info("unknown f '" + invocation.f() + "'; expected one of " + FUNCTIONS);
      }
      for (Node node : nodes) {
        if (!(node instanceof ClockControl)) {
          errors.add(node.id() + " is not ClockControl, skipped");
          continue;
        }
        try {
          ((ClockControl) node).setClockOffsetMs(offsetMs);
          ((ClockControl) node).setClockRate(rate);
          if (offsetMs == 0 && rate == 1.0) skewed.remove(node.id()); else skewed.add(node.id());
          done.add(node.id());
        } catch (Exception e) {
          errors.add(node.id() + ": " + e);
        }
      }
      out.put("nodes", done);
      out.put("offset_ms", offsetMs);
      out.put("rate", rate);
      return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, null, "nemesis failed: " + e);
    }
  }
}
