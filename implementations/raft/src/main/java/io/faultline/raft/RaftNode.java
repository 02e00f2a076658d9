package io.faultline.raft;

import io.faultline.runtime.Env;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import io.faultline.raft.mvcc.MemoryEngine;
import io.faultline.raft.mvcc.TxnCodec;
import io.faultline.raft.mvcc.TxnEntry;
import io.faultline.raft.mvcc.TxnResult;
import io.faultline.raft.mvcc.VersionCompactedException;
import io.faultline.raft.mvcc.Versioned;

/**
 * Drives a {@link RaftCore} on an {@link Env}: ticks from a timer, messages from the transport, the log
 * in a write-ahead log ({@link Wal}) with term and vote beside it ({@link HardStateFile}), a
 * {@link KvStateMachine}, and the client protocol ({@link ClientRequest} / {@link ClientReply}). All I/O
 * of the Raft node is here; the core has none.
 *
 * <p>One Ready at a time: its entries and commit index are appended to the WAL as one batch (group
 * commit), a changed term or vote replaces the hard-state file, and only once both are durable are its
 * messages sent and its entries applied; meanwhile the core keeps stepping, and the leader's APPENDs go
 * out at once. (Under the WAL's unsafe {@code INTERVAL} policy the batch counts as durable once
 * written; term and vote are still synced first.) A client's write is answered by the node that
 * received it, when it applies the entry of that (client, seq); a retry that finds the session already
 * past it gets the remembered result.
 *
 * <p>Snapshots ({@link WalConfig.SnapshotPolicy}): after applying, when the policy says so, the state
 * machine's state is copied (on the event thread, deterministic) and written as a {@link SnapshotFile}
 * in the background — fsync, rename, directory fsync, while the node goes on serving writes; once
 * durable the core compacts its log, the WAL deletes the segments below, and older snapshot files go.
 * A snapshot installed from the leader is made durable before its Ready's WAL batch, which restarts the
 * log after it. At start the newest snapshot is restored, then the WAL's entries after it replayed.
 */
public final class RaftNode {
  /** Sees each entry as the node applies it (the simulator's state-machine-safety check). */
  public interface ApplyListener {
    void onApply(int node, Entry entry);
  }

  /**
   * The single log file of before the WAL; no longer written. Kept for callers not yet moved to
   * {@link #newestSegment(Path)}.
   */
  public static final String LOG_FILE = "raft.log";
  /** Client requests waiting for their entry or read, per node. */
  static final int PENDING_CLIENT_REQUESTS_MAX = 10_000;
  static final int SESSIONS_MAX = 10_000;
  /**
   * Old versions are kept for reads at a version or timestamp this many entries back; older ones are
   * compacted before each snapshot (reads below the horizon are refused, never answered from what is left).
   */
  static final long VERSIONS_RETAIN_ENTRIES = 100_000;

  private final Env<Wire> env;
  private final RaftConfig cfg;
  private final long tickNs;
  private final ApplyListener listener;
  private final KvStateMachine sm;
  private RaftCore core;
  private String quarantine;
  private Wal wal;
  private boolean persisting;
  private int persistsOutstanding;
  private HardState durableHardState = HardState.INITIAL;
  /** The hard state last handed to storage (term and vote in its file, commit in the WAL). */
  private HardState writtenHardState = HardState.INITIAL;
  private record PendingWrite(String from, long requestId) {}

  /** A read waiting for its barrier: one key's newest value ({@code multi} null) or a {@link ReadRequest}. */
  private record PendingRead(String from, long requestId, String key, ReadRequest multi) {}

