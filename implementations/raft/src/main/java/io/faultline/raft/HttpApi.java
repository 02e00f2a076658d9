package io.faultline.raft;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.faultline.raft.mvcc.TxnEntry;
import io.faultline.raft.mvcc.TxnResult;
import io.faultline.runtime.EventLoop;
import io.faultline.runtime.FileStorage;
import io.faultline.runtime.StorageFaultControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The node's HTTP API (SEED.md, system 1) on the JDK's HTTP server.
 *
 * <pre>
 * POST   /api/v1/write           {"key":k,"value":v,"client_id":c,"seq":s}   (keys strings or integers, values integers or strings)
 * POST   /api/v1/cas             {"key":k,"expected":e|null,"value":v,"client_id":c,"seq":s}
 * DELETE /api/v1/kv/{key}?client_id=c&amp;seq=s
 * GET    /api/v1/read/{key}?consistency=linearizable|lease|stale
 * GET    /api/v1/cluster/status                  (role, term, leader, indexes; the configuration and its members)
 * POST   /api/v1/cluster/transfer-leader         {"node_id":"n2"}   (on the leader)
 * POST   /api/v1/cluster/add-node                {"node_id":"n4","address":"n4:20004","replaces":"n3"}   (on the leader;
 *                                                 added as a learner, made a voter once caught up — replacing
 *                                                 "replaces", optional, in the same joint change)
 * POST   /api/v1/cluster/remove-node             {"node_id":"n3"}   (on the leader; by joint consensus)
 * POST   /api/v1/snapshot/create?snapshot=newest|now  (on the leader: a point-in-time export for a backup, {@link BackupExport};
 *                                                 answers backup_id, index, term, commit_index, last_index, entries, ...)
 * GET    /api/v1/snapshot/data?backup_id=ID      (the export's snapshot file, application/octet-stream)
 * GET    /api/v1/snapshot/entries?backup_id=ID   (its committed entries after the snapshot, as WAL records)
 * POST   /api/v1/snapshot/release?backup_id=ID   (drops the export)
 * GET    /metrics                                 (Prometheus text format, {@link NodeMetrics})
 * POST   /admin/clock?offset_ms=N&amp;rate=R     (loopback clients only)
 * POST   /admin/storage?mode=none|fsync-stall|lose-unsynced|torn-write|disk-full   (loopback clients only)
 * </pre>
 *
 * Status codes a client can act on: 200 done; 409 a cas whose compare failed (not applied, the
 * current value in {@code value}); 503 not the leader or busy (this attempt did nothing; the leader's
 * name in {@code leader} when known); 400 bad input, with a message; 504 no answer within
 * {@link #REQUEST_TIMEOUT_MS}: the outcome is unknown. A retry with the same client id and sequence
 * number applies at most once. {@code lease} reads take the node's configured read path (ReadIndex
 * unless the node runs with lease reads), which is at least as strong.
 *
 * <p>The admin endpoint is for the clock nemesis: it offsets the node's wall clock and sets the rate
 * of its monotonic clock and timers ({@link io.faultline.runtime.RealClock}); either parameter may be
 * left out. It answers with the clock's settings. A restarted node starts on the real clock again.
 * The storage endpoint is for the disk nemesis: it switches the log storage's fault mode
 * ({@link io.faultline.runtime.StorageFaultControl.Mode}, by name in lower case with dashes) and
 * answers with the mode now in force; a restarted node starts with none.
 */
final class HttpApi implements AutoCloseable {
  static final long REQUEST_TIMEOUT_MS = 3_000;
  static final int THREADS = 32;
  static final int QUEUE_MAX = 1_024;
  static final int BODY_BYTES_MAX = FlatJson.TEXT_CHARS_MAX;
  static final String PREFIX = "/api/v1/";
  static final String ADMIN_CLOCK = "/admin/clock";
  static final String ADMIN_STORAGE = "/admin/storage";
  static final String METRICS = "/metrics";
  /** Prometheus' text exposition format, version 0.0.4. */
  static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** Read by the JDK's HTTP server when its first server is created: set it before. */
  static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final RaftServer server;
  private final ClientGateway gateway;
  private final EventLoop loop;
  private final HttpServer http;
  private final ThreadPoolExecutor threads;
  private final BackupExport exports = new BackupExport();
  /** How long {@code snapshot/create} waits for the event loop to copy the state (a 1 GB state takes seconds). */
  static final long EXPORT_WAIT_MS = 120_000;
  static final String OCTET_STREAM = "application/octet-stream";

  HttpApi(RaftServer server, ClientGateway gateway, EventLoop loop, String bindAddress, int port) throws IOException {
    this.server = server;
    this.gateway = gateway;
    this.loop = loop;
    http = HttpServer.create(new InetSocketAddress(bindAddress, port), QUEUE_MAX);
    threads = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_MAX), r -> {
      Thread t = new Thread(r, "http-" + server.nodeName());
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.CallerRunsPolicy());
    http.setExecutor(threads);
    http.createContext("/", this::handle);
    http.start();
  }

  int port() { return http.getAddress().getPort(); }

  private record Response(int status, Map<String, Object> body) {}

  private void handle(HttpExchange ex) throws IOException {
    if (ex.getRequestURI().getPath().equals(METRICS) && ex.getRequestMethod().equals("GET")) {
      send(ex, 200, METRICS_CONTENT_TYPE, server.metrics().scrape().getBytes(StandardCharsets.UTF_8));
      return;
    }
    String path = ex.getRequestURI().getPath();
    if (ex.getRequestMethod().equals("GET") && (path.equals(PREFIX + "snapshot/data") || path.equals(PREFIX + "snapshot/entries"))) {
      BackupExport.Session s = exports.get(query(ex.getRequestURI().getRawQuery()).getOrDefault("backup_id", ""));
      if (s == null) {
        send(ex, 404, "application/json", FlatJson.write(error(404, "no such backup_id (never taken, released, replaced or expired)").body())
            .getBytes(StandardCharsets.UTF_8));
        return;
      }
      send(ex, 200, OCTET_STREAM, path.endsWith("data") ? s.snapshot().bytes() : BackupExport.encodeEntries(s.entries()));
      return;
    }
    Response r;
    try {
      r = route(ex.getRequestMethod(), ex.getRequestURI(), ex);
    } catch (IllegalArgumentException e) {
      r = error(400, e.getMessage());
    } catch (RuntimeException e) {
      r = error(500, e.toString());
    }
    send(ex, r.status(), "application/json", FlatJson.write(r.body()).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private Response route(String method, URI uri, HttpExchange ex) throws IOException {
    String path = uri.getPath();
    if (path.equals(ADMIN_CLOCK) && method.equals("POST")) return adminClock(query(uri.getRawQuery()), ex);
    if (path.equals(ADMIN_STORAGE) && method.equals("POST")) return adminStorage(query(uri.getRawQuery()), ex);
    if (!path.startsWith(PREFIX)) return error(404, "no such path " + path);
    String rest = path.substring(PREFIX.length());
    Map<String, String> query = query(uri.getRawQuery());
    if (method.equals("POST") && rest.equals("write")) {
      Map<String, Object> b = FlatJson.parse(body(ex));
      long[] session = session(b.get("client_id"), b.get("seq"));
      return command("write", new Command(Command.Kind.WRITE, session[0], session[1], requireKey(b), requireValue(b, "value"), null));
    }
    if (method.equals("POST") && rest.equals("cas")) {
      Map<String, Object> b = FlatJson.parse(body(ex));
      long[] session = session(b.get("client_id"), b.get("seq"));
      if (!b.containsKey("expected")) throw new IllegalArgumentException("expected is required (null for absent)");
      Object expected = b.get("expected");
      if (expected != null && !(expected instanceof Long) && !(expected instanceof String)) {
        throw new IllegalArgumentException("expected must be an integer, a string or null, got " + expected);
      }
      return command("cas", new Command(Command.Kind.CAS, session[0], session[1], requireKey(b), requireValue(b, "value"), expected));
    }
    if (method.equals("DELETE") && rest.startsWith("kv/")) {
      long[] session = session(parseOrNull(query.get("client_id"), "client_id"), parseOrNull(query.get("seq"), "seq"));
      return command("delete", new Command(Command.Kind.DELETE, session[0], session[1], parseKey(rest.substring(3)), null, null));
    }
    if (method.equals("POST") && rest.equals("txn")) {
      Map<String, Object> b = FlatJson.parse(body(ex));
      long[] session = session(b.get("client_id"), b.get("seq"));
      TxnEntry entry = new TxnEntry(session[0], session[1], TxnJson.txn(b));
      return txn(entry);
    }
    if (method.equals("POST") && rest.equals("snapshot-read")) {
      Map<String, Object> b = FlatJson.parse(body(ex));
      Long version = b.get("version") == null ? null : TxnJson.nonNegative(b.get("version"), "version");
      return read(new ReadRequest(0, TxnJson.keys(b.get("keys")), version == null ? 0 : version, 0), false);
    }
    if (method.equals("GET") && rest.startsWith("read/") && (query.containsKey("version") || query.containsKey("timestamp"))) {
      String key = parseKey(rest.substring(5));
      Long version = parseOrNull(query.get("version"), "version");
      Long timestamp = parseOrNull(query.get("timestamp"), "timestamp");
      if ((version != null && version < 1) || (timestamp != null && timestamp < 1)) throw new IllegalArgumentException("version and timestamp must be >= 1");
      return read(new ReadRequest(0, List.of(key), version == null ? 0 : version, timestamp == null ? 0 : timestamp), true);
    }
    if (method.equals("GET") && rest.startsWith("read/")) {
      String key = parseKey(rest.substring(5));
      String consistency = query.getOrDefault("consistency", "linearizable");
      switch (consistency) {
        case "linearizable":
        case "lease":
          return command(null, new Command(Command.Kind.READ, 0, 0, key, null, null));
        case "stale":
          return onLoop(() -> {
            RaftNode node = server.node();
            if (node == null || node.core() == null) return error(503, "starting");
            Map<String, Object> b = ok();
            b.put("value", TxnJson.value(node.stateMachine().read(key)));
            return new Response(200, b);
          });
        default:
          throw new IllegalArgumentException("consistency must be linearizable, lease or stale, got '" + consistency + "'");
      }
    }
    if (method.equals("GET") && rest.equals("cluster/status")) return onLoop(this::status);
    if (method.equals("POST") && rest.equals("cluster/transfer-leader")) {
      int target = requireNodeId(FlatJson.parse(body(ex)));
      return onLoop(() -> change(core -> core.transferLeader(target)));
    }
    if (method.equals("POST") && rest.equals("cluster/add-node")) {
      Map<String, Object> b = FlatJson.parse(body(ex));
      int id = requireNodeId(b);
      requireKnownAddress((String) b.get("node_id"), b.get("address"));
      Object replacesName = b.get("replaces");
      if (replacesName != null && !(replacesName instanceof String)) throw new IllegalArgumentException("replaces must be a node name, got " + replacesName);
      int replaces = replacesName == null ? 0 : RaftServer.nodeId((String) replacesName);
      return onLoop(() -> {
        RaftNode node = server.node();
        return node == null || node.core() == null ? error(503, "starting") : change(node.addNode(id, replaces));
      });
    }
    if (method.equals("POST") && rest.equals("cluster/remove-node")) {
      int target = requireNodeId(FlatJson.parse(body(ex)));
      return onLoop(() -> change(core -> core.removeMember(target)));
    }
    if (method.equals("POST") && rest.equals("snapshot/create")) {
      String snapshot = query.getOrDefault("snapshot", "newest");
      if (!snapshot.equals("newest") && !snapshot.equals("now")) throw new IllegalArgumentException("snapshot must be newest or now, got '" + snapshot + "'");
      return snapshotCreate(snapshot.equals("now"));
    }
    if (method.equals("POST") && rest.equals("snapshot/release")) {
      Map<String, Object> b = ok();
      b.put("released", exports.release(query.getOrDefault("backup_id", "")));
      return new Response(200, b);
    }
    return error(404, "no route " + method + " " + path);
  }

  /**
   * A backup's export: first a linearizable read through the node (ReadIndex: only a leader that still
   * leads answers it, and once it has, everything acknowledged before the request is applied here),
   * then the state copied on the event loop at the applied index.
   */
  private Response snapshotCreate(boolean fresh) {
    Response barrier = command(null, new Command(Command.Kind.READ, 0, 0, "faultline/backup", null, null));
    if (barrier.status() != 200) return barrier;
    CompletableFuture<Response> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        String[] why = new String[1];
        BackupExport.Session s = exports.take(server.node(), server.nodeName(), fresh, why);
        result.complete(s == null ? error(503, why[0]) : new Response(200, BackupExport.describe(s, server.nodeName(), server.clusterId())));
      } catch (RuntimeException | OutOfMemoryError e) {
        result.complete(error(500, "export failed: " + e));
      }
    });
    try {
      return result.get(EXPORT_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return error(504, "the export did not finish within " + EXPORT_WAIT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return error(504, "interrupted");
    }
  }

  private Response adminClock(Map<String, String> q, HttpExchange ex) {
    if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) return error(403, "admin endpoint is for loopback clients only");
    Long offsetMs = parseOrNull(q.get("offset_ms"), "offset_ms");
    Double rate = null;
    if (q.get("rate") != null) {
      try {
        rate = Double.parseDouble(q.get("rate"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("rate must be a number, got '" + q.get("rate") + "'");
      }
    }
    if (rate != null) server.clock().setRate(rate);
    if (offsetMs != null) server.clock().setOffsetNs(TimeUnit.MILLISECONDS.toNanos(offsetMs));
    Map<String, Object> b = ok();
    b.put("offset_ms", TimeUnit.NANOSECONDS.toMillis(server.clock().offsetNs()));
    b.put("rate", Double.toString(server.clock().rate()));
    return new Response(200, b);
  }

  private Response adminStorage(Map<String, String> q, HttpExchange ex) {
    if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) return error(403, "admin endpoint is for loopback clients only");
    StorageFaultControl.Mode mode = storageMode(q.get("mode"));
    FileStorage storage = server.storage();
    if (storage == null) return error(503, "starting");
    storage.setFaultMode(mode);
    Map<String, Object> b = ok();
    b.put("mode", modeName(storage.faultMode()));
    return new Response(200, b);
  }

  /** {@code fsync-stall} → FSYNC_STALL; anything else is a 400 naming the modes. */
  static StorageFaultControl.Mode storageMode(String name) {
    if (name != null) {
      for (StorageFaultControl.Mode m : StorageFaultControl.Mode.values()) if (modeName(m).equals(name)) return m;
    }
    List<String> names = new ArrayList<>();
    for (StorageFaultControl.Mode m : StorageFaultControl.Mode.values()) names.add(modeName(m));
    throw new IllegalArgumentException("mode must be one of " + String.join("|", names) + ", got " + (name == null ? "none given" : "'" + name + "'"));
  }

  static String modeName(StorageFaultControl.Mode mode) { return mode.name().toLowerCase(Locale.ROOT).replace('_', '-'); }

  /** {@code node_id}: a node name {@code n<id>}; anything else is a 400. */
  private static int requireNodeId(Map<String, Object> b) {
    Object v = b.get("node_id");
    if (!(v instanceof String)) throw new IllegalArgumentException("node_id is required: a node name such as \"n2\", got " + v);
    return RaftServer.nodeId((String) v);
  }

  /**
   * A configuration change or transfer on this node: 200 with the index the change waits for when the
   * core took it; 400 when the request itself is wrong; 503 otherwise (not the leader — its name in
   * {@code leader} when known — or a change or transfer under way, a lagging member: retry later).
   */
  private Response change(java.util.function.Function<RaftCore, Proposal> change) {
    RaftNode node = server.node();
    if (node == null || node.core() == null) return error(503, "starting");
    return change(node.change(change));
  }

  /**
   * Nodes are reached by name through the deployment's addressing, fixed when the cluster is deployed:
   * a node to add must be one of this node's peers, and an address given must be its own.
   */
  private void requireKnownAddress(String name, Object address) {
    Integer port = server.peerPorts().get(name);
    if (port == null) {
      throw new IllegalArgumentException("node " + name + " has no address here: nodes are reached by name, known at deployment ("
          + new java.util.TreeSet<>(server.peerPorts().keySet()) + ")");
    }
    if (address != null && !address.equals(name) && !address.equals(name + ":" + port)) {
      throw new IllegalArgumentException("address of " + name + " is " + name + ":" + port + ", not " + address);
    }
  }

  private Response change(Proposal p) {
    RaftNode node = server.node();
    if (p.isAccepted()) {
      Map<String, Object> b = ok();
      b.put("index", p.index());
      return new Response(200, b);
    }
    Response r = error(p.refusal() == Proposal.Refusal.INVALID ? 400 : 503, p.reason());
    if (p.refusal() == Proposal.Refusal.NOT_LEADER && node.core().leaderId() != 0) {
      r.body().put("leader", RaftNode.nodeName(node.core().leaderId()));
    }
    r.body().put("refusal", p.refusal().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    return r;
  }

  private Response status() {
    RaftNode node = server.node();
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("node", server.nodeName());
    if (node == null || node.core() == null) {
      b.put("role", node != null && node.quarantine() != null ? "QUARANTINED" : "STARTING");
      if (node != null && node.quarantine() != null) b.put("error", node.quarantine());
      return new Response(200, b);
    }
    RaftCore core = node.core();
    b.put("role", core.role().name());
    b.put("term", core.term());
    b.put("leader", core.leaderId() == 0 ? null : RaftNode.nodeName(core.leaderId()));
    b.put("commit", core.commitIndex());
    b.put("last_index", core.lastIndex());
    b.put("applied", node.stateMachine().appliedIndex());
    RaftCore.ClusterStatus cs = core.clusterStatus();
    b.put("joint", cs.joint());
    b.put("configuration_index", cs.membershipIndex());
    b.put("configuration_committed", cs.membershipCommitted());
    b.put("transfer_to", cs.transferTarget() == 0 ? null : RaftNode.nodeName(cs.transferTarget()));
    List<Object> members = new ArrayList<>();
    for (RaftCore.MemberStatus m : cs.members()) {
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("node", RaftNode.nodeName(m.id()));
      mm.put("role", m.role());
      mm.put("match_index", m.matchIndex());
      members.add(mm);
    }
    b.put("members", members);
    List<Object> promotions = new ArrayList<>();
    for (int id : new java.util.TreeSet<>(node.promotionsPending())) promotions.add(RaftNode.nodeName(id));
    b.put("promotions_pending", promotions);
    return new Response(200, b);
  }

  /** Submits {@code c} and waits for its reply; {@code op} names a command whose commit latency counts, null for reads. */
  /** A txn through the leader's log: 200 with its outcome (committed, or failed and certainly not applied). */
  private Response txn(TxnEntry entry) {
    long receivedNs = System.nanoTime();
    Object waited = await(gateway.submit(id -> new TxnRequest(id, entry)));
    if (waited instanceof Response) return (Response) waited;
    ClientReply r = (ClientReply) waited;
    if (r.status() != ClientReply.Status.OK) return notServed(r);
    server.metrics().recordCommit("txn", System.nanoTime() - receivedNs);
    Map<String, Object> b = ok();
    b.putAll(TxnJson.result((TxnResult) r.value()));
    return new Response(200, b);
  }

  /** A linearizable read of keys at one version: 200 with the values, 400 when the version cannot be read. */
  private Response read(ReadRequest request, boolean single) {
    Object waited = await(gateway.submit(id -> new ReadRequest(id, request.keys(), request.atIndex(), request.atHlcMs())));
    if (waited instanceof Response) return (Response) waited;
    ClientReply r = (ClientReply) waited;
    if (r.status() == ClientReply.Status.REFUSED) return error(400, String.valueOf(r.value()));
    if (r.status() != ClientReply.Status.OK) return notServed(r);
    ReadResult rr = (ReadResult) r.value();
    Map<String, Object> b = ok();
    if (rr.version() > 0) b.put("version", rr.version());
    if (single) {
      b.put("value", TxnJson.value(rr.reads().get(0).value()));
      b.put("mod_index", rr.reads().get(0).modIndex());
    } else {
      b.put("reads", TxnJson.reads(rr.reads()));
    }
    return new Response(200, b);
  }

  /** The node's reply, or the 504 Response of a wait that ended without one (outcome unknown). */
  private static Object await(CompletableFuture<ClientReply> reply) {
    try {
      return reply.get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reply.cancel(false);
      return error(504, "no reply within " + REQUEST_TIMEOUT_MS + " ms: outcome unknown");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return error(504, "interrupted: outcome unknown");
    } catch (ExecutionException e) {
      return error(504, e.getCause() + ": outcome unknown");
    }
  }

  /** 503 for NOT_LEADER and BUSY, with the leader's name when known: this attempt did nothing. */
  private static Response notServed(ClientReply r) {
    Map<String, Object> b = error(503, r.status() == ClientReply.Status.BUSY ? "busy" : "not leader").body();
    b.put("leader", r.leaderHint() == 0 ? null : RaftNode.nodeName(r.leaderHint()));
    return new Response(503, b);
  }

  private Response command(String op, Command c) {
    long receivedNs = System.nanoTime();
    Object waited = await(gateway.submit(c));
    if (waited instanceof Response) return (Response) waited;
    ClientReply r = (ClientReply) waited;
    if (op != null && (r.status() == ClientReply.Status.OK || r.status() == ClientReply.Status.CAS_FAILED)) {
      server.metrics().recordCommit(op, System.nanoTime() - receivedNs);
    }
    Map<String, Object> b;
    switch (r.status()) {
      case OK:
        b = ok();
        if (c.kind() == Command.Kind.READ) b.put("value", TxnJson.value(r.value()));
        return new Response(200, b);
      case CAS_FAILED:
        b = error(409, "compare failed").body();
        b.put("value", TxnJson.value(r.value()));
        return new Response(409, b);
      default:
        return notServed(r);
    }
  }

  private Response onLoop(Supplier<Response> work) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    loop.execute(() -> result.complete(work.get()));
    try {
      return result.get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return error(504, "event loop did not answer within " + REQUEST_TIMEOUT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return error(504, "interrupted");
    }
  }

  private static Map<String, Object> ok() {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("ok", true);
    return b;
  }

  private static Response error(int status, String message) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("ok", false);
    b.put("error", message);
    return new Response(status, b);
  }

  /** client_id and seq: both absent (no session), or both integers >= 1. */
  private static long[] session(Object clientId, Object seq) {
    if (clientId == null && seq == null) return new long[] {0, 0};
    if (!(clientId instanceof Long) || (Long) clientId < 1) throw new IllegalArgumentException("client_id must be an integer >= 1, got " + clientId);
    if (!(seq instanceof Long) || (Long) seq < 1) throw new IllegalArgumentException("seq must be an integer >= 1, got " + seq);
    return new long[] {(Long) clientId, (Long) seq};
  }

  /** A key: a non-empty string, or an integer taken as its decimal form. */
  private static String requireKey(Map<String, Object> b) {
    Object v = b.get("key");
    if (v instanceof Long) return Long.toString((Long) v);
    if (!(v instanceof String) || ((String) v).isEmpty()) throw new IllegalArgumentException("key must be a non-empty string or an integer, got " + v);
    return (String) v;
  }

  /** A value: an integer or a string; it reads back as it was written. */
  private static Object requireValue(Map<String, Object> b, String field) {
    Object v = b.get(field);
    if (!(v instanceof Long) && !(v instanceof String)) throw new IllegalArgumentException(field + " must be an integer or a string, got " + v);
    return v;
  }


  private static Long parseOrNull(String s, String field) {
    if (s == null) return null;
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " must be an integer, got '" + s + "'");
    }
  }

  /** The key in a path, percent-decoded: {@code /api/v1/read/user:123}. */
  private static String parseKey(String s) {
    String key = java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    if (key.isEmpty()) throw new IllegalArgumentException("key is missing from the path");
    return key;
  }


  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) return q;
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) q.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return q;
  }

  private static String body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] bytes = in.readNBytes(BODY_BYTES_MAX + 1);
      if (bytes.length > BODY_BYTES_MAX) throw new IllegalArgumentException("body longer than " + BODY_BYTES_MAX + " bytes");
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
  }
}
