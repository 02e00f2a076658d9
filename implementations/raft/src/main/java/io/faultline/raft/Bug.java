package io.faultline.raft;

import java.util.Locale;

/** Planted bugs, each behind a switch, that the simulator must catch (DESIGN.md, "Proof that the checks have teeth"). */
public enum Bug {
  /** Serve reads from the local state machine without ReadIndex or lease, on any node. */
  STALE_READ,
  /** Commit an entry of an earlier term by counting replicas (the Raft paper's Figure 8). */
  COMMIT_PRIOR_TERM,
  /** Acknowledge appends and votes before the log is durable. */
  NO_FSYNC,
  /** Forget the persisted vote after a restart. */
  VOTE_TWICE,
  /** Lease reads that make no allowance for clock drift. */
  LEASE_READ_UNSAFE,
  /**
   * Compaction that drops entries a follower still needs (no entries kept for laggards) and, instead
   * of the snapshot, moves the follower past them with an empty state.
   */
  TRUNCATE_COMMITTED,
  /**
   * A change of the voters applied as one step, straight to C_new, without the joint configuration:
   * when two or more voters change, a majority of C_old and one of C_new can be disjoint.
   */
  SINGLE_STEP_MEMBERSHIP,
  /** A txn commits without its compares checked: the read versions an optimistic txn relied on may have changed (lost update, write skew). */
  MVCC_SKIP_CONFLICT_CHECK;

  /** The switch's name: {@code raft.stale-read}, ... */
  public String switchName() {
    return "raft." + name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The bug named {@code raft.x-y} (or {@code x-y}); null when there is none. */
  public static Bug fromName(String name) {
    String n = name.startsWith("raft.") ? name.substring(5) : name;
    for (Bug b : values()) if (b.switchName().equals("raft." + n)) return b;
    return null;
  }
}