  /** After a snapshot could not be taken (its checkpoint not written), the next try waits this long. */
  static final long SNAPSHOT_RETRY_NS = 1_000_000_000L;
  private final Consumer<String> log;
  private long snapshotFailedAtNs;
  private boolean snapshotWriting;
  private long snapshotIndex;
  private long snapshotAtNs;
  private long snapshotWalBytes;
  private long snapshotsTaken;
  private volatile long snapshotsTakenSeen;
  private volatile long snapshotLastDurationNs;
  private volatile long snapshotLastBytes;
  private volatile long snapshotInstalledLastBytes;
  private volatile long snapshotReceivedLastBytes;
  private volatile long snapshotsInstalledByDelta;
  private volatile long snapshotsInstalled;
  private volatile long walSegmentsDeleted;
  private volatile long snapshotsSentSeen;
  private volatile long catchUpNsLast;
  private final Map<List<Long>, PendingWrite> pendingWrites = new LinkedHashMap<>();
  private final Map<Long, PendingRead> pendingReads = new LinkedHashMap<>();
  private final TreeMap<Long, List<Long>> readsAwaitingApply = new TreeMap<>();
  private long nextReadId;
  /** Learners this leader promotes once they have caught up: node id → the voter it replaces (0 none). */
  private final Map<Integer, Promotion> promotions = new LinkedHashMap<>();

  /** A learner to promote by {@code deadlineTick}, replacing voter {@code replaces} (0: none) in the same joint change. */
  private record Promotion(int replaces, long deadlineTick) {}

  /** How long a learner may take to catch up before its promotion is given up (the caller may ask again). */
  static final long PROMOTION_TICKS_MAX = 600;
  static final int PROMOTIONS_MAX = 16;
  private long ticks;

  /** Boots the node: loads its hard state and log, then starts ticking and serving. Reports go to stderr. */
  public RaftNode(Env<Wire> env, RaftConfig cfg, long tickNs, ApplyListener listener) {
    this(env, cfg, tickNs, listener, System.err::println);
  }

  /**
   * Boots the node: loads its hard state and log (repairing a torn tail, reported to {@code log}), then
   * starts ticking and serving. A log damaged before its tail leaves the node down, with
   * {@link #quarantine()} saying which file and offset.
   */
  public RaftNode(Env<Wire> env, RaftConfig cfg, long tickNs, ApplyListener listener, Consumer<String> log) {
    this(env, cfg, tickNs, listener, log, MemoryEngine::new);
  }

  /**
   * {@link #RaftNode(Env, RaftConfig, long, ApplyListener, Consumer)} with the state machine's engine
   * from {@code engines}: a fresh, empty one now and at every snapshot restore (RocksDB on a real node).
   */
  public RaftNode(Env<Wire> env, RaftConfig cfg, long tickNs, ApplyListener listener, Consumer<String> log, KvStateMachine.Engines engines) {
    if (tickNs < 1) throw new IllegalArgumentException("tickNs must be >= 1, got " + tickNs);
    this.log = log;
    this.sm = new KvStateMachine(engines, cfg.wal().snapshots().format() != WalConfig.SnapshotPolicy.Format.LOGICAL, SESSIONS_MAX,
        cfg.has(Bug.MVCC_SKIP_CONFLICT_CHECK));
    this.env = env;
    this.cfg = cfg;
    this.tickNs = tickNs;
    this.listener = listener;
    HardState hs;
    Snapshot snap;
    List<Entry> entries;
    try {
      hs = HardStateFile.load(env.storage());
      snap = SnapshotFile.loadNewest(env.storage());
      wal = Wal.open(env.storage(), env.timers(), cfg.wal(), log);
      entries = entriesAfter(snap, wal);
      if (snap != null) sm.restore(SnapshotFile.state(snap));
    } catch (WalCorruptException e) {
      quarantine = e.getMessage();
      log.accept("faultline: " + env.nodeName() + " " + quarantine);
      return;
    }
    long snapIndex = snap == null ? 0 : snap.index();
    snapshotIndex = snapIndex;
    snapshotAtNs = env.clock().monotonicNs();
    snapshotWalBytes = wal.bytes();
    hs = new HardState(hs.term(), hs.vote(), Math.max(snapIndex, Math.max(hs.commit(), wal.recoveredCommit())));
    durableHardState = hs;
    writtenHardState = hs;
    if (cfg.has(Bug.VOTE_TWICE)) hs = new HardState(hs.term(), 0, hs.commit());
    start(hs, snap, entries);
  }

