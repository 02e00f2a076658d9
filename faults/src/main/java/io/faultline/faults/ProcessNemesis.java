package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
 * and {@link io.faultline.sut.LeaderAware} on the cluster); a node without the ability is skipped and named in the
 * error. A node whose kill or pause threw is still remembered as killed or paused, so that the heal
 * tries to start or resume it (both are harmless on a running node).
 *
 * <p>Randomness: one {@link SplittableRandom} seeded from the run seed; the runner calls the nemesis
 * from one thread, so the choices replay from the seed. Methods are synchronized anyway, since the
 * final heal may come from another thread.
 */
public final class ProcessNemesis implements Nemesis {
  public static final List<String> FUNCTIONS = List.of("kill", "start", "pause", "resume");
  public static final List<String> TARGETS = Targets.SPECS;

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
  public Set<String> functions() { return Set.copyOf(FUNCTIONS); }

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
    return Targets.choose(cluster, random, value, errors);
  }

  private List<Node> healTargets(Object value, Set<String> faulty, List<String> errors) {
    if (value instanceof List) return Targets.listed(cluster, (List<?>) value, errors);
    List<Node> out = new ArrayList<>();
    for (Node node : cluster.nodes()) if (faulty.contains(node.id())) out.add(node);
    return out;
  }
}
