package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Crashes, restarts, freezes and thaws nodes: Jepsen's {@code node-start-stopper} and {@code
 * hammer-time}.
 *
 * <p>Ops: {@code f} is {@code kill | start | pause | resume}. For kill and pause the invocation value
 * picks the nodes: a target spec {@code one | minority | majority | all | leader} (minority is
 * {@code n/2} rounded down, majority {@code n/2 + 1}, chosen at random) or a list of node ids. For
 * start and resume a list names the nodes; anything else means every node this nemesis killed or
 * paused. The completion is {@code info} with the ids actually affected as its value and, when
 * something could not be done, an error saying what and why.
 *
 * <p>Abilities are discovered per node with {@code instanceof} ({@link Killable}, {@link Pausable},
 * and {@link LeaderAware} on the cluster); a node without the ability is skipped and named in the
 * error. A node whose kill or pause threw is still remembered as killed or paused, so that the heal
 * tries to start or resume it (both are harmless on a running node).
 *
 * <p>Randomness: one {@link SplittableRandom} seeded from the run seed; the runner calls the nemesis
 * from one thread, so the choices replay from the seed. Methods are synchronized anyway, since the
 * final heal may come from another thread.
 */
public final class ProcessNemesis implements Nemesis {
  public static final List<String> FUNCTIONS = List.of("kill", "start", "pause", "resume");
  public static final List<String> TARGETS = List.of("one", "minority", "majority", "all", "leader");

  private final Cluster cluster;
  private final SplittableRandom random;
  private final Set<String> killed = new LinkedHashSet<>();
  private final Set<String> paused = new LinkedHashSet<>();

  public ProcessNemesis(Cluster cluster, long seed) {
    this.cluster = java.util.Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
  }

  /** Whether {@code spec} is a target spec this nemesis understands. */
  public static boolean isTargetSpec(String spec) {
    return TARGETS.contains(spec);
  }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    try {
      List<String> errors = new ArrayList<>();
      List<String> affected = new ArrayList<>();
      switch (invocation.f()) {
        case "kill":
        case "pause":
          for (Node n : targets(invocation.value(), errors)) apply(invocation.f(), n, affected, errors);
          break;
        case "start":
          for (Node n : healTargets(invocation.value(), killed, errors)) apply("start", n, affected, errors);
          break;
        case "resume":
          for (Node n : healTargets(invocation.value(), paused, errors)) apply("resume", n, affected, errors);
          break;
        default:
          errors.add("unknown f '" + invocation.f() + "'; expected one of " + String.join("|", FUNCTIONS));
      }
      return invocation.complete(OpType.INFO, List.copyOf(affected), errors.isEmpty() ? null : String.join("; ", errors));
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, List.of(), "nemesis failed: " + e);
    }
  }

  @Override
  public synchronized List<Op> healOps() {
    List<Op> ops = new ArrayList<>();
    if (!paused.isEmpty()) ops.add(Op.invoke(Op.NEMESIS, "resume", null, List.copyOf(paused)));
    if (!killed.isEmpty()) ops.add(Op.invoke(Op.NEMESIS, "start", null, List.copyOf(killed)));
    return ops;
  }

  /** Ids of the nodes this nemesis killed and has not started since. */
  public synchronized Set<String> killed() { return Set.copyOf(killed); }

  /** Ids of the nodes this nemesis paused and has not resumed since. */
  public synchronized Set<String> paused() { return Set.copyOf(paused); }

  private void apply(String f, Node node, List<String> affected, List<String> errors) {
    String id = node.id();
    boolean able = f.equals("kill") || f.equals("start") ? node instanceof Killable : node instanceof Pausable;
    if (!able) {
      errors.add(id + " is not " + (f.equals("kill") || f.equals("start") ? "Killable" : "Pausable") + ", skipped");
      return;
    }
    try {
      switch (f) {
        case "kill":
          killed.add(id);
          ((Killable) node).kill();
          paused.remove(id); // a killed process is no longer stopped
          break;
        case "start":
          ((Killable) node).start();
          killed.remove(id);
          break;
        case "pause":
          paused.add(id);
          ((Pausable) node).pause();
          break;
        default:
          ((Pausable) node).resume();
          paused.remove(id);
          break;
      }
      affected.add(id);
    } catch (Exception | AssertionError e) {
      errors.add(id + ": " + f + " failed: " + e);
    }
  }

  /** The nodes a kill or pause acts on, in cluster order. */
  private List<Node> targets(Object value, List<String> errors) {
    List<Node> nodes = cluster.nodes();
    if (value instanceof List) return listed((List<?>) value, errors);
    if (!(value instanceof String)) {
      errors.add("no target: expected " + String.join("|", TARGETS) + " or a list of node ids, got " + value);
      return List.of();
    }
    String spec = (String) value;
    int n = nodes.size();
    switch (spec) {
      case "one": return randomSubset(nodes, Math.min(1, n));
      case "minority": return randomSubset(nodes, n / 2);
      case "majority": return randomSubset(nodes, n / 2 + 1);
      case "all": return nodes;
      case "leader": return leader(nodes, errors);
      default:
        for (Node node : nodes) if (node.id().equals(spec)) return List.of(node);
        errors.add("unknown target '" + spec + "'; expected " + String.join("|", TARGETS) + " or a list of node ids");
        return List.of();
    }
  }

  private List<Node> healTargets(Object value, Set<String> faulty, List<String> errors) {
    if (value instanceof List) return listed((List<?>) value, errors);
    List<Node> out = new ArrayList<>();
    for (Node node : cluster.nodes()) if (faulty.contains(node.id())) out.add(node);
    return out;
  }

  private List<Node> listed(List<?> ids, List<String> errors) {
    List<Node> out = new ArrayList<>();
    for (Object id : ids) {
      Node found = null;
      for (Node node : cluster.nodes()) if (node.id().equals(String.valueOf(id))) found = node;
      if (found == null) errors.add("unknown node '" + id + "'");
      else if (!out.contains(found)) out.add(found);
    }
    return out;
  }

  private List<Node> leader(List<Node> nodes, List<String> errors) {
    if (!(cluster instanceof LeaderAware)) {
      errors.add("cluster is not LeaderAware, cannot target the leader");
      return List.of();
    }
    Optional<String> leader;
    try {
      leader = ((LeaderAware) cluster).leader();
    } catch (RuntimeException e) {
      errors.add("asking for the leader failed: " + e);
      return List.of();
    }
    if (leader == null || leader.isEmpty()) {
      errors.add("no leader known");
      return List.of();
    }
    for (Node node : nodes) if (node.id().equals(leader.get())) return List.of(node);
    errors.add("leader '" + leader.get() + "' is not a node of the cluster");
    return List.of();
  }

  /** {@code k} distinct nodes drawn at random, in cluster order. */
  private List<Node> randomSubset(List<Node> nodes, int k) {
    int n = nodes.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] chosen = new boolean[n];
    for (int i = 0; i < k; i++) chosen[order[i]] = true;
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < n; i++) if (chosen[i]) out.add(nodes.get(i));
    return out;
  }
}