  /**
   * The WAL's entries after the snapshot: all of them after its index when the entry there matches its
   * term (or the log restarted right at it), none when the log ends before it or holds another term
   * there (entries a snapshot install replaced, the restart record lost in a crash).
   */
  private static List<Entry> entriesAfter(Snapshot snap, Wal wal) {
    List<Entry> all = wal.recoveredEntries();
    long base = wal.recoveredBase();
    if (snap == null) {
      if (base != 0) throw new WalCorruptException("wal", 0, "log starts after entry " + base + " but there is no snapshot");
      return all;
    }
    long s = snap.index();
    if (base > s) throw new WalCorruptException("wal", 0, "log starts after entry " + base + ", beyond snapshot " + s);
    long last = base + all.size();
    if (s > last) return List.of();
    if (s > base && all.get((int) (s - base) - 1).term() != snap.term()) return List.of();
    return all.subList((int) (s - base), all.size());
  }

  /** The newest WAL segment in a node's data directory, the one a torn write can hit (for the disk nemesis). */
  public static Optional<Path> newestSegment(Path dataDir) throws IOException { return Wal.newestSegment(dataDir); }

  private void start(HardState hs, Snapshot snap, List<Entry> entries) {
    core = new RaftCore(cfg, hs, snap, entries, env.random());
    env.transport().setHandler(this::onMessage);
    env.timers().schedule(tickNs, this::onTick);
  }

  /** The protocol state; null before the log is loaded or when the node refused to start. */
  public RaftCore core() { return core; }

  public KvStateMachine stateMachine() { return sm; }

  /** The hard state this node last made durable (as far as it knows: with raft.no-fsync, what it wrote). */
  public HardState durableHardState() { return durableHardState; }

  /** Why the node refused to start (corrupt log: names the file and offset), or null. */
  public String quarantine() { return quarantine; }

  /** Bytes of the WAL's segments (preallocated space included); 0 before it is open. Safe from any thread. */
  public long walBytes() { return wal == null ? 0 : wal.bytes(); }

  /** Torn tails truncated when this node's WAL was opened (0 or 1 per start). */
  public long walTornTailsTruncated() { return wal == null ? 0 : wal.tornTailsTruncated(); }

  /** The torn tail repaired at start (file, offset, bytes dropped), or null. */
  public Wal.TornTail walTornTail() { return wal == null ? null : wal.tornTail(); }

  public WalConfig.SyncPolicy walSyncPolicy() { return cfg.wal().sync(); }

  /** Snapshots this node took and made durable. Safe from any thread. */
  public long snapshotsTaken() { return snapshotsTakenSeen; }

  /** From copying the state to the snapshot's directory fsync, of the last snapshot taken. Safe from any thread. */
  public long snapshotLastDurationNs() { return snapshotLastDurationNs; }

  /** Bytes of the last snapshot taken or installed. Safe from any thread. */
  public long snapshotLastBytes() { return snapshotLastBytes; }

  /** Bytes of the last snapshot installed from a leader (0 before one). Safe from any thread. */
  public long snapshotInstalledLastBytes() { return snapshotInstalledLastBytes; }

  /** Bytes received for the last snapshot installed from a leader: all of it, or only the checkpoint files this node lacked. Safe from any thread. */
  public long snapshotReceivedLastBytes() { return snapshotReceivedLastBytes; }

  /** Snapshots installed from a leader of which only a delta (the chunks or files this node lacked) was received. Safe from any thread. */
  public long snapshotsInstalledByDelta() { return snapshotsInstalledByDelta; }

  /** Snapshots installed from a leader. Safe from any thread. */
  public long snapshotsInstalled() { return snapshotsInstalled; }

  /** As leader: followers brought up to date with a snapshot (this node's current term of leadership and before, since start). */
  public long snapshotsSent() { return snapshotsSentSeen; }

  /** As leader: from the first chunk of a follower's snapshot to its install, the last time (in ticks times the tick). */
  public long followerCatchUpNsLast() { return catchUpNsLast; }

  /** WAL segments deleted by compaction since start. Safe from any thread. */
  public long walSegmentsDeleted() { return walSegmentsDeleted; }

