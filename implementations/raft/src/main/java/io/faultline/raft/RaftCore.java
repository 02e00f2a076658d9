package io.faultline.raft;

import io.faultline.raft.Message.Type;
import io.faultline.runtime.Random;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
public final class RaftCore {
  public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }

  /** Heartbeat rounds remembered for leases; older ones are forgotten (the lease lapses, which is safe). */
  static final int ROUNDS_REMEMBERED_MAX = 1024;

  private final RaftConfig cfg;
  private final Random rng;
  private final int quorum;
  private final List<Entry> log = new ArrayList<>();
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
    final ArrayDeque<long[]> inflight = new ArrayDeque<>();
    long inflightBytes;

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
    this.cfg = cfg;
    this.rng = rng;
    this.quorum = cfg.peers().size() / 2 + 1;
    for (Entry e : entries) {
      if (e.index() != log.size() + 1) throw new IllegalArgumentException("log not contiguous at " + e);
      if (!log.isEmpty() && e.term() < log.get(log.size() - 1).term()) throw new IllegalArgumentException("log terms decrease at " + e);
      log.add(e);
    }
    this.term = hardState.term();
    this.vote = hardState.vote();
    this.commit = Math.min(hardState.commit(), lastIndex());
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
  public long lastIndex() { return log.size(); }
  public long stableIndex() { return stableIndex; }
  public HardState hardState() { return new HardState(term, vote, commit); }

  /** Term of the entry at {@code index}; 0 for index 0 or beyond the end. */
  public long termAt(long index) {
    return index < 1 || index > log.size() ? 0 : log.get((int) index - 1).term();
  }

  public Entry entryAt(long index) { return log.get((int) index - 1); }

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
          int active = 1;
          for (Progress pr : progress.values()) if (pr.recentActive) active++;
          if (active < quorum) {
            becomeFollower(term, 0);
            return;
          }
          for (Progress pr : progress.values()) pr.recentActive = false;
        }
      }
      if (heartbeatElapsed >= cfg.heartbeatTicks()) {
        heartbeatElapsed = 0;
        broadcastHeartbeat();
      }
    } else {
      electionElapsed++;
      if (role == Role.CANDIDATE && electionElapsed % cfg.heartbeatTicks() == 0) {
        // paper §5.1: RPCs are retried when no response comes in time
        for (int p : cfg.peers()) {
          if (p != cfg.id() && !votes.containsKey(p)) afterPersist.add(voteRequest(Type.VOTE, p, term));
        }
      }
      if (electionElapsed >= randomizedTimeout) {
        electionElapsed = 0;
        campaign(cfg.preVote());
      }
    }
  }

  /** Appends a command; returns its index, or -1 when this node is not leader or too much is uncommitted. */
  public long propose(byte[] data) {
    if (role != Role.LEADER || lastIndex() - commit >= cfg.uncommittedEntriesMax()) return -1;
    log.add(new Entry(term, lastIndex() + 1, data.clone()));
    for (int p : progress.keySet()) sendAppend(p);
    return lastIndex();
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
    if (!progressKnown(m.from())) return;
    if (m.term() > term) {
      if (m.type() == Type.PRE_VOTE || (m.type() == Type.PRE_VOTE_RESP && !m.reject())) {
        // pre-votes carry the term their sender would campaign in; they change no term
      } else if (m.type() == Type.VOTE && inLease()) {
        return;
      } else {
        becomeFollower(m.term(), m.type() == Type.APPEND || m.type() == Type.HEARTBEAT ? m.from() : 0);
      }
    } else if (m.term() < term) {
      if ((m.type() == Type.APPEND || m.type() == Type.HEARTBEAT) && (cfg.checkQuorum() || cfg.preVote())) {
        afterPersist.add(Message.of(Type.APPEND_RESP, cfg.id(), m.from(), term));
      } else if (m.type() == Type.PRE_VOTE) {
        afterPersist.add(Message.of(Type.PRE_VOTE_RESP, cfg.id(), m.from(), term).withReject(true, 0));
      }
      return;
    }
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
      case HEARTBEAT_RESP:
        if (role == Role.LEADER) handleHeartbeatResp(m);
        break;
      default:
        throw new IllegalStateException("unknown message type " + m.type());
    }
  }

  private boolean progressKnown(int from) { return from != cfg.id() && cfg.peers().contains(from); }

  // ---- outputs

  /** Leader messages that may go out at once, before the leader's own log is durable. */
  public List<Message> takeImmediate() {
    if (immediate.isEmpty()) return List.of();
    List<Message> out = new ArrayList<>(immediate);
    immediate.clear();
    return out;
  }

  public boolean hasReady() {
    return !afterPersist.isEmpty() || !readStates.isEmpty() || lastIndex() > handedOutIndex
        || commit > appliedHandedOut || !hardState().equals(handedOutHardState);
  }

  /** The next batch; call {@link #advance} after persisting it, before asking for the next one. */
  public Ready ready() {
    HardState hs = hardState();
    HardState changed = hs.equals(handedOutHardState) ? null : hs;
    handedOutHardState = hs;
    List<Entry> entries = new ArrayList<>(log.subList((int) handedOutIndex, log.size()));
    handedOutIndex = lastIndex();
    List<Entry> committed = new ArrayList<>(log.subList((int) appliedHandedOut, (int) commit));
    appliedHandedOut = commit;
    Ready rd = new Ready(changed, entries, afterPersist, committed, readStates);
    afterPersist.clear();
    readStates.clear();
    return rd;
  }

  /** The Ready's hard state and entries are durable. */
  public void advance(Ready rd) {
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
  }

  private void campaign(boolean pre) {
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
    if (votes.size() >= quorum) {
      if (pre) campaign(false);
      else becomeLeader();
      return;
    }
    for (int p : cfg.peers()) {
      if (p == cfg.id()) continue;
      afterPersist.add(voteRequest(pre ? Type.PRE_VOTE : Type.VOTE, p, requestTerm));
    }
  }

  private Message voteRequest(Type type, int peer, long requestTerm) {
    return Message.of(type, cfg.id(), peer, requestTerm).withLog(termAt(lastIndex()), lastIndex());
  }

  private void handleVote(Message m) {
    boolean pre = m.type() == Type.PRE_VOTE;
    boolean canVote = pre
        ? m.term() > term && !inLease()
        : vote == m.from() || (vote == 0 && leader == 0);
    long lastTerm = termAt(lastIndex());
    boolean upToDate = m.logTerm() > lastTerm || (m.logTerm() == lastTerm && m.index() >= lastIndex());
    boolean grant = canVote && upToDate;
    if (grant && !pre) {
      vote = m.from();
      resetElectionTimer();
    }
    Type resp = pre ? Type.PRE_VOTE_RESP : Type.VOTE_RESP;
    afterPersist.add(Message.of(resp, cfg.id(), m.from(), grant && pre ? m.term() : term).withReject(!grant, 0));
  }

  private void tally(Message m) {
    votes.putIfAbsent(m.from(), !m.reject());
    int granted = 0;
    int rejected = 0;
    for (boolean g : votes.values()) {
      if (g) granted++;
      else rejected++;
    }
    if (granted >= quorum) {
      if (role == Role.PRE_CANDIDATE) campaign(false);
      else becomeLeader();
    } else if (rejected >= quorum) {
      becomeFollower(term, 0);
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leader = cfg.id();
    heartbeatElapsed = 0;
    electionElapsed = 0;
    progress.clear();
    for (int p : cfg.peers()) {
      if (p == cfg.id()) continue;
      Progress pr = new Progress();
      pr.next = lastIndex() + 1;
      pr.lastProgressTick = tick;
      progress.put(p, pr);
    }
    log.add(new Entry(term, lastIndex() + 1, new byte[0]));
    for (int p : progress.keySet()) sendAppend(p);
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
        log.add(e);
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
    log.subList((int) index - 1, log.size()).clear();
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
    sendAppend(m.from());
  }

  private void handleHeartbeatResp(Message m) {
    Progress pr = progress.get(m.from());
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
    while (true) {
      if (pr.probe ? pr.paused : pr.inflight.size() >= cfg.inflightMsgsMax() || pr.inflightBytes >= cfg.inflightBytesMax()) return;
      if (!pr.probe && pr.next > lastIndex()) return;
      long prev = pr.next - 1;
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

  private void maybeCommit() {
    long[] matches = new long[cfg.peers().size()];
    int n = 0;
    matches[n++] = stableIndex;
    for (Progress pr : progress.values()) matches[n++] = pr.match;
    Arrays.sort(matches);
    long q = matches[matches.length - quorum];
    if (q > commit && (termAt(q) == term || cfg.has(Bug.COMMIT_PRIOR_TERM))) {
      boolean firstInTerm = termAt(commit) != term;
      commit = q;
      if (firstInTerm && termAt(commit) == term) {
        while (!readsAwaitingCommit.isEmpty()) startRead(readsAwaitingCommit.poll());
      }
      for (Map.Entry<Integer, Progress> e : progress.entrySet()) {
        immediate.add(heartbeat(e.getKey(), e.getValue(), round));
      }
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
    return leaseStartTick != Long.MIN_VALUE && tick < leaseStartTick + cfg.leaseTicks();
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
    long[] acked = new long[cfg.peers().size()];
    int n = 0;
    acked[n++] = round;
    for (int p : progress.keySet()) acked[n++] = ackedRound.getOrDefault(p, 0L);
    Arrays.sort(acked);
    long quorumRound = acked[acked.length - quorum];
    while (!roundTicks.isEmpty() && roundTicks.peekFirst()[0] < quorumRound) roundTicks.pollFirst();
    if (!roundTicks.isEmpty() && roundTicks.peekFirst()[0] == quorumRound) leaseStartTick = roundTicks.peekFirst()[1];
    while (!pendingReads.isEmpty() && pendingReads.peekFirst()[2] <= quorumRound) {
      long[] r = pendingReads.pollFirst();
      readStates.add(new ReadState(r[0], r[1]));
    }
  }
}
