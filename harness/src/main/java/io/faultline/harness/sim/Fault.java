package io.faultline.harness.sim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One scheduled fault. It undoes itself {@code durationMs} later (heal, restart), so removing a fault
 * while shrinking removes its repair too.
 *
 * @param node  target node id, or 0 for whichever node leads (highest term) when the fault fires
 * @param mask  node-set bitmask (bit i-1 = node i): one side of a PARTITION, the nodes of CRASH_SET;
 *              for PARTITION_LEADER, 1 = the leader keeps one follower with it; for MEMBERSHIP, the voters
 *              to reach; for CRASH_LEADER_IN_JOINT, 0 = crash once the leader enters the joint configuration,
 *              1 = once it appended C_new after it
 */
public record Fault(long atMs, Kind kind, int node, long mask, long durationMs) {
  public enum Kind {
    /** Cut the leader (alone, or with one follower) off from the rest. */
    PARTITION_LEADER,
    /** Cut the nodes of {@code mask} off from the others. */
    PARTITION,
    /** Crash one node. */
    CRASH,
    /** Crash the nodes of {@code mask} at once (a majority, or all). */
    CRASH_SET,
    /** Crash the node right after its next fsync completes (mask 1: the next one that made a vote durable). */
    CRASH_AFTER_PERSIST,
    /**
     * The Raft paper's Figure 8 on five nodes: the leader replicates to one follower only and crashes;
     * the next leader is isolated as soon as it is elected; the one after it crashes right after it first commits.
     */
    FIGURE8,
    /**
     * Clock skew with lease reads: the leader's clock slows to the drift bound, the others' speed up to
     * it, and the leader is cut off; rates are restored when it heals.
     */
    LEASE_SKEW,
    /** Flip a synced bit of the node's log, then crash it, so it reads the log back at restart. */
    BIT_FLIP,
    /**
     * Change the voters to {@code mask} (spare nodes join as learners first, then the voters change in
     * one proposal), retried by whichever node leads until done or a bound.
     */
    MEMBERSHIP,
    /** The leader hands over to {@code node} (0: a voter at random). */
    TRANSFER_LEADER,
    /** Crash the next leader seen between a joint configuration and the final one ({@code mask}), down for {@code durationMs}. */
    CRASH_LEADER_IN_JOINT;

    String label() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    static Kind parse(String s) {
      for (Kind k : values()) if (k.label().equals(s)) return k;
      throw new IllegalArgumentException("unknown fault kind '" + s + "'");
    }
  }

  public Fault {
    if (atMs < 0 || durationMs < 0) throw new IllegalArgumentException("atMs and durationMs must be >= 0");
    if (node < 0) throw new IllegalArgumentException("node must be >= 0, got " + node);
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at_ms", atMs);
    m.put("kind", kind.label());
    m.put("node", (long) node);
    m.put("mask", mask);
    m.put("duration_ms", durationMs);
    return m;
  }

  static Fault fromJson(Map<String, Object> m) {
    return new Fault(Schedule.num(m, "at_ms"), Kind.parse(Schedule.str(m, "kind")), (int) Schedule.num(m, "node"),
        Schedule.num(m, "mask"), Schedule.num(m, "duration_ms"));
  }

  @Override
  public String toString() {
    return atMs + "ms " + kind.label() + (node == 0 ? " leader" : " n" + node) + (mask != 0 ? " mask=" + Long.toBinaryString(mask) : "")
        + " for " + durationMs + "ms";
  }
}