  /**
   * A configuration change or leader transfer asked of the core ({@code change} calls one of its
   * proposal methods), on the event thread; what it sends goes out at once, not at the next tick.
   */
  public Proposal change(java.util.function.Function<RaftCore, Proposal> change) {
    Proposal p = change.apply(core);
    pump();
    return p;
  }

  /**
   * Adds {@code id} as a learner and promotes it to voter once it has caught up, in the same joint change
   * removing voter {@code replaces} (0: none). The promotion is this leader's: it is given up when
   * leadership moves, or after {@link #PROMOTION_TICKS_MAX} ticks; {@link #promotionsPending()} says
   * which are left.
   */
  public Proposal addNode(int id, int replaces) {
    if (promotions.size() >= PROMOTIONS_MAX) {
      return Proposal.refused(Proposal.Refusal.MEMBERSHIP_CHANGE_IN_PROGRESS, PROMOTIONS_MAX + " promotions are pending already");
    }
    if (replaces != 0 && !core.membership().voters().contains(replaces)) {
      return Proposal.refused(Proposal.Refusal.INVALID, "node " + replaces + " is not a voter of " + core.membership());
    }
    if (core.membership().isVoter(id)) return Proposal.refused(Proposal.Refusal.INVALID, "node " + id + " is a voter already");
    Proposal p = core.membership().learners().contains(id) && core.isLeader() ? Proposal.accepted(Math.max(1, core.membershipIndex()))
        : core.addLearner(id);
    if (p.isAccepted()) promotions.put(id, new Promotion(replaces, ticks + PROMOTION_TICKS_MAX));
    pump();
    return p;
  }

  /** Learners awaiting promotion by this leader. */
  public java.util.Set<Integer> promotionsPending() { return java.util.Set.copyOf(promotions.keySet()); }

  private void promote() {
    if (!core.isLeader()) {
      promotions.clear();
      return;
    }
    for (java.util.Iterator<Map.Entry<Integer, Promotion>> it = promotions.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Integer, Promotion> e = it.next();
      int id = e.getKey();
      Promotion pr = e.getValue();
      if (ticks > pr.deadlineTick() || !core.membership().learners().contains(id) && !core.membership().isVoter(id)) {
        it.remove();
        continue;
      }
      if (core.membership().isVoter(id)) {
        it.remove();
        continue;
      }
      java.util.Set<Integer> voters = new java.util.TreeSet<>(core.membership().voters());
      voters.add(id);
      if (pr.replaces() != 0) voters.remove(pr.replaces());
      java.util.Set<Integer> learners = new java.util.TreeSet<>(core.membership().learners());
      learners.remove(id);
      Proposal p = core.proposeMembership(voters, learners);
      if (p.isAccepted() || p.refusal() == Proposal.Refusal.INVALID) it.remove();
      if (p.isAccepted()) return; // one change at a time
    }
  }

  private void onTick() {
    if (!core.isLeader()) pendingWrites.clear(); // their clients time out and retry elsewhere
    ticks++;
    if (!promotions.isEmpty()) promote();
    core.tick();
    pump();
    env.timers().schedule(tickNs, this::onTick);
  }

  private void onMessage(String from, Wire w) {
    if (w instanceof Message) {
      core.step((Message) w);
    } else if (w instanceof ClientRequest) {
      onClientRequest(from, (ClientRequest) w);
    } else if (w instanceof TxnRequest) {
      onTxnRequest(from, (TxnRequest) w);
    } else if (w instanceof ReadRequest) {
      onReadRequest(from, (ReadRequest) w);
    }
    pump();
  }

  private void onClientRequest(String from, ClientRequest r) {
    if (cfg.has(Bug.STALE_READ) && r.command().kind() == Command.Kind.READ) {
      reply(from, r.requestId(), ClientReply.Status.OK, sm.read(r.command().key()));
      return;
    }
    if (!core.isLeader()) {
      reply(from, r.requestId(), ClientReply.Status.NOT_LEADER, null);
      return;
    }
    if (pendingWrites.size() + pendingReads.size() >= PENDING_CLIENT_REQUESTS_MAX) {
      reply(from, r.requestId(), ClientReply.Status.BUSY, null);
      return;
    }
    Command c = r.command();
    if (c.kind() == Command.Kind.READ) {
      long id = ++nextReadId;
      pendingReads.put(id, new PendingRead(from, r.requestId(), c.key(), null));
      core.requestRead(id);
      return;
    }
    propose(from, r.requestId(), c.clientId(), c.seq(), c.encode());
  }

