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
 *
 * <p>Snapshots (paper §7): the driver takes a snapshot of its applied state and hands it over with
 * {@link #compact}; the log then starts after {@link #logBase()} (never past the commit index or what
 * was handed out for applying). A leader keeps up to {@code retainEntries} below the snapshot for
 * followers that lag by less. A follower whose next entry is below the log's start gets the snapshot
 * in chunks of {@value #SNAPSHOT_CHUNK_BYTES} bytes, one in flight, each with a CRC32C; it answers
 * with the bytes it holds, so a lost chunk or a new leader resumes from there, and a different
 * snapshot restarts the transfer. A complete snapshot is checked (its own CRC) and installed: older
 * than the follower's commit index it is only acknowledged; otherwise the log is kept after it when
 * the entry at its index matches, else discarded (also when the snapshot lies beyond the log's end).
 */
public final class RaftCore {
  public enum Role { FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER }

  /** Heartbeat rounds remembered for leases; older ones are forgotten (the lease lapses, which is safe). */
  static final int ROUNDS_REMEMBERED_MAX = 1024;
  /** InstallSnapshot chunk size. */
  static final int SNAPSHOT_CHUNK_BYTES = 64 << 10;
  /** A snapshot larger than this is refused by a follower. */
  static final long SNAPSHOT_BYTES_MAX = 1L << 30;

  private final RaftConfig cfg;
  private final Random rng;
  private final int quorum;
  /** Entries logBase + 1 .. lastIndex(). */
  private final List<Entry> log = new ArrayList<>();
  private long logBase;
  private long logBaseTerm;
  /** The newest snapshot (sent to followers behind the log's start), or null. */
  private Snapshot snapshot;
  private Snapshot snapshotToInstall;
  private long receivingIndex = -1;
  private long receivingTerm;
  private java.io.ByteArrayOutputStream receiving;
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
    /** Index of the snapshot being sent, -1 when none; and the bytes the follower holds. */
    long snapshotIndex = -1;
    long snapshotOffset;
    /** When the follower was first sent a snapshot in its current catch-up, -1 when none. */
    long snapshotStartTick = -1;
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
    this(cfg, hardState, null, entries, rng);
  }

  /**
   * A node starting from its newest snapshot (null when none; the state machine was restored from it)
   * and the entries after it.
   */
  public RaftCore(RaftConfig cfg, HardState hardState, Snapshot snap, List<Entry> entries, Random rng) {
    this.cfg = cfg;
    this.rng = rng;
    this.quorum = cfg.peers().size() / 2 + 1;
    if (snap != null) {
      snapshot = snap;
      logBase = snap.index();
      logBaseTerm = snap.term();
    }
    for (Entry e : entries) {
      if (e.index() != lastIndex() + 1) throw new IllegalArgumentException("log not contiguous at " + e + " after " + lastIndex());
      if (e.term() < termAt(lastIndex())) throw new IllegalArgumentException("log terms decrease at " + e);
      log.add(e);
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
  /** As leader: followers brought up to date with a snapshot. */
  public long snapshotsSent() { return snapshotsSent; }
  /** As leader: ticks from sending the last such follower its snapshot's first chunk to its acknowledgement of the install. */
  public long catchUpTicksLast() { return catchUpTicksLast; }
  public long stableIndex() { return stableIndex; }
  public HardState hardState() { return new HardState(term, vote, commit); }

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
    if (index <= commit) throw new IllegalStateException("node " + cfg.id() + ": truncating at " + index + ", at or below commit " + commit);
    log.subList((int) (index - logBase) - 1, log.size()).clear();
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
      pr.snapshotIndex = -1;
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
    log.subList(0, (int) (base - logBase)).clear();
    logBase = base;
    logBaseTerm = baseTerm;
  }

  /** One chunk of the snapshot to a follower, the next once the last was acknowledged. */
  private void sendSnapshot(int peer, Progress pr) {
    if (snapshot == null) throw new IllegalStateException("log starts after " + logBase + " but there is no snapshot");
    byte[] all = snapshot.bytes();
    if (cfg.has(Bug.TRUNCATE_COMMITTED)) {
      // the planted bug: the follower is moved past the entries it lacks without the state they built
      all = SnapshotFile.encode(snapshot.index(), snapshot.term(), KvStateMachine.emptyState(snapshot.index())).bytes();
    }
    if (pr.snapshotIndex != snapshot.index()) {
      if (pr.snapshotStartTick < 0) pr.snapshotStartTick = tick;
      pr.snapshotIndex = snapshot.index();
      pr.snapshotOffset = 0;
      pr.paused = false;
    }
    pr.probe = true;
    if (pr.paused) return;
    int off = (int) Math.min(pr.snapshotOffset, all.length);
    byte[] chunk = java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + SNAPSHOT_CHUNK_BYTES));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(chunk);
    immediate.add(new Message(Type.SNAPSHOT, cfg.id(), peer, term, snapshot.term(), snapshot.index(), List.of(), crc.getValue(), false,
        off, all.length, chunk));
    pr.paused = true;
  }

  private void handleSnapshotResp(Message m) {
    Progress pr = progress.get(m.from());
    pr.recentActive = true;
    if (m.hint() >= m.round()) {
      // installed (or already covered by the follower's commit index)
      if (m.index() > pr.match) {
        pr.match = m.index();
        pr.lastProgressTick = tick;
      }
      pr.becomeProbe(Math.max(pr.next, pr.match + 1));
      pr.snapshotIndex = -1;
      if (pr.snapshotStartTick >= 0) {
        snapshotsSent++;
        catchUpTicksLast = tick - pr.snapshotStartTick;
        pr.snapshotStartTick = -1;
      }
      maybeCommit();
      sendAppend(m.from());
      return;
    }
    if (snapshot == null || m.index() != pr.snapshotIndex) return;
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
    if (total < 1 || total > SNAPSHOT_BYTES_MAX) {
      afterPersist.add(resp.withReject(true, 0));
      return;
    }
    if (receivingIndex != m.index() || receivingTerm != m.logTerm()) {
      if (m.hint() != 0) {
        afterPersist.add(resp.withReject(false, 0));
        return;
      }
      receivingIndex = m.index();
      receivingTerm = m.logTerm();
      receiving = new java.io.ByteArrayOutputStream();
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(m.data());
    if (m.hint() != receiving.size() || crc.getValue() != m.commit() || receiving.size() + m.data().length > total) {
      afterPersist.add(resp.withReject(false, receiving.size()));
      return;
    }
    receiving.write(m.data(), 0, m.data().length);
    if (receiving.size() < total) {
      afterPersist.add(resp.withReject(false, receiving.size()));
      return;
    }
    byte[] bytes = receiving.toByteArray();
    receiving = null;
    receivingIndex = -1;
    String[] problem = new String[1];
    Snapshot snap = SnapshotFile.decode(bytes, problem);
    if (snap == null || snap.index() != m.index() || snap.term() != m.logTerm()) {
      afterPersist.add(resp.withReject(false, 0));
      return;
    }
    install(snap);
    afterPersist.add(resp.withReject(false, total));
  }

  /** Restarts the log after {@code snap}: kept when the entry at its index matches, else discarded. */
  private void install(Snapshot snap) {
    long s = snap.index();
    if (s < lastIndex() && termAt(s) == snap.term()) {
      log.subList(0, (int) (s - logBase)).clear();
    } else {
      log.clear();
    }
    logBase = s;
    logBaseTerm = snap.term();
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
