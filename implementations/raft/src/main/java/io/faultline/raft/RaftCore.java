package io.faultline.raft;

import io.faultline.raft.Message.Type;
import io.faultline.runtime.Random;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Raft protocol as a pure, deterministic state machine: ticks, messages, proposals and read
 * requests go in; {@link Ready} batches (hard state and entries to persist, messages, entries to
 * apply, confirmed reads) and leader messages ({@link #takeImmediate()}) come out. No threads, no I/O,
 * no clock: randomness only from the injected {@link Random}. Not thread-safe; one event thread drives it.
 *
 * <p>Elections: randomized timeouts in [electionTicks, 2 electionTicks); a candidate resends its vote
 * request every heartbeat to peers that have not answered; pre-vote (thesis §9.6) so a
 * rejoining node does not raise terms; check-quorum, so a leader that hears from no majority for an
 * election timeout steps down, and followers (and a freshly booted node) that heard from a leader
 * within an election timeout ignore votes — which also is what makes leases sound.
 *
 * <p>Replication (etcd's tracker/progress.go): per follower a probe state (one APPEND at a time until
 * the follower's log matches) and a replicate state (pipelined APPENDs, at most inflightMsgsMax and
 * inflightBytesMax unacknowledged); batches of entriesPerMsgMax / bytesPerMsgMax. A rejection carries
 * the conflicting term and its first index (thesis §5.3's fast backtracking), so one round trip skips
 * a whole term. A follower acknowledges only what it persisted. The leader sends APPENDs before its
 * own fsync (thesis §10.2.1) and counts itself in the commit quorum only at its durable index; only
 * an entry of the current term is committed by counting (paper §5.4.2, Figure 8).
 *
 * <p>Reads (thesis §6.4): a new leader appends a no-op and answers no read before an entry of its term
 * commits. ReadIndex: the read takes the commit index and waits until a majority acknowledged a
 * heartbeat round started after the request. Lease: see {@link RaftConfig#leaseTicks()}.
 *
 * <p>Snapshots (paper §7): the driver takes a snapshot of its applied state and hands it over with
 * {@link #compact}; the log then starts after {@link #logBase()} (never past the commit index or what
 * was handed out for applying). A leader keeps up to {@code retainEntries} below the snapshot for
 * followers that lag by less. A follower whose next entry is below the log's start gets the snapshot
 * in chunks of {@value #SNAPSHOT_CHUNK_BYTES} bytes, one in flight, each with a CRC32C; it answers
 * with the bytes it holds, so a lost chunk or a new leader resumes from there, and a different
 * snapshot restarts the transfer. A transfer under way keeps its snapshot when the leader takes a
 * newer one (else a leader snapshotting faster than a large transfer takes would never finish one);
 * the follower then gets the newer one, or entries. A snapshot that is a checkpoint archive
 * ({@link SnapshotArchive}, format INCREMENTAL) is first offered: the leader sends its file table
 * (a SNAPSHOT with {@code reject} set), the follower answers which files its own newest snapshot holds
 * (a SNAPSHOT_RESP with {@code reject} set and the list as data, the same list to a repeated offer), and
 * the chunks then carry a delta without those files, which the follower fills in from the snapshot it
 * answered with; a delta that does not assemble into a snapshot passing its CRC32C is answered with an
 * empty rejecting SNAPSHOT_RESP and offered again. The receiver holds the bytes in one buffer of the
 * announced size (at most {@link #SNAPSHOT_BYTES_MAX}). A complete snapshot is checked (its own CRC) and installed: older
 * than the follower's commit index it is only acknowledged; otherwise the log is kept after it when
 * the entry at its index matches, else discarded (also when the snapshot lies beyond the log's end).
 *
 * <p>Membership (thesis §4.3, etcd's joint consensus): configurations are log entries
 * ({@link Membership}); a node uses the newest one in its log, committed or not, and falls back to the
 * one before when that entry is truncated. A change of the voters goes through the joint configuration
 * C_old,new, in which every decision needs a majority of both; once it commits the leader appends C_new
 * itself. One change at a time, and none before the leader's own no-op commits (the fix to the
 * single-server change bug, Ongaro's raft-dev post of 2015). A leader that is no voter of C_new manages
 * the cluster without counting itself until C_new commits, then steps down. A node that is no voter never
 * campaigns; a removed node that does not know it is removed is ignored by check-quorum's lease and, as
 * C_new committed on a majority of C_new, cannot win a vote. Learners receive the log but never vote or
 * count; one becomes voter only within {@link RaftConfig#catchUpEntriesMax()} of the leader's log. The
 * configuration at a snapshot's index travels in the snapshot's state ({@link KvStateMachine}).
 *
 * <p>Leader transfer (thesis §3.10): the leader stops taking proposals, brings the target up to date
 * and sends it TIMEOUT_NOW; the target campaigns at once (no pre-vote) with votes marked
 * {@link Message#TRANSFER}, which voters grant although they heard from a leader recently. The transfer
 * aborts after an election timeout. Having sent TIMEOUT_NOW the leader serves no more lease reads in
 * its term, since voters may now vote inside its lease.
 */
public final class RaftCore {
  public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }

  /** Heartbeat rounds remembered for leases; older ones are forgotten (the lease lapses, which is safe). */
  static final int ROUNDS_REMEMBERED_MAX = 1024;
  /** InstallSnapshot chunk size: 1 MiB (64 KiB chunks, one round trip each, took 16.5 s for a 940 MB snapshot). */
  static final int SNAPSHOT_CHUNK_BYTES = 1 << 20;
  /** A snapshot larger than this is refused by a follower. */
  static final long SNAPSHOT_BYTES_MAX = 3L << 29;

  private final RaftConfig cfg;
  private final Random rng;
  /** The configuration in use: the newest in the log (or at its base). */
  private Membership membership;
  /** The configuration at logBase. */
  private Membership baseMembership;
  /** The configuration entries in the log, by index. */
  private final TreeMap<Long, Membership> membershipEntries = new TreeMap<>();
  /** As leader: the node a leader transfer goes to, 0 when none; and when it started. */
  private int transferTarget;
  private long transferStartTick;
  /** As leader: a TIMEOUT_NOW went out in this term, so voters may vote inside the lease. */
  private boolean leaseRevoked;
  /** Entries logBase + 1 .. lastIndex(). */
  private final List<Entry> log = new ArrayList<>();
  private long logBase;
  private long logBaseTerm;
  /** The newest snapshot (sent to followers behind the log's start), or null. */
  private Snapshot snapshot;
  private Snapshot snapshotToInstall;
  private final SnapshotReceiver receiver = new SnapshotReceiver();
  private long snapshotsInstalled;
  private long snapshotsSent;
  private long catchUpTicksLast;
  private long term;
  private int vote;
  private long commit;
  private Role role = Role.FOLLOWER;
  private int leader;
  private long tick;
  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedTimeout;
  private long lastLeaderContactTick;
  private final Map<Integer, Boolean> votes = new HashMap<>();
  private final Map<Integer, Progress> progress = new TreeMap<>();

  private long stableIndex;
  private long handedOutIndex;
  private HardState handedOutHardState;
  private long appliedHandedOut;
  private final List<Message> immediate = new ArrayList<>();
  private final List<Message> afterPersist = new ArrayList<>();

  private long round;
  private final Map<Integer, Long> ackedRound = new HashMap<>();
  private final ArrayDeque<long[]> roundTicks = new ArrayDeque<>();
  private long leaseStartTick = Long.MIN_VALUE;
  private final ArrayDeque<long[]> pendingReads = new ArrayDeque<>();
  private final ArrayDeque<Long> readsAwaitingCommit = new ArrayDeque<>();
  private final List<ReadState> readStates = new ArrayList<>();

  /** Replication state of one follower, kept by the leader. */
  static final class Progress {
    long match;
    long next;
    boolean probe = true;
    boolean paused;
    boolean recentActive = true;
    long lastProgressTick;
    /**
     * The snapshot being sent, null when none (kept until the transfer ends, even when a newer one is
     * taken meanwhile, so a long transfer is not restarted by every snapshot); and below, the bytes the
     * follower holds.
     */
    Snapshot sending;
    /**
     * What is sent of {@code sending}: its bytes, or a delta of the files the follower lacks
     * ({@link SnapshotArchive}); null while an archive's offer awaits the follower's answer.
     */
    byte[] payload;
    long snapshotOffset;
    /** When the follower was first sent a snapshot in its current catch-up, -1 when none. */
    long snapshotStartTick = -1;
    final ArrayDeque<long[]> inflight = new ArrayDeque<>();
    long inflightBytes;

    void endTransfer() {
      sending = null;
      payload = null;
    }

    void becomeProbe(long nextIndex) {
      probe = true;
      paused = false;
      next = nextIndex;
      inflight.clear();
      inflightBytes = 0;
    }

    void freeTo(long index) {
      while (!inflight.isEmpty() && inflight.peekFirst()[0] <= index) inflightBytes -= inflight.pollFirst()[1];
    }
  }

  /**
   * A node starting from its persisted state ({@link HardState#INITIAL} and an empty log when new).
   * The state machine is rebuilt: every committed entry is handed out again for applying.
   */
  public RaftCore(RaftConfig cfg, HardState hardState, List<Entry> entries, Random rng) {
    this(cfg, hardState, null, entries, rng);
  }

  /**
   * A node starting from its newest snapshot (null when none; the state machine was restored from it)
   * and the entries after it.
   */
  public RaftCore(RaftConfig cfg, HardState hardState, Snapshot snap, List<Entry> entries, Random rng) {
    this.cfg = cfg;
    this.rng = rng;
    // a joining node too starts from the initial configuration, in which it is no voter, until the log says more
    baseMembership = Membership.ofVoters(cfg.peers());
    if (snap != null) {
      snapshot = snap;
      logBase = snap.index();
      logBaseTerm = snap.term();
      Membership inSnapshot = KvStateMachine.membershipIn(SnapshotFile.state(snap));
      if (inSnapshot != null) baseMembership = inSnapshot;
    }
    membership = baseMembership;
    for (Entry e : entries) {
      if (e.index() != lastIndex() + 1) throw new IllegalArgumentException("log not contiguous at " + e + " after " + lastIndex());
      if (e.term() < termAt(lastIndex())) throw new IllegalArgumentException("log terms decrease at " + e);
      appendToLog(e);
    }
    this.term = hardState.term();
    this.vote = hardState.vote();
    this.commit = Math.max(logBase, Math.min(hardState.commit(), lastIndex()));
    this.appliedHandedOut = logBase;
    this.stableIndex = lastIndex();
    this.handedOutIndex = lastIndex();
    this.handedOutHardState = hardState;
    resetElectionTimer();
  }

  // ---- observers (for drivers, tests and the simulator's invariants)

  public RaftConfig config() { return cfg; }
  public int id() { return cfg.id(); }
  public Role role() { return role; }
  public boolean isLeader() { return role == Role.LEADER; }
  public long term() { return term; }
  public int vote() { return vote; }
  /** The leader this node follows (itself when leader), 0 when unknown. */
  public int leaderId() { return leader; }
  public long commitIndex() { return commit; }
  public long lastIndex() { return logBase + log.size(); }
  /** The index before the first entry in the log: covered by the snapshot. */
  public long logBase() { return logBase; }
  /** The newest snapshot this node has (taken or installed), or null. */
  public Snapshot snapshot() { return snapshot; }
  public long snapshotsInstalled() { return snapshotsInstalled; }

  /** Bytes received for the last snapshot installed: all of it, or only the files this node lacked. */
  public long snapshotReceivedLastBytes() { return receiver.receivedLastBytes(); }
  /** As leader: followers brought up to date with a snapshot. */
  public long snapshotsSent() { return snapshotsSent; }
  /** As leader: ticks from sending the last such follower its snapshot's first chunk to its acknowledgement of the install. */
  public long catchUpTicksLast() { return catchUpTicksLast; }
  public long stableIndex() { return stableIndex; }
  public HardState hardState() { return new HardState(term, vote, commit); }
  /** The configuration in use: the newest in the log, committed or not. */
  public Membership membership() { return membership; }
  /** The configuration in use once the log ends at {@code index} (at least logBase). */
  public Membership membershipAt(long index) {
    Map.Entry<Long, Membership> e = membershipEntries.floorEntry(index);
    return e == null ? baseMembership : e.getValue();
  }
  /** Index of the newest configuration entry in the log; logBase when the configuration in use is the base's. */
  public long membershipIndex() { return membershipEntries.isEmpty() ? logBase : membershipEntries.lastKey(); }
  /** As leader: the target of the leader transfer under way, 0 when none. */
  public int transferTarget() { return transferTarget; }

  /** One member as the leader sees it. {@code matchIndex} is -1 when unknown (not leader, or this node itself). */
  public record MemberStatus(int id, String role, long matchIndex) {}

  /**
   * The configuration and the members: {@code joint} with {@code voters} (C_new) and {@code votersOutgoing}
   * (C_old), whether its entry committed, each member's role (voter, outgoing-voter, learner) and, as
   * leader, match index; the target of a leader transfer under way (0 none).
   */
  public record ClusterStatus(Membership membership, long membershipIndex, boolean membershipCommitted, List<MemberStatus> members,
      int transferTarget) {
    public boolean joint() { return membership.joint(); }
  }

  public ClusterStatus clusterStatus() {
    List<MemberStatus> members = new ArrayList<>();
    for (int id : membership.members()) {
      String r = membership.voters().contains(id) ? "voter" : membership.votersOutgoing().contains(id) ? "outgoing-voter" : "learner";
      Progress pr = progress.get(id);
      long match = id == cfg.id() && role == Role.LEADER ? stableIndex : pr == null ? -1 : pr.match;
      members.add(new MemberStatus(id, r, match));
    }
    return new ClusterStatus(membership, membershipIndex(), membershipIndex() <= commit, members, transferTarget);
  }

  /** Term of the entry at {@code index}; 0 for index 0, below the log's base or beyond the end. */
  public long termAt(long index) {
    if (index == logBase) return logBaseTerm;
    return index < logBase || index > lastIndex() ? 0 : log.get((int) (index - logBase) - 1).term();
  }

  /** The entry at {@code index}, which must lie in (logBase, lastIndex]. */
  public Entry entryAt(long index) { return log.get((int) (index - logBase) - 1); }

  // ---- inputs

  /** One logical clock tick. */
  public void tick() {
    tick++;
    if (role == Role.LEADER) {
      heartbeatElapsed++;
      electionElapsed++;
      if (electionElapsed >= cfg.electionTicks()) {
        electionElapsed = 0;
        if (cfg.checkQuorum()) {
          java.util.Set<Integer> active = new java.util.HashSet<>();
          active.add(cfg.id());
          for (Map.Entry<Integer, Progress> e : progress.entrySet()) if (e.getValue().recentActive) active.add(e.getKey());
          if (!membership.hasQuorum(active)) {
            becomeFollower(term, 0);
            return;
          }
          for (Progress pr : progress.values()) pr.recentActive = false;
        }
      }
      if (transferTarget != 0 && tick - transferStartTick >= cfg.electionTicks()) transferTarget = 0;
      if (heartbeatElapsed >= cfg.heartbeatTicks()) {
        heartbeatElapsed = 0;
        broadcastHeartbeat();
      }
    } else {
      electionElapsed++;
      if (role == Role.CANDIDATE && electionElapsed % cfg.heartbeatTicks() == 0) {
        // paper §5.1: RPCs are retried when no response comes in time
        for (int p : membership.members()) {
          if (p != cfg.id() && membership.isVoter(p) && !votes.containsKey(p)) afterPersist.add(voteRequest(Type.VOTE, p, term, campaignTransfer));
        }
      }
      if (electionElapsed >= randomizedTimeout) {
        electionElapsed = 0;
        if (membership.isVoter(cfg.id()) && !rebuilding()) {
          campaign(cfg.preVote(), false);
        } else {
          resetElectionTimer(); // a learner, a removed node or one being rebuilt never disturbs the cluster
          if (role != Role.FOLLOWER) becomeFollower(term, 0);
        }
      }
    }
  }

  /** Appends a command; returns its index, or -1 when refused ({@link #proposeCommand} says why). */
  public long propose(byte[] data) { return proposeCommand(data).index(); }

  /** Appends a command (not a configuration: see {@link #proposeMembership}), or says why not. */
  public Proposal proposeCommand(byte[] data) {
    if (Membership.isEntry(data)) throw new IllegalArgumentException("a configuration goes through proposeMembership");
    Proposal refused = refuseProposal();
    if (refused != null) return refused;
    appendAsLeader(data.clone());
    return Proposal.accepted(lastIndex());
  }

  private Proposal refuseProposal() {
    if (role != Role.LEADER) return Proposal.refused(Proposal.Refusal.NOT_LEADER, "node " + cfg.id() + " is not the leader (leader " + leader + ")");
    if (transferTarget != 0) {
      return Proposal.refused(Proposal.Refusal.TRANSFER_IN_PROGRESS, "leadership is being transferred to node " + transferTarget);
    }
    if (lastIndex() - commit >= cfg.uncommittedEntriesMax()) {
      return Proposal.refused(Proposal.Refusal.UNCOMMITTED_ENTRIES_MAX, (lastIndex() - commit) + " entries are uncommitted");
    }
    return null;
  }

  private void appendAsLeader(byte[] data) {
    appendToLog(new Entry(term, lastIndex() + 1, data));
    for (int p : progress.keySet()) sendAppend(p);
  }

  /**
   * Proposes the configuration {@code votersNew} / {@code learnersNew}. A change of the voters goes
   * through the joint configuration (C_new follows by itself once it commits); a change of the learners
   * alone is one step. Refused unless this node leads, its no-op committed, no change or transfer is
   * under way, and every new voter is a member within {@link RaftConfig#catchUpEntriesMax()} of the log.
   */
  public Proposal proposeMembership(java.util.Set<Integer> votersNew, java.util.Set<Integer> learnersNew) {
    Proposal refused = refuseProposal();
    if (refused != null) return refused;
    if (termAt(commit) != term) {
      return Proposal.refused(Proposal.Refusal.LEADER_NO_OP_UNCOMMITTED, "the leader's no-op of term " + term + " has not committed yet");
    }
    if (membership.joint() || membershipIndex() > commit) {
      return Proposal.refused(Proposal.Refusal.MEMBERSHIP_CHANGE_IN_PROGRESS,
          "the configuration change at index " + membershipIndex() + " (" + membership + ") has not finished");
    }
    Membership next;
    try {
      next = new Membership(votersNew, java.util.Set.of(), learnersNew);
    } catch (IllegalArgumentException e) {
      return Proposal.refused(Proposal.Refusal.INVALID, e.getMessage());
    }
    if (next.voters().isEmpty()) return Proposal.refused(Proposal.Refusal.INVALID, "a configuration needs at least one voter");
    if (next.equals(membership)) return Proposal.refused(Proposal.Refusal.INVALID, "the configuration is already " + membership);
    for (int v : next.voters()) {
      if (membership.voters().contains(v) || v == cfg.id()) continue;
      Progress pr = progress.get(v);
      if (pr == null) return Proposal.refused(Proposal.Refusal.MEMBER_LAGGING, "node " + v + " is not a member: add it as a learner first");
      if (lastIndex() - pr.match > cfg.catchUpEntriesMax()) {
        return Proposal.refused(Proposal.Refusal.MEMBER_LAGGING, "node " + v + " matches the log up to " + pr.match + ", more than "
            + cfg.catchUpEntriesMax() + " entries behind the leader's " + lastIndex());
      }
    }
    boolean votersChange = !next.voters().equals(membership.voters());
    if (votersChange && !cfg.has(Bug.SINGLE_STEP_MEMBERSHIP)) next = membership.enterJoint(next.voters(), next.learners());
    appendAsLeader(next.encode());
    return Proposal.accepted(lastIndex());
  }

  /** Adds {@code id} as a learner. */
  public Proposal addLearner(int id) {
    java.util.Set<Integer> learners = new java.util.TreeSet<>(membership.learners());
    learners.add(id);
    return proposeMembership(membership.voters(), learners);
  }

  /** Makes learner {@code id} a voter (refused while it lags). */
  public Proposal promoteLearner(int id) {
    if (!membership.learners().contains(id)) return Proposal.refused(Proposal.Refusal.INVALID, "node " + id + " is not a learner");
    java.util.Set<Integer> voters = new java.util.TreeSet<>(membership.voters());
    voters.add(id);
    java.util.Set<Integer> learners = new java.util.TreeSet<>(membership.learners());
    learners.remove(id);
    return proposeMembership(voters, learners);
  }

  /** Removes {@code id}, voter or learner. */
  public Proposal removeMember(int id) {
    java.util.Set<Integer> voters = new java.util.TreeSet<>(membership.voters());
    java.util.Set<Integer> learners = new java.util.TreeSet<>(membership.learners());
    if (!voters.remove(id) && !learners.remove(id)) return Proposal.refused(Proposal.Refusal.INVALID, "node " + id + " is not a member");
    return proposeMembership(voters, learners);
  }

  /**
   * Hands leadership to voter {@code target}: no proposal is taken meanwhile; the target is brought up
   * to date and told to campaign. The accepted proposal's index is the leader's last index, which the
   * target must reach. Aborts after an election timeout (then proposals resume).
   */
  public Proposal transferLeader(int target) {
    if (role != Role.LEADER) return Proposal.refused(Proposal.Refusal.NOT_LEADER, "node " + cfg.id() + " is not the leader (leader " + leader + ")");
    if (transferTarget != 0) {
      return Proposal.refused(Proposal.Refusal.TRANSFER_IN_PROGRESS, "leadership is being transferred to node " + transferTarget);
    }
    if (target == cfg.id()) return Proposal.refused(Proposal.Refusal.INVALID, "node " + target + " already leads");
    if (!membership.voters().contains(target)) {
      return Proposal.refused(Proposal.Refusal.INVALID, "node " + target + " is not a voter of " + membership);
    }
    Progress pr = progress.get(target);
    if (lastIndex() - pr.match > cfg.catchUpEntriesMax()) {
      return Proposal.refused(Proposal.Refusal.MEMBER_LAGGING, "node " + target + " matches the log up to " + pr.match + ", more than "
          + cfg.catchUpEntriesMax() + " entries behind the leader's " + lastIndex());
    }
    transferTarget = target;
    transferStartTick = tick;
    if (pr.match == lastIndex()) sendTimeoutNow(target);
    else sendAppend(target);
    return Proposal.accepted(lastIndex());
  }

  private void sendTimeoutNow(int target) {
    leaseRevoked = true;
    leaseStartTick = Long.MIN_VALUE;
    immediate.add(Message.of(Type.TIMEOUT_NOW, cfg.id(), target, term));
  }

  /** Asks for a linearizable read; the answer comes as a {@link ReadState} in a later Ready. */
  public void requestRead(long requestId) {
    if (role != Role.LEADER) {
      readStates.add(new ReadState(requestId, -1));
    } else if (cfg.has(Bug.STALE_READ)) {
      readStates.add(new ReadState(requestId, 0));
    } else if (termAt(commit) != term) {
      if (readsAwaitingCommit.size() >= cfg.pendingReadsMax()) readStates.add(new ReadState(requestId, -1));
      else readsAwaitingCommit.add(requestId);
    } else {
      startRead(requestId);
    }
  }

  public void step(Message m) {
    if (m.to() != cfg.id()) throw new IllegalArgumentException("message for " + m.to() + " delivered to " + cfg.id());
    if (m.from() == cfg.id() || m.from() < 1) return;
    if (m.term() > term) {
      if (m.type() == Type.PRE_VOTE || (m.type() == Type.PRE_VOTE_RESP && !m.reject())) {
        // pre-votes carry the term their sender would campaign in; they change no term
      } else if (m.type() == Type.VOTE && inLease() && m.hint() != Message.TRANSFER) {
        return;
      } else {
        becomeFollower(m.term(), m.type() == Type.APPEND || m.type() == Type.HEARTBEAT || m.type() == Type.SNAPSHOT ? m.from() : 0);
      }
    } else if (m.term() < term) {
      if ((m.type() == Type.APPEND || m.type() == Type.HEARTBEAT || m.type() == Type.SNAPSHOT) && (cfg.checkQuorum() || cfg.preVote())) {
        afterPersist.add(Message.of(Type.APPEND_RESP, cfg.id(), m.from(), term));
      } else if (m.type() == Type.PRE_VOTE) {
        afterPersist.add(Message.of(Type.PRE_VOTE_RESP, cfg.id(), m.from(), term).withReject(true, 0));
      }
      return;
    }
    if (m.type() == Type.APPEND && cfg.rebuilding() && rebuildCommit < 0) rebuildCommit = m.commit();
    if (m.type() == Type.APPEND_RESP && m.reject() && role == Role.LEADER) forgetLostEntries(m);
    switch (m.type()) {
      case PRE_VOTE:
      case VOTE:
        handleVote(m);
        break;
      case PRE_VOTE_RESP:
        if (role == Role.PRE_CANDIDATE && (m.reject() || m.term() == term + 1)) tally(m);
        break;
      case VOTE_RESP:
        if (role == Role.CANDIDATE) tally(m);
        break;
      case APPEND:
        if (role != Role.FOLLOWER) becomeFollower(term, m.from());
        handleAppend(m);
        break;
      case HEARTBEAT:
        if (role != Role.FOLLOWER) becomeFollower(term, m.from());
        handleHeartbeat(m);
        break;
      case APPEND_RESP:
        if (role == Role.LEADER) handleAppendResp(m);
        break;
      case SNAPSHOT:
        if (role != Role.FOLLOWER) becomeFollower(term, m.from());
        handleSnapshot(m);
        break;
      case SNAPSHOT_RESP:
        if (role == Role.LEADER) handleSnapshotResp(m);
        break;
      case HEARTBEAT_RESP:
        if (role == Role.LEADER) handleHeartbeatResp(m);
        break;
      case TIMEOUT_NOW:
        if (role == Role.FOLLOWER && m.from() == leader && membership.isVoter(cfg.id()) && !rebuilding()) campaign(false, true);
        break;
      default:
        throw new IllegalStateException("unknown message type " + m.type());
    }
  }

  // ---- outputs

  /** Leader messages that may go out at once, before the leader's own log is durable. */
  public List<Message> takeImmediate() {
    if (immediate.isEmpty()) return List.of();
    List<Message> out = new ArrayList<>(immediate);
    immediate.clear();
    return out;
  }

  public boolean hasReady() {
    return !afterPersist.isEmpty() || !readStates.isEmpty() || lastIndex() > handedOutIndex || snapshotToInstall != null
        || commit > appliedHandedOut || !hardState().equals(handedOutHardState);
  }

  /** The next batch; call {@link #advance} after persisting it, before asking for the next one. */
  public Ready ready() {
    HardState hs = hardState();
    HardState changed = hs.equals(handedOutHardState) ? null : hs;
    handedOutHardState = hs;
    List<Entry> entries = new ArrayList<>(log.subList((int) (handedOutIndex - logBase), log.size()));
    handedOutIndex = lastIndex();
    List<Entry> committed = new ArrayList<>(log.subList((int) (appliedHandedOut - logBase), (int) (commit - logBase)));
    appliedHandedOut = commit;
    Ready rd = new Ready(changed, entries, afterPersist, committed, readStates, snapshotToInstall);
    snapshotToInstall = null;
    afterPersist.clear();
    readStates.clear();
    return rd;
  }

  /** The Ready's hard state and entries are durable. */
  public void advance(Ready rd) {
    if (rd.snapshot() != null && termAt(rd.snapshot().index()) == rd.snapshot().term()) {
      stableIndex = Math.max(stableIndex, rd.snapshot().index());
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      if (termAt(last.index()) == last.term()) stableIndex = Math.max(stableIndex, last.index());
    }
    if (role == Role.LEADER) maybeCommit();
  }

  // ---- elections

  private boolean inLease() {
    return cfg.checkQuorum() && (role == Role.LEADER || tick - lastLeaderContactTick < cfg.electionTicks());
  }

  private void resetElectionTimer() {
    electionElapsed = 0;
    randomizedTimeout = cfg.electionTicks() + rng.nextInt(cfg.electionTicks());
  }

  private void becomeFollower(long newTerm, int newLeader) {
    if (newTerm != term) {
      term = newTerm;
      vote = 0;
    }
    if (role == Role.LEADER) abandonLeadership();
    role = Role.FOLLOWER;
    campaignTransfer = false;
    leader = newLeader;
    resetElectionTimer();
  }

  private void abandonLeadership() {
    for (long[] r : pendingReads) readStates.add(new ReadState(r[0], -1));
    for (long id : readsAwaitingCommit) readStates.add(new ReadState(id, -1));
    pendingReads.clear();
    readsAwaitingCommit.clear();
    progress.clear();
    ackedRound.clear();
    roundTicks.clear();
    leaseStartTick = Long.MIN_VALUE;
    leaseRevoked = false;
    transferTarget = 0;
  }

  /** A campaign that a leader transfer started: its votes carry {@link Message#TRANSFER}. */
  private boolean campaignTransfer;

  /** Rebuilding: the leader's commit index in the first APPEND since start, -1 before one came. */
  private long rebuildCommit = -1;
  /** Rebuilding: set once caught up; from then on the node votes and campaigns as any other. */
  private boolean rebuilt;

  /**
   * Whether this node is being rebuilt ({@link RaftConfig#rebuilding()}): its log was discarded, so it
   * may lack entries it acknowledged, and a vote from it could elect a leader without them. Meanwhile
   * it grants no vote or pre-vote and never campaigns. It has caught up once its durable log reaches the
   * commit index of the first APPEND a leader sent it since start, and its commit index lies at an
   * entry of the current term: then every entry committed in an earlier term is in its log (Leader
   * Completeness), and so is everything committed in this term before it restarted (acknowledgements
   * from its earlier life reached the leader in the seconds a restart takes). Checked on asking; once
   * caught up it stays so.
   */
  public boolean rebuilding() {
    if (!cfg.rebuilding() || rebuilt) return false;
    if (leader != 0 && rebuildCommit >= 0 && commit >= rebuildCommit && stableIndex >= commit && termAt(commit) == term) rebuilt = true;
    return !rebuilt;
  }

  /**
   * As leader: a follower whose log ends below what it acknowledged has lost entries (a repair rebuilt
   * it), so its match index is lowered to its log's end and it is probed from there — else its
   * rejections, all at or below the old match, would be taken for stale ones and it would wait for the
   * next snapshot. Lowering a match index is always safe: it only counts the follower in fewer quorums.
   */
  private void forgetLostEntries(Message m) {
    Progress pr = progress.get(m.from());
    if (pr == null || m.logTerm() != 0 || m.hint() - 1 >= pr.match) return;
    pr.match = Math.max(0, m.hint() - 1);
  }

  private void campaign(boolean pre, boolean transfer) {
    campaignTransfer = transfer;
    votes.clear();
    votes.put(cfg.id(), true);
    leader = 0;
    resetElectionTimer();
    long requestTerm;
    if (pre) {
      role = Role.PRE_CANDIDATE;
      requestTerm = term + 1;
    } else {
      role = Role.CANDIDATE;
      term++;
      vote = cfg.id();
      requestTerm = term;
    }
    if (membership.voteResult(votes) == Membership.VoteResult.WON) {
      if (pre) campaign(false, transfer);
      else becomeLeader();
      return;
    }
    for (int p : membership.members()) {
      if (p == cfg.id() || !membership.isVoter(p)) continue;
      afterPersist.add(voteRequest(pre ? Type.PRE_VOTE : Type.VOTE, p, requestTerm, transfer));
    }
  }

  private Message voteRequest(Type type, int peer, long requestTerm, boolean transfer) {
    return Message.of(type, cfg.id(), peer, requestTerm).withLog(termAt(lastIndex()), lastIndex())
        .withReject(false, transfer && type == Type.VOTE ? Message.TRANSFER : 0);
  }

  private void handleVote(Message m) {
    boolean pre = m.type() == Type.PRE_VOTE;
    boolean canVote = pre
        ? m.term() > term && !inLease()
        : vote == m.from() || (vote == 0 && leader == 0);
    long lastTerm = termAt(lastIndex());
    boolean upToDate = m.logTerm() > lastTerm || (m.logTerm() == lastTerm && m.index() >= lastIndex());
    boolean grant = canVote && upToDate && !rebuilding();
    if (grant && !pre) {
      vote = m.from();
      resetElectionTimer();
    }
    Type resp = pre ? Type.PRE_VOTE_RESP : Type.VOTE_RESP;
    afterPersist.add(Message.of(resp, cfg.id(), m.from(), grant && pre ? m.term() : term).withReject(!grant, 0));
  }

  private void tally(Message m) {
    if (!membership.isVoter(m.from())) return;
    votes.putIfAbsent(m.from(), !m.reject());
    Membership.VoteResult r = membership.voteResult(votes);
    if (r == Membership.VoteResult.WON) {
      if (role == Role.PRE_CANDIDATE) campaign(false, campaignTransfer);
      else becomeLeader();
    } else if (r == Membership.VoteResult.LOST) {
      becomeFollower(term, 0);
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leader = cfg.id();
    heartbeatElapsed = 0;
    electionElapsed = 0;
    campaignTransfer = false;
    transferTarget = 0;
    leaseRevoked = false;
    progress.clear();
    syncProgress();
    appendAsLeader(new byte[0]);
  }

  /** As leader: a progress for every member but this node, none for others. */
  private void syncProgress() {
    progress.keySet().removeIf(p -> !membership.isMember(p));
    ackedRound.keySet().removeIf(p -> !membership.isMember(p));
    for (int p : membership.members()) {
      if (p == cfg.id() || progress.containsKey(p)) continue;
      Progress pr = new Progress();
      pr.next = lastIndex() + 1;
      pr.lastProgressTick = tick;
      progress.put(p, pr);
    }
  }

  /** Every entry enters the log here, so that the configuration in use follows the log. */
  private void appendToLog(Entry e) {
    log.add(e);
    if (!e.isMembership()) return;
    membership = Membership.decode(e.data());
    membershipEntries.put(e.index(), membership);
    if (role == Role.LEADER) syncProgress();
  }

  // ---- replication

  private void handleAppend(Message m) {
    leader = m.from();
    lastLeaderContactTick = tick;
    electionElapsed = 0;
    Message resp = Message.of(Type.APPEND_RESP, cfg.id(), m.from(), term);
    if (m.index() < commit) {
      afterPersist.add(resp.withLog(0, commit));
      return;
    }
    if (m.index() <= lastIndex() && termAt(m.index()) == m.logTerm()) {
      long lastNew = m.index() + m.entries().size();
      for (Entry e : m.entries()) {
        if (e.index() <= lastIndex()) {
          if (termAt(e.index()) == e.term()) continue;
          if (e.index() <= commit) {
            throw new IllegalStateException("node " + cfg.id() + ": leader " + m.from() + " overwrites committed entry " + e.index());
          }
          truncateFrom(e.index());
        }
        appendToLog(e);
      }
      commitTo(Math.min(m.commit(), lastNew));
      afterPersist.add(resp.withLog(0, lastNew));
    } else {
      long hint;
      long conflictTerm;
      if (m.index() > lastIndex()) {
        hint = lastIndex() + 1;
        conflictTerm = 0;
      } else {
        conflictTerm = termAt(m.index());
        long first = m.index();
        while (first > commit + 1 && termAt(first - 1) == conflictTerm) first--;
        hint = first;
      }
      afterPersist.add(resp.withLog(conflictTerm, m.index()).withReject(true, hint));
    }
  }

  private void truncateFrom(long index) {
    if (index <= commit) throw new IllegalStateException("node " + cfg.id() + ": truncating at " + index + ", at or below commit " + commit);
    log.subList((int) (index - logBase) - 1, log.size()).clear();
    membershipEntries.tailMap(index, true).clear();
    membership = membershipAt(lastIndex());
    stableIndex = Math.min(stableIndex, index - 1);
    handedOutIndex = Math.min(handedOutIndex, index - 1);
  }

  private void commitTo(long c) {
    if (c > commit) commit = c;
  }

  private void handleHeartbeat(Message m) {
    leader = m.from();
    lastLeaderContactTick = tick;
    electionElapsed = 0;
    commitTo(Math.min(m.commit(), lastIndex()));
    Message r = Message.of(Type.HEARTBEAT_RESP, cfg.id(), m.from(), term);
    afterPersist.add(new Message(r.type(), r.from(), r.to(), r.term(), 0, 0, List.of(), 0, false, 0, m.round()));
  }

  private void handleAppendResp(Message m) {
    Progress pr = progress.get(m.from());
    if (pr == null) return;
    pr.recentActive = true;
    if (m.reject()) {
      if (m.index() <= pr.match) return;
      if (pr.probe && m.index() != pr.next - 1) return;
      long next = m.hint();
      if (m.logTerm() > 0) {
        long i = Math.min(m.index(), lastIndex());
        while (i > 0 && termAt(i) > m.logTerm()) i--;
        if (i > 0 && termAt(i) == m.logTerm()) next = i + 1;
      }
      pr.becomeProbe(Math.max(pr.match + 1, Math.min(next, m.index())));
      pr.endTransfer();
      sendAppend(m.from());
      return;
    }
    if (m.index() > pr.match) {
      pr.match = m.index();
      pr.lastProgressTick = tick;
    }
    pr.next = Math.max(pr.next, m.index() + 1);
    pr.freeTo(m.index());
    if (pr.probe) {
      pr.becomeProbe(pr.match + 1);
      pr.probe = false;
      pr.lastProgressTick = tick;
    }
    maybeCommit();
    if (role != Role.LEADER) return;
    if (m.from() == transferTarget && pr.match == lastIndex()) sendTimeoutNow(m.from());
    sendAppend(m.from());
  }

  private void handleHeartbeatResp(Message m) {
    Progress pr = progress.get(m.from());
    if (pr == null) return;
    pr.recentActive = true;
    ackedRound.merge(m.from(), m.round(), Math::max);
    releaseReads();
    if (pr.match < lastIndex()) {
      if (pr.probe) {
        pr.paused = false;
      } else if (tick - pr.lastProgressTick > 2L * cfg.heartbeatTicks() + 2) {
        pr.becomeProbe(pr.match + 1); // an APPEND was lost: start again from what is known to match
      }
      sendAppend(m.from());
    }
  }

  /** Sends APPENDs to one follower as far as its state and flow-control limits allow. */
  private void sendAppend(int peer) {
    Progress pr = progress.get(peer);
    if (pr == null) return; // removed by a configuration just appended
    while (true) {
      if (pr.probe ? pr.paused : pr.inflight.size() >= cfg.inflightMsgsMax() || pr.inflightBytes >= cfg.inflightBytesMax()) return;
      if (!pr.probe && pr.next > lastIndex()) return;
      long prev = pr.next - 1;
      if (prev < logBase) {
        sendSnapshot(peer, pr);
        return;
      }
      List<Entry> batch = new ArrayList<>();
      long bytes = 0;
      for (long i = pr.next; i <= lastIndex() && batch.size() < cfg.entriesPerMsgMax(); i++) {
        Entry e = entryAt(i);
        if (!batch.isEmpty() && bytes + e.sizeBytes() > cfg.bytesPerMsgMax()) break;
        batch.add(e);
        bytes += e.sizeBytes();
      }
      immediate.add(new Message(Type.APPEND, cfg.id(), peer, term, termAt(prev), prev, batch, commit, false, 0, 0));
      if (pr.probe) {
        pr.paused = true;
        return;
      }
      long last = batch.get(batch.size() - 1).index();
      pr.next = last + 1;
      pr.inflight.add(new long[] {last, bytes});
      pr.inflightBytes += bytes;
    }
  }

  // ---- snapshots

  /**
   * The driver's snapshot at {@code snap.index()} (at most what was handed out for applying, at most
   * the commit index) is durable: the log is cut below it, but a leader keeps up to
   * {@code retainEntries} for followers that lag by less. An older snapshot than the one held is ignored.
   */
  public void compact(Snapshot snap, long retainEntries) {
    if (snapshot != null && snap.index() <= snapshot.index()) return;
    if (snap.index() > appliedHandedOut || snap.index() > commit) {
      throw new IllegalArgumentException("compact to " + snap.index() + " past applied " + appliedHandedOut + " or commit " + commit);
    }
    if (snap.index() < logBase || termAt(snap.index()) != snap.term()) {
      throw new IllegalArgumentException(snap + " does not match the log (term there " + termAt(snap.index()) + ")");
    }
    snapshot = snap;
    long base = snap.index();
    if (role == Role.LEADER && !cfg.has(Bug.TRUNCATE_COMMITTED)) {
      for (Progress pr : progress.values()) {
        if (pr.match < base && snap.index() - pr.match <= retainEntries) base = pr.match;
      }
    }
    if (base <= logBase) return;
    long baseTerm = termAt(base);
    baseMembership = membershipAt(base);
    log.subList(0, (int) (base - logBase)).clear();
    membershipEntries.headMap(base, true).clear();
    logBase = base;
    logBaseTerm = baseTerm;
  }

  /**
   * One chunk of the snapshot to a follower, the next once the last was acknowledged. An archive is
   * first offered (its table, {@link Message#reject} set) unless its format is sent whole; the chunks
   * then carry the delta the follower's answer asks for.
   */
  private void sendSnapshot(int peer, Progress pr) {
    if (snapshot == null) throw new IllegalStateException("log starts after " + logBase + " but there is no snapshot");
    // a transfer under way keeps its snapshot; one not yet started (or back at its start) takes the newest
    if (pr.sending == null || (pr.snapshotOffset == 0 && pr.sending.index() != snapshot.index())) {
      if (pr.snapshotStartTick < 0) pr.snapshotStartTick = tick;
      pr.sending = snapshot;
      pr.snapshotOffset = 0;
      pr.payload = null;
      pr.paused = false;
    }
    pr.probe = true;
    if (pr.paused) return;
    Snapshot sending = pr.sending;
    if (pr.payload == null) {
      byte[] offer = cfg.wal().snapshots().format() == WalConfig.SnapshotPolicy.Format.INCREMENTAL && !cfg.has(Bug.TRUNCATE_COMMITTED)
          ? SnapshotArchive.offer(sending) : null;
      if (offer != null) {
        immediate.add(new Message(Type.SNAPSHOT, cfg.id(), peer, term, sending.term(), sending.index(), List.of(), 0, true, 0,
            sending.bytes().length, offer));
        pr.paused = true;
        return;
      }
      // the planted bug: the follower is moved past the entries it lacks without the state they built
      pr.payload = cfg.has(Bug.TRUNCATE_COMMITTED)
          ? SnapshotFile.encode(sending.index(), sending.term(), KvStateMachine.emptyState(sending.index())).bytes() : sending.bytes();
    }
    byte[] all = pr.payload;
    int off = (int) Math.min(pr.snapshotOffset, all.length);
    byte[] chunk = java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + SNAPSHOT_CHUNK_BYTES));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(chunk);
    immediate.add(new Message(Type.SNAPSHOT, cfg.id(), peer, term, sending.term(), sending.index(), List.of(), crc.getValue(), false,
        off, all.length, chunk));
    pr.paused = true;
  }

  private void handleSnapshotResp(Message m) {
    Progress pr = progress.get(m.from());
    if (pr == null) return;
    pr.recentActive = true;
    if (m.reject()) {
      if (pr.sending == null || m.index() != pr.sending.index() || m.logTerm() != pr.sending.term()) return;
      if (m.data().length > 0) {
        // the answer to an offer: send what the follower lacks (a second answer to the same offer changes nothing)
        if (pr.payload != null) return;
        pr.payload = SnapshotArchive.delta(pr.sending, m.data());
      } else {
        // the follower cannot use what it was sent (a delta of files it no longer holds): offer again
        pr.payload = null;
      }
      pr.snapshotOffset = 0;
      pr.paused = false;
      pr.lastProgressTick = tick;
      sendAppend(m.from());
      return;
    }
    if (m.hint() >= m.round()) {
      // installed (or already covered by the follower's commit index)
      if (m.index() > pr.match) {
        pr.match = m.index();
        pr.lastProgressTick = tick;
      }
      pr.becomeProbe(Math.max(pr.next, pr.match + 1));
      pr.endTransfer();
      if (pr.snapshotStartTick >= 0) {
        snapshotsSent++;
        catchUpTicksLast = tick - pr.snapshotStartTick;
        pr.snapshotStartTick = -1;
      }
      maybeCommit();
      if (role == Role.LEADER) sendAppend(m.from());
      return;
    }
    if (pr.sending == null || pr.payload == null || m.index() != pr.sending.index()) return;
    // The follower holds exactly what the chunk in flight starts from: an answer to a duplicate (a chunk
    // sent again on a heartbeat response). Sending on it too would start a second chain of chunks, and
    // every heartbeat another: a large transfer then drowns in copies of itself.
    if (pr.paused && m.hint() == pr.snapshotOffset) return;
    pr.snapshotOffset = m.hint();
    pr.paused = false;
    pr.lastProgressTick = tick;
    sendAppend(m.from());
  }

  private void handleSnapshot(Message m) {
    leader = m.from();
    lastLeaderContactTick = tick;
    electionElapsed = 0;
    long total = m.round();
    Message resp = new Message(Type.SNAPSHOT_RESP, cfg.id(), m.from(), term, m.logTerm(), m.index(), List.of(), 0, false, 0, total);
    if (m.index() <= commit) {
      afterPersist.add(resp.withReject(false, total));
      return;
    }
    if (m.reject()) {
      // an archive's offer: answer which of its files this node's own snapshot holds
      afterPersist.add(new Message(Type.SNAPSHOT_RESP, cfg.id(), m.from(), term, m.logTerm(), m.index(), List.of(), 0, true, 0, total,
          receiver.answerOffer(m, snapshot)));
      return;
    }
    SnapshotReceiver.Outcome o = receiver.chunk(m, SNAPSHOT_BYTES_MAX);
    if (o.snapshot() != null) install(o.snapshot());
    afterPersist.add(resp.withReject(o.reject(), o.hint()));
  }

  /** Restarts the log after {@code snap}: kept when the entry at its index matches, else discarded. */
  private void install(Snapshot snap) {
    long s = snap.index();
    Membership inSnapshot = KvStateMachine.membershipIn(SnapshotFile.state(snap));
    if (inSnapshot == null) inSnapshot = s >= logBase && s <= lastIndex() ? membershipAt(s) : Membership.ofVoters(cfg.peers());
    if (s < lastIndex() && termAt(s) == snap.term()) {
      log.subList(0, (int) (s - logBase)).clear();
      membershipEntries.headMap(s, true).clear();
    } else {
      log.clear();
      membershipEntries.clear();
    }
    baseMembership = inSnapshot;
    logBase = s;
    logBaseTerm = snap.term();
    membership = membershipAt(lastIndex());
    snapshot = snap;
    snapshotToInstall = snap;
    snapshotsInstalled++;
    commit = Math.max(commit, s);
    appliedHandedOut = s;
    // the kept entries are written again after the snapshot, so the WAL's restart after it holds them
    handedOutIndex = s;
    stableIndex = Math.min(stableIndex, s);
  }

  private void maybeCommit() {
    long q = membership.quorumValue(id -> id == cfg.id() ? stableIndex : progress.containsKey(id) ? progress.get(id).match : 0);
    if (q > commit && (termAt(q) == term || cfg.has(Bug.COMMIT_PRIOR_TERM))) {
      boolean firstInTerm = termAt(commit) != term;
      commit = q;
      if (firstInTerm && termAt(commit) == term) {
        while (!readsAwaitingCommit.isEmpty()) startRead(readsAwaitingCommit.poll());
      }
      for (Map.Entry<Integer, Progress> e : progress.entrySet()) {
        immediate.add(heartbeat(e.getKey(), e.getValue(), round));
      }
      afterCommit();
    }
  }

  /**
   * As leader, once the configuration entry committed: from a joint configuration on to C_new; out of
   * C_new, step down (thesis §4.2.2), handing over to the voter with the longest log when it holds the
   * whole log (as a transfer would), so that the cluster need not wait an election timeout. Both wait
   * for the leader's no-op, like every configuration change.
   */
  private void afterCommit() {
    if (membershipIndex() > commit || termAt(commit) != term) return;
    if (membership.joint()) {
      appendAsLeader(membership.leaveJoint().encode());
    } else if (!membership.isVoter(cfg.id())) {
      int successor = 0;
      for (int v : membership.voters()) {
        Progress pr = progress.get(v);
        if (pr != null && pr.match == lastIndex() && successor == 0) successor = v;
      }
      if (successor != 0) sendTimeoutNow(successor);
      becomeFollower(term, 0);
    }
  }

  // ---- reads

  private void startRead(long requestId) {
    if (cfg.readMode() == RaftConfig.ReadMode.LEASE && leaseValid()) {
      readStates.add(new ReadState(requestId, commit));
      return;
    }
    if (pendingReads.size() >= cfg.pendingReadsMax()) {
      readStates.add(new ReadState(requestId, -1));
      return;
    }
    long index = commit;
    broadcastHeartbeat();
    pendingReads.add(new long[] {requestId, index, round});
    releaseReads();
  }

  private boolean leaseValid() {
    return !leaseRevoked && leaseStartTick != Long.MIN_VALUE && tick < leaseStartTick + cfg.leaseTicks();
  }

  private Message heartbeat(int peer, Progress pr, long r) {
    return new Message(Type.HEARTBEAT, cfg.id(), peer, term, 0, 0, List.of(), Math.min(pr.match, commit), false, 0, r);
  }

  private void broadcastHeartbeat() {
    round++;
    roundTicks.add(new long[] {round, tick});
    if (roundTicks.size() > ROUNDS_REMEMBERED_MAX) roundTicks.pollFirst();
    for (Map.Entry<Integer, Progress> e : progress.entrySet()) immediate.add(heartbeat(e.getKey(), e.getValue(), round));
  }

  /** Answers the reads whose heartbeat round a majority acknowledged, and extends the lease. */
  private void releaseReads() {
    long quorumRound = membership.quorumValue(id -> id == cfg.id() ? round : ackedRound.getOrDefault(id, 0L));
    while (!roundTicks.isEmpty() && roundTicks.peekFirst()[0] < quorumRound) roundTicks.pollFirst();
    if (!roundTicks.isEmpty() && roundTicks.peekFirst()[0] == quorumRound) leaseStartTick = roundTicks.peekFirst()[1];
    while (!pendingReads.isEmpty() && pendingReads.peekFirst()[2] <= quorumRound) {
      long[] r = pendingReads.pollFirst();
      readStates.add(new ReadState(r[0], r[1]));
    }
  }
}