  private void onTxnRequest(String from, TxnRequest r) {
    if (refusedAsClientRequest(from, r.requestId())) return;
    propose(from, r.requestId(), r.entry().clientId(), r.entry().seq(), TxnCodec.encode(r.entry()));
  }

  private void onReadRequest(String from, ReadRequest r) {
    if (refusedAsClientRequest(from, r.requestId())) return;
    long id = ++nextReadId;
    pendingReads.put(id, new PendingRead(from, r.requestId(), null, r));
    core.requestRead(id);
  }

  /** Answers NOT_LEADER or BUSY for a request this node cannot take now; true when it did. */
  private boolean refusedAsClientRequest(String from, long requestId) {
    if (!core.isLeader()) {
      reply(from, requestId, ClientReply.Status.NOT_LEADER, null);
      return true;
    }
    if (pendingWrites.size() + pendingReads.size() >= PENDING_CLIENT_REQUESTS_MAX) {
      reply(from, requestId, ClientReply.Status.BUSY, null);
      return true;
    }
    return false;
  }

  /** Proposes a client's entry, stamped with this leader's wall clock; answered when it applies. */
  private void propose(String from, long requestId, long clientId, long seq, byte[] payload) {
    long hlcMs = Math.max(0, env.clock().wallNs() / 1_000_000);
    if (core.propose(Stamp.wrap(hlcMs, payload)) < 0) {
      reply(from, requestId, ClientReply.Status.BUSY, null);
      return;
    }
    pendingWrites.put(List.of(clientId, seq), new PendingWrite(from, requestId));
  }

  /** Moves work out of the core until it has none or waits for an fsync. */
  private void pump() {
    if (core.snapshotsSent() != snapshotsSentSeen) {
      snapshotsSentSeen = core.snapshotsSent();
      catchUpNsLast = core.catchUpTicksLast() * tickNs;
    }
    for (Message m : core.takeImmediate()) send(m);
    while (!persisting && core.hasReady()) {
      Ready rd = core.ready();
      if (!rd.needsPersist()) {
        finish(rd);
        continue;
      }
      if (persist(rd) > 0) break;
      if (rd.hardState() != null) durableHardState = rd.hardState();
      finish(rd);
    }
  }

  /**
   * Hands a Ready's entries and commit index to the WAL (one batch) and a changed term or vote to the
   * hard-state file; returns how many completions the Ready now waits for (0: act on it at once, as
   * under raft.no-fsync, which acknowledges appends and votes before the log is durable).
   */
  private int persist(Ready rd) {
    Snapshot snap = rd.snapshot();
    if (snap == null) return persistBatch(rd);
    persisting = true;
    persistsOutstanding = 1;
    SnapshotFile.write(env.storage(), snap, () -> {
      persistsOutstanding = 0;
      persisting = false;
      if (persistBatch(rd) == 0) {
        if (rd.hardState() != null) durableHardState = rd.hardState();
        finish(rd);
        pump();
      }
    });
    return 1;
  }

  private int persistBatch(Ready rd) {
    boolean sync = !cfg.has(Bug.NO_FSYNC);
    HardState hs = rd.hardState();
    long commit = hs != null && hs.commit() != writtenHardState.commit() ? hs.commit() : -1;
    boolean walWrite = !rd.entries().isEmpty() || commit >= 0 || rd.snapshot() != null;
    boolean hsWrite = hs != null && (hs.term() != writtenHardState.term() || hs.vote() != writtenHardState.vote());
    boolean waitWal = walWrite && sync && !wal.acknowledgesBeforeSync();
    boolean waitHs = hsWrite && sync;
    int waits = (waitWal ? 1 : 0) + (waitHs ? 1 : 0);
    Runnable done = () -> {
      if (--persistsOutstanding > 0) return;
      persisting = false;
      if (hs != null) durableHardState = hs;
      finish(rd);
      pump();
    };
    if (waits > 0) {
      persisting = true;
      persistsOutstanding = waits;
    }
    // The hard state first: its replacement takes two syncs in a row, the batch one.
    if (hsWrite) HardStateFile.write(env.storage(), hs, waitHs ? done : null);
    if (walWrite) wal.append(rd.snapshot(), rd.entries(), commit, sync, waitWal ? done : null);
    if (hs != null) writtenHardState = hs;
    return waits;
  }

