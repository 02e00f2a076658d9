package io.faultline.harness;

import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The steps the snapshot benchmarks share: find a follower, wait until a node has come somewhere,
 * and time a node's restart from its process start until it serves and until it has applied up to
 * a target index.
 */
final class BenchRestart {
  /** How often a restarting node is asked how far it has come: the figures' resolution. */
  static final long POLL_MS = 20;
  static final long SETTLE_WAIT_MS_MAX = 60_000;
  static final long LEADER_WAIT_MS_MAX = 30_000;

  private BenchRestart() {}

  /**
   * A restart's times from the process start, in ms; -1 for a step not reached within the bound.
   *
   * @param servingMs  until the node first answered as leader or follower
   * @param caughtUpMs until it said it had applied up to the target
   * @param last       the last position it gave, if any
   */
  record Timing(double servingMs, double caughtUpMs, ReplicaWatch.Position last) {
    boolean caughtUp() { return caughtUpMs >= 0; }
  }

  /** The leader as the cluster reports it, waited for up to {@link #LEADER_WAIT_MS_MAX}. */
  static String leader(Cluster cluster) throws IOException {
    if (!(cluster instanceof LeaderAware)) throw new IOException("the cluster cannot say which node leads");
    LeaderAware leaders = (LeaderAware) cluster;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MS_MAX);
    while (System.nanoTime() < deadline) {
      Optional<String> leader = leaders.leader();
      if (leader.isPresent()) return leader.get();
      Runner.sleepMs(BenchRun.HEALTH_POLL_MS);
    }
    throw new IOException("no leader within " + LEADER_WAIT_MS_MAX + " ms");
  }

  /** The first node in the cluster's order that is not {@code leader}, killable. */
  static Node follower(Cluster cluster, String leader) throws IOException {
    for (Node node : cluster.nodes()) {
      if (!node.id().equals(leader) && node instanceof Killable) return node;
    }
    throw new IOException("no killable follower beside leader " + leader);
  }

  /** Waits until the node's position satisfies {@code done}; the last position seen, or empty when it never did. */
  static Optional<ReplicaWatch.Position> await(ReplicaWatch watch, String nodeId, Predicate<ReplicaWatch.Position> done, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      Optional<ReplicaWatch.Position> p = watch.position(nodeId);
      if (p.isPresent() && done.test(p.get())) return p;
      Runner.sleepMs(POLL_MS);
    }
    return Optional.empty();
  }

  /**
   * Waits until writes have stopped and every node has applied what the leader committed; returns
   * the leader's commit index then. Throws when the nodes do not agree within {@link #SETTLE_WAIT_MS_MAX}.
   */
  static long settle(Cluster cluster, ReplicaWatch watch, String leader) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_WAIT_MS_MAX);
    String missing = "nothing asked";
    while (System.nanoTime() < deadline) {
      Optional<ReplicaWatch.Position> lp = watch.position(leader);
      if (lp.isEmpty()) {
        missing = "leader " + leader + " does not answer";
      } else {
        long commit = lp.get().commit();
        missing = null;
        for (Node node : cluster.nodes()) {
          if (node instanceof Killable && !((Killable) node).isRunning()) continue;
          Optional<ReplicaWatch.Position> p = watch.position(node.id());
          if (p.isEmpty() || p.get().applied() < commit) {
            missing = "node " + node.id() + " at " + p.map(ReplicaWatch.Position::toString).orElse("no answer") + ", leader's commit " + commit;
            break;
          }
        }
        if (missing == null) {
          Optional<ReplicaWatch.Position> again = watch.position(leader);
          if (again.isPresent() && again.get().commit() == commit) return commit;
          missing = "the leader's commit index still moves";
        }
      }
      Runner.sleepMs(BenchRun.HEALTH_POLL_MS);
    }
    throw new IOException("the nodes did not settle within " + SETTLE_WAIT_MS_MAX + " ms: " + missing);
  }

  /**
   * Starts a killed node and times it: from just before its process is started, polled every
   * {@link #POLL_MS}, until it answers as leader or follower, and until it has applied
   * {@code target}; each within {@code timeoutMs} of the start.
   */
  static Timing start(Killable node, String nodeId, ReplicaWatch watch, long target, long timeoutMs) throws IOException {
    long startNs = System.nanoTime();
    node.start();
    long deadline = startNs + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    double servingMs = -1;
    ReplicaWatch.Position last = null;
    while (System.nanoTime() < deadline) {
      Optional<ReplicaWatch.Position> p = watch.position(nodeId);
      long now = System.nanoTime();
      if (p.isPresent()) {
        last = p.get();
        if (servingMs < 0 && last.serving()) servingMs = (now - startNs) / 1e6;
        if (last.serving() && last.applied() >= target) return new Timing(servingMs, (now - startNs) / 1e6, last);
      }
      Runner.sleepMs(POLL_MS);
    }
    return new Timing(servingMs, -1, last);
  }

  /** The node of that id. */
  static Node node(Cluster cluster, String id) throws IOException {
    for (Node n : cluster.nodes()) if (n.id().equals(id)) return n;
    throw new IOException("no node " + id);
  }
}
