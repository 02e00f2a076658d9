package io.faultline.raft;

import io.faultline.runtime.Env;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drives a {@link RaftCore} on an {@link Env}: ticks from a timer, messages from the transport, the log
 * in one file ({@link LogCodec}), a {@link KvStateMachine}, and the client protocol
 * ({@link ClientRequest} / {@link ClientReply}). All I/O of the Raft node is here; the core has none.
 *
 * <p>One Ready at a time: its records are appended, the file fsynced, and only then are its messages
 * sent and its entries applied; meanwhile the core keeps stepping, and the leader's APPENDs go out at
 * once. A client's write is answered by the node that received it, when it applies the entry of that
 * (client, seq); a retry that finds the session already past it gets the remembered result.
 */
public final class RaftNode {
  /** Sees each entry as the node applies it (the simulator's state-machine-safety check). */
  public interface ApplyListener {
    void onApply(int node, Entry entry);
  }

  public static final String LOG_FILE = "raft.log";
  /** Client requests waiting for their entry or read, per node. */
  static final int PENDING_CLIENT_REQUESTS_MAX = 10_000;
  static final int SESSIONS_MAX = 10_000;

  private final Env<Wire> env;
  private final RaftConfig cfg;
  private final long tickNs;
  private final ApplyListener listener;
  private final KvStateMachine sm = new KvStateMachine(SESSIONS_MAX);
  private RaftCore core;
  private String quarantine;
  private boolean persisting;
  private HardState durableHardState = HardState.INITIAL;
  private record PendingWrite(String from, long requestId) {}

  private record PendingRead(String from, long requestId, long key) {}

  private final Map<List<Long>, PendingWrite> pendingWrites = new LinkedHashMap<>();
  private final Map<Long, PendingRead> pendingReads = new LinkedHashMap<>();
  private final TreeMap<Long, List<Long>> readsAwaitingApply = new TreeMap<>();
  private long nextReadId;

  /** Boots the node: loads (or creates) its log, then starts ticking and serving. */
  public RaftNode(Env<Wire> env, RaftConfig cfg, long tickNs, ApplyListener listener) {
    if (tickNs < 1) throw new IllegalArgumentException("tickNs must be >= 1, got " + tickNs);
    this.env = env;
    this.cfg = cfg;
    this.tickNs = tickNs;
    this.listener = listener;
    byte[] file = env.storage().read(LOG_FILE);
    if (file == null) {
      env.storage().append(LOG_FILE, new byte[0]);
      env.storage().fsyncDirectory(() -> start(HardState.INITIAL, List.of()));
      return;
    }
    LogCodec.Loaded loaded = LogCodec.load(file);
    if (loaded.corruption() != null) {
      quarantine = loaded.corruption();
      return;
    }
    if (loaded.validBytes() < file.length) env.storage().truncate(LOG_FILE, loaded.validBytes());
    HardState hs = loaded.hardState();
    durableHardState = hs;
    if (cfg.has(Bug.VOTE_TWICE)) hs = new HardState(hs.term(), 0, hs.commit());
    start(hs, loaded.entries());
  }

  private void start(HardState hs, List<Entry> entries) {
    core = new RaftCore(cfg, hs, entries, env.random());
    env.transport().setHandler(this::onMessage);
    env.timers().schedule(tickNs, this::onTick);
  }

  /** The protocol state; null before the log is loaded or when the node refused to start. */
  public RaftCore core() { return core; }

  public KvStateMachine stateMachine() { return sm; }

  /** The hard state this node last made durable (as far as it knows: with raft.no-fsync, what it wrote). */
  public HardState durableHardState() { return durableHardState; }

  /** Why the node refused to start (corrupt log), or null. */
  public String quarantine() { return quarantine; }

  private void onTick() {
    if (!core.isLeader()) pendingWrites.clear(); // their clients time out and retry elsewhere
    core.tick();
    pump();
    env.timers().schedule(tickNs, this::onTick);
  }

  private void onMessage(String from, Wire w) {
    if (w instanceof Message) {
      core.step((Message) w);
    } else if (w instanceof ClientRequest) {
      onClientRequest(from, (ClientRequest) w);
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
      pendingReads.put(id, new PendingRead(from, r.requestId(), c.key()));
      core.requestRead(id);
      return;
    }
    if (core.propose(c.encode()) < 0) {
      reply(from, r.requestId(), ClientReply.Status.BUSY, null);
      return;
    }
    pendingWrites.put(List.of(c.clientId(), c.seq()), new PendingWrite(from, r.requestId()));
  }

  /** Moves work out of the core until it has none or waits for an fsync. */
  private void pump() {
    for (Message m : core.takeImmediate()) send(m);
    while (!persisting && core.hasReady()) {
      Ready rd = core.ready();
      if (!rd.needsPersist()) {
        finish(rd);
        continue;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Entry e : rd.entries()) out.writeBytes(LogCodec.entry(e));
      if (rd.hardState() != null) out.writeBytes(LogCodec.hardState(rd.hardState()));
      env.storage().append(LOG_FILE, out.toByteArray());
      if (cfg.has(Bug.NO_FSYNC)) {
        if (rd.hardState() != null) durableHardState = rd.hardState();
        finish(rd);
        continue;
      }
      persisting = true;
      env.storage().fsync(LOG_FILE, () -> {
        persisting = false;
        if (rd.hardState() != null) durableHardState = rd.hardState();
        finish(rd);
        pump();
      });
    }
  }

  private void finish(Ready rd) {
    core.advance(rd);
    for (Message m : rd.messages()) send(m);
    for (Entry e : rd.committed()) apply(e);
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
    KvStateMachine.Result r = sm.apply(e.index(), e.data());
    if (listener != null) listener.onApply(cfg.id(), e);
    if (r == null) return;
    Command c = Command.decode(e.data());
    PendingWrite p = pendingWrites.remove(List.of(c.clientId(), c.seq()));
    if (p != null) reply(p.from(), p.requestId(), r.ok() ? ClientReply.Status.OK : ClientReply.Status.CAS_FAILED, r.value());
  }

  private void serveReads() {
    Iterator<Map.Entry<Long, List<Long>>> it = readsAwaitingApply.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, List<Long>> e = it.next();
      if (e.getKey() > sm.appliedIndex()) break;
      for (long id : e.getValue()) {
        PendingRead p = pendingReads.remove(id);
        if (p != null) reply(p.from(), p.requestId(), ClientReply.Status.OK, sm.read(p.key()));
      }
      it.remove();
    }
  }

  private void send(Message m) {
    env.transport().send(nodeName(m.to()), m);
  }

  private void reply(String to, long requestId, ClientReply.Status status, Long value) {
    env.transport().send(to, new ClientReply(requestId, status, value, core == null ? 0 : core.leaderId()));
  }

  /** Transport name of node {@code id}: {@code n<id>}. */
  public static String nodeName(int id) { return "n" + id; }
}