  private void finish(Ready rd) {
    core.advance(rd);
    Snapshot snap = rd.snapshot();
    if (snap != null) {
      sm.restore(SnapshotFile.state(snap));
      snapshotsInstalled++;
      snapshotLastBytes = snap.bytes().length;
      snapshotInstalledLastBytes = snap.bytes().length;
      snapshotReceivedLastBytes = core.snapshotReceivedLastBytes();
      if (snapshotReceivedLastBytes < snap.bytes().length) snapshotsInstalledByDelta++;
      if (snap.index() > snapshotIndex) {
        snapshotIndex = snap.index();
        snapshotAtNs = env.clock().monotonicNs();
        snapshotWalBytes = wal.bytes();
        SnapshotFile.deleteOlder(env.storage(), snap.index());
        walSegmentsDeleted += wal.compact(core.logBase());
      }
    }
    for (Message m : rd.messages()) send(m);
    for (Entry e : rd.committed()) apply(e);
    maybeSnapshot();
    for (ReadState rs : rd.reads()) {
      if (rs.refused()) {
        PendingRead p = pendingReads.remove(rs.requestId());
        if (p != null) reply(p.from(), p.requestId(), ClientReply.Status.NOT_LEADER, null);
      } else {
        readsAwaitingApply.computeIfAbsent(rs.index(), k -> new ArrayList<>()).add(rs.requestId());
      }
    }
    serveReads();
    for (Message m : core.takeImmediate()) send(m);
  }

  private void apply(Entry e) {
    Object r = sm.applyEntry(e.index(), e.data());
    if (listener != null) listener.onApply(cfg.id(), e);
    if (r == null) return;
    byte[] payload = Stamp.payload(e.data());
    if (r instanceof TxnResult) {
      TxnEntry t = TxnCodec.decode(payload);
      PendingWrite p = pendingWrites.remove(List.of(t.clientId(), t.seq()));
      if (p != null) reply(p.from(), p.requestId(), ClientReply.Status.OK, r);
      return;
    }
    KvStateMachine.Result kv = (KvStateMachine.Result) r;
    Command c = Command.decode(payload);
    PendingWrite p = pendingWrites.remove(List.of(c.clientId(), c.seq()));
    if (p != null) reply(p.from(), p.requestId(), kv.ok() ? ClientReply.Status.OK : ClientReply.Status.CAS_FAILED, kv.value());
  }

