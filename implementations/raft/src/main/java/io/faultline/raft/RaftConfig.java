package io.faultline.raft;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A node's protocol configuration, validated once.
 *
 * @param id                    this node's id, one of {@code peers} unless {@code joining}
 * @param peers                 ids of the cluster's initial voters (including this node unless {@code joining}), each >= 1;
 *                              later configurations come from the log (see {@link Membership})
 * @param electionTicks         election timeout; a follower's is randomized in [electionTicks, 2*electionTicks)
 * @param heartbeatTicks        leader heartbeat interval, < electionTicks
 * @param preVote               run a pre-vote round before raising the term
 * @param checkQuorum           leader steps down after an election timeout without hearing a majority;
 *                              followers ignore votes while they have a leader (required by lease reads)
 * @param readMode              how the leader confirms it still leads before a read
 * @param clockDriftMax         the bound on relative timer-rate drift between nodes that lease reads rely on
 * @param entriesPerMsgMax      batching: entries per APPEND
 * @param bytesPerMsgMax        batching: entry bytes per APPEND (at least one entry is always sent)
 * @param inflightMsgsMax       flow control: unacknowledged APPENDs per follower
 * @param inflightBytesMax      flow control: unacknowledged entry bytes per follower
 * @param uncommittedEntriesMax proposals beyond this many uncommitted entries are refused
 * @param pendingReadsMax       reads waiting for confirmation beyond this are refused
 * @param bugs                  planted bugs switched on
 * @param wal                   the node's write-ahead log: sync policy and segments (used by {@link RaftNode}, not the core)
 * @param joining               this node joins the running cluster of {@code peers} (it is not among them): it
 *                              starts as no member, learns later configurations from the leader and never
 *                              campaigns before it is a voter
 * @param catchUpEntriesMax     a learner is promoted to voter, and a leader transfer starts, only when the node's
 *                              log is at most this many entries behind the leader's
 * @param rebuilding            this node's log and snapshots were discarded by a repair (term and vote kept): it
 *                              may have lost entries it acknowledged, so it grants no vote and never campaigns
 *                              until it has caught up from a leader (see {@link RaftCore#rebuilding()})
 */
public record RaftConfig(int id, List<Integer> peers, int electionTicks, int heartbeatTicks, boolean preVote,
    boolean checkQuorum, ReadMode readMode, double clockDriftMax, int entriesPerMsgMax, int bytesPerMsgMax,
    int inflightMsgsMax, long inflightBytesMax, int uncommittedEntriesMax, int pendingReadsMax, Set<Bug> bugs, WalConfig wal,
    boolean joining, int catchUpEntriesMax, boolean rebuilding) {

  /** The default of {@link #catchUpEntriesMax()}. */
  public static final int CATCH_UP_ENTRIES_MAX_DEFAULT = 1000;

  /** How linearizable reads are confirmed. */
  public enum ReadMode {
    /** Raft thesis §6.4: record the commit index, confirm leadership with a heartbeat round. */
    READ_INDEX,
    /**
     * Thesis §6.4.1: serve while a lease from the last majority-acknowledged heartbeat holds. Safe only
     * if timer rates drift by at most {@code clockDriftMax}; needs check-quorum.
     */
    LEASE
  }

  /** A configuration with the default log ({@link WalConfig#DEFAULT}). */
  public RaftConfig(int id, List<Integer> peers, int electionTicks, int heartbeatTicks, boolean preVote, boolean checkQuorum,
      ReadMode readMode, double clockDriftMax, int entriesPerMsgMax, int bytesPerMsgMax, int inflightMsgsMax, long inflightBytesMax,
      int uncommittedEntriesMax, int pendingReadsMax, Set<Bug> bugs) {
    this(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax, entriesPerMsgMax, bytesPerMsgMax,
        inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, WalConfig.DEFAULT);
  }

  /** A configuration of a node of the initial cluster, with the default catch-up bound. */
  public RaftConfig(int id, List<Integer> peers, int electionTicks, int heartbeatTicks, boolean preVote, boolean checkQuorum,
      ReadMode readMode, double clockDriftMax, int entriesPerMsgMax, int bytesPerMsgMax, int inflightMsgsMax, long inflightBytesMax,
      int uncommittedEntriesMax, int pendingReadsMax, Set<Bug> bugs, WalConfig wal) {
    this(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax, entriesPerMsgMax, bytesPerMsgMax,
        inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, wal, false, CATCH_UP_ENTRIES_MAX_DEFAULT);
  }

  /** A configuration of a node that is not being rebuilt. */
  public RaftConfig(int id, List<Integer> peers, int electionTicks, int heartbeatTicks, boolean preVote, boolean checkQuorum,
      ReadMode readMode, double clockDriftMax, int entriesPerMsgMax, int bytesPerMsgMax, int inflightMsgsMax, long inflightBytesMax,
      int uncommittedEntriesMax, int pendingReadsMax, Set<Bug> bugs, WalConfig wal, boolean joining, int catchUpEntriesMax) {
    this(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax, entriesPerMsgMax, bytesPerMsgMax,
        inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, wal, joining, catchUpEntriesMax, false);
  }

  public RaftConfig {
    java.util.Objects.requireNonNull(wal, "wal");
    peers = List.copyOf(peers);
    bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
    if (!joining && !peers.contains(id)) throw new IllegalArgumentException("id " + id + " is not among peers " + peers);
    if (joining && peers.contains(id)) throw new IllegalArgumentException("joining node " + id + " must not be among peers " + peers);
    if (id < 1) throw new IllegalArgumentException("id must be >= 1, got " + id);
    if (catchUpEntriesMax < 0) throw new IllegalArgumentException("catchUpEntriesMax must be >= 0, got " + catchUpEntriesMax);
    if (peers.isEmpty()) throw new IllegalArgumentException("peers must not be empty");
    if (peers.size() > Membership.MEMBERS_MAX) throw new IllegalArgumentException("peers has " + peers.size() + " ids, more than " + Membership.MEMBERS_MAX);
    if (peers.stream().anyMatch(p -> p < 1)) throw new IllegalArgumentException("peers must be >= 1, got " + peers);
    if (peers.stream().distinct().count() != peers.size()) throw new IllegalArgumentException("peers has duplicates: " + peers);
    if (heartbeatTicks < 1) throw new IllegalArgumentException("heartbeatTicks must be >= 1, got " + heartbeatTicks);
    if (electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException("electionTicks must be > heartbeatTicks (" + heartbeatTicks + "), got " + electionTicks);
    }
    if (!(clockDriftMax >= 0 && clockDriftMax < 0.5)) throw new IllegalArgumentException("clockDriftMax must be in [0, 0.5), got " + clockDriftMax);
    if (readMode == ReadMode.LEASE && !checkQuorum) throw new IllegalArgumentException("readMode LEASE needs checkQuorum");
    if (entriesPerMsgMax < 1) throw new IllegalArgumentException("entriesPerMsgMax must be >= 1, got " + entriesPerMsgMax);
    if (bytesPerMsgMax < 1) throw new IllegalArgumentException("bytesPerMsgMax must be >= 1, got " + bytesPerMsgMax);
    if (inflightMsgsMax < 1) throw new IllegalArgumentException("inflightMsgsMax must be >= 1, got " + inflightMsgsMax);
    if (inflightBytesMax < 1) throw new IllegalArgumentException("inflightBytesMax must be >= 1, got " + inflightBytesMax);
    if (uncommittedEntriesMax < 1) throw new IllegalArgumentException("uncommittedEntriesMax must be >= 1, got " + uncommittedEntriesMax);
    if (pendingReadsMax < 1) throw new IllegalArgumentException("pendingReadsMax must be >= 1, got " + pendingReadsMax);
  }

  /** Defaults in the spirit of etcd: election 10 ticks, heartbeat 1, pre-vote and check-quorum on, ReadIndex. */
  public static RaftConfig defaults(int id, List<Integer> peers) {
    return new RaftConfig(id, peers, 10, 1, true, true, ReadMode.READ_INDEX, 0.2, 64, 1 << 20, 256, 8L << 20, 10_000, 10_000, Set.of());
  }

  public RaftConfig withBugs(Set<Bug> b) {
    return new RaftConfig(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax,
        entriesPerMsgMax, bytesPerMsgMax, inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, b, wal, joining, catchUpEntriesMax, rebuilding);
  }

  public RaftConfig withWal(WalConfig w) {
    return new RaftConfig(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax,
        entriesPerMsgMax, bytesPerMsgMax, inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, w, joining, catchUpEntriesMax, rebuilding);
  }

  /** This configuration for a node that joins the running cluster of {@code peers} (see {@link #joining()}). */
  public RaftConfig asJoining() {
    return new RaftConfig(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax,
        entriesPerMsgMax, bytesPerMsgMax, inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, wal, true, catchUpEntriesMax, rebuilding);
  }

  public RaftConfig withCatchUpEntriesMax(int n) {
    return new RaftConfig(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax,
        entriesPerMsgMax, bytesPerMsgMax, inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, wal, joining, n, rebuilding);
  }

  /** This configuration for a node whose log a repair discarded (see {@link #rebuilding()}). */
  public RaftConfig asRebuilding() {
    return new RaftConfig(id, peers, electionTicks, heartbeatTicks, preVote, checkQuorum, readMode, clockDriftMax,
        entriesPerMsgMax, bytesPerMsgMax, inflightMsgsMax, inflightBytesMax, uncommittedEntriesMax, pendingReadsMax, bugs, wal, joining,
        catchUpEntriesMax, true);
  }

  public boolean has(Bug b) { return bugs.contains(b); }

  /**
   * Lease length in the leader's ticks. A follower that acknowledged a heartbeat grants no vote for
   * {@code electionTicks - 1} of its own ticks after receiving it; if the leader's ticks are at most
   * {@code 1 + d} times slower and the follower's at most that much faster, a lease of
   * {@code (electionTicks - 1) (1 - d) / (1 + d)} leader ticks from the heartbeat's sending ends first.
   */
  public int leaseTicks() {
    if (has(Bug.LEASE_READ_UNSAFE)) return electionTicks;
    return (int) Math.floor((electionTicks - 1) * (1 - clockDriftMax) / (1 + clockDriftMax));
  }
}
