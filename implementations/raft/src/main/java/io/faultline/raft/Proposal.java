package io.faultline.raft;

/**
 * The outcome of a proposal to the leader: the index of the appended entry, or why nothing was appended.
 * Every refusal is safe to retry later; {@link Refusal#NOT_LEADER} elsewhere, the others here.
 *
 * @param index   the entry's index, -1 when refused
 * @param refusal null when accepted
 * @param reason  a sentence for the caller (an HTTP 503 body), null when accepted
 */
public record Proposal(long index, Refusal refusal, String reason) {
  /** Why a proposal was refused. */
  public enum Refusal {
    NOT_LEADER,
    /** A leader transfer is under way: the leader takes no proposal until it ends or aborts. */
    TRANSFER_IN_PROGRESS,
    /** Too many entries are uncommitted. */
    UNCOMMITTED_ENTRIES_MAX,
    /** A new leader takes no configuration change before its own no-op commits. */
    LEADER_NO_OP_UNCOMMITTED,
    /** One configuration change at a time: the last one (or its joint phase) has not committed. */
    MEMBERSHIP_CHANGE_IN_PROGRESS,
    /** A node to become voter lags the leader's log by more than the bound, or is not a member yet. */
    MEMBER_LAGGING,
    /** The request itself is wrong: an empty voter set, a node that is no voter, no change at all. */
    INVALID
  }

  public Proposal {
    if ((refusal == null) != (index >= 1)) throw new IllegalArgumentException("accepted needs an index >= 1, refused -1: " + index + " " + refusal);
  }

  static Proposal accepted(long index) { return new Proposal(index, null, null); }

  static Proposal refused(Refusal refusal, String reason) { return new Proposal(-1, refusal, reason); }

  public boolean isAccepted() { return refusal == null; }
}