  /** Takes a snapshot of the applied state when the policy says so and none is being written. */
  private void maybeSnapshot() {
    WalConfig.SnapshotPolicy p = cfg.wal().snapshots();
    if (!p.enabled() || snapshotWriting || quarantine != null) return;
    long applied = sm.appliedIndex();
    if (applied <= snapshotIndex || applied < core.logBase() || applied > core.commitIndex()) return;
    long now = env.clock().monotonicNs();
    boolean due = (p.entriesMax() > 0 && applied - snapshotIndex >= p.entriesMax())
        || (p.walBytesMax() > 0 && wal.bytes() - snapshotWalBytes >= p.walBytesMax())
        || (p.intervalMs() > 0 && now - snapshotAtNs >= p.intervalMs() * 1_000_000L)
        || (p.afterRotation() && wal.closedSegments() > 0 && snapshotIndex < wal.currentFirstIndex() - 1
            && applied >= wal.currentFirstIndex() - 1);
    if (!due) return;
    // versions no read may still need go first, so the snapshot does not carry them
    if (applied - VERSIONS_RETAIN_ENTRIES > sm.store().horizonIndex()) sm.store().compact(applied - VERSIONS_RETAIN_ENTRIES);
    if (snapshotFailedAtNs != 0 && now - snapshotFailedAtNs < SNAPSHOT_RETRY_NS) return;
    Snapshot snap;
    try {
      snap = SnapshotFile.encode(applied, core.termAt(applied), sm);
      snapshotFailedAtNs = 0;
    } catch (java.io.UncheckedIOException e) {
      // a checkpoint that cannot be written (a full disk): no snapshot this time, the log keeps growing meanwhile
      snapshotFailedAtNs = now;
      log.accept("faultline: " + env.nodeName() + " snapshot at " + applied + " failed, retrying in "
          + SNAPSHOT_RETRY_NS / 1_000_000 + " ms: " + e.getMessage());
      return;
    }
    snapshotWriting = true;
    RaftCore writer = core;
    SnapshotFile.write(env.storage(), snap, () -> {
      snapshotWriting = false;
      if (core != writer) return;
      long done = env.clock().monotonicNs();
      snapshotsTaken++;
      snapshotsTakenSeen = snapshotsTaken;
      snapshotLastDurationNs = done - now;
      snapshotLastBytes = snap.bytes().length;
      if (snap.index() <= snapshotIndex) return; // a newer one was installed meanwhile
      snapshotIndex = snap.index();
      snapshotAtNs = done;
      snapshotWalBytes = wal.bytes();
      core.compact(snap, p.retainEntries());
      SnapshotFile.deleteOlder(env.storage(), snap.index());
      walSegmentsDeleted += wal.compact(core.logBase());
    });
  }

  private void serveReads() {
    Iterator<Map.Entry<Long, List<Long>>> it = readsAwaitingApply.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<Long>> e = it.next();
      if (e.getKey() > sm.appliedIndex()) break;
      List<Long> later = new ArrayList<>();
      for (long id : e.getValue()) {
        PendingRead p = pendingReads.get(id);
        if (p == null) continue;
        if (p.multi() != null && p.multi().atIndex() > sm.appliedIndex()) {
          later.add(id); // asked for a version this node has not applied yet
          continue;
        }
        pendingReads.remove(id);
        if (p.multi() == null) {
          reply(p.from(), p.requestId(), ClientReply.Status.OK, sm.read(p.key()));
        } else {
          serveRead(p);
        }
      }
      it.remove();
      if (!later.isEmpty()) {
        long at = later.stream().mapToLong(id -> pendingReads.get(id).multi().atIndex()).min().getAsLong();
        readsAwaitingApply.computeIfAbsent(at, k -> new ArrayList<>()).addAll(later);
        it = readsAwaitingApply.entrySet().iterator();
      }
    }
  }

  /** Reads a {@link ReadRequest}'s keys at one version, past its barrier (and at or past its version). */
  private void serveRead(PendingRead p) {
    ReadRequest r = p.multi();
    List<TxnResult.Read> reads = new ArrayList<>();
    long version = r.atIndex() > 0 ? r.atIndex() : sm.appliedIndex();
    try {
      for (String key : r.keys()) {
        Versioned v = r.atHlcMs() > 0 ? sm.store().getAtTimestamp(key, r.atHlcMs()) : sm.store().get(key, version);
        reads.add(new TxnResult.Read(key, v.value(), v.modIndex()));
      }
    } catch (VersionCompactedException | IllegalArgumentException | IllegalStateException e) {
      reply(p.from(), p.requestId(), ClientReply.Status.REFUSED, e.getMessage());
      return;
    }
    reply(p.from(), p.requestId(), ClientReply.Status.OK, new ReadResult(r.atHlcMs() > 0 ? 0 : version, reads));
  }

  private void send(Message m) {
    env.transport().send(nodeName(m.to()), m);
  }

  private void reply(String to, long requestId, ClientReply.Status status, Object value) {
    env.transport().send(to, new ClientReply(requestId, status, value, core == null ? 0 : core.leaderId()));
  }

  /** Transport name of node {@code id}: {@code n<id>}. */
  public static String nodeName(int id) { return "n" + id; }
}
