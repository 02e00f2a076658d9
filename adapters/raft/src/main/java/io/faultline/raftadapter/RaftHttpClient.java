package io.faultline.raftadapter;

import io.faultline.history.Json;
import io.faultline.history.Op;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A client over our Raft's HTTP API: {@code read}, {@code write} and {@code cas} on independent
 * keys ({@code op.key()}), and Elle's {@code txn}s through {@link RaftTxnClient}. Reads start at the
 * node this process is bound to (a follower answers 503 with the leader's name, and the read follows
 * it; a node that refuses connections is skipped); writes, cas and txns start at the node that last
 * took one.
 *
 * <p>Outcomes (Jepsen's): a read that fails or times out is {@code fail}; a write or cas is
 * {@code info} once any attempt may have reached a node and its fate is unknown (a timeout, a
 * connection lost mid-request, a 504), and {@code fail} only when every attempt certainly did
 * nothing (503, refused connections) or its compare failed (409). Every attempt of one op carries
 * the same client id and sequence number, so retries after an unknown attempt apply once at most.
 *
 * <p>Bounds: each request {@link #REQUEST_TIMEOUT_MS} (longer than the node's own 3 s, so the node's
 * 504 usually comes first), at most {@link #ATTEMPTS_MAX} attempts {@link #RETRY_SLEEP_MS} apart, and
 * {@link #OP_DEADLINE_MS} per request ({@link #query} or {@link #command}; a txn makes two).
 */
final class RaftHttpClient implements io.faultline.sut.Client, RaftTxnClient.Requests {
  static final long REQUEST_TIMEOUT_MS = 4_000;
  static final long OP_DEADLINE_MS = 10_000;
  static final long RETRY_SLEEP_MS = 50;
  static final int ATTEMPTS_MAX = 40;

  private final HttpClient http;
  private final Map<String, String> addresses;
  private final List<String> nodeIds;
  private final String bound;
  private final long clientId;
  private long seq;
  private String leaderGuess;
  private volatile boolean closed;

  RaftHttpClient(HttpClient http, Map<String, String> addresses, List<String> nodeIds, String bound, long clientId) {
    this.http = http;
    this.addresses = addresses;
    this.nodeIds = List.copyOf(nodeIds);
    this.bound = bound;
    this.clientId = clientId;
  }

  private record Reply(int status, Map<?, ?> body) {
    Object get(String field) { return body.get(field); }
  }

  /**
   * What a request came to after its attempts: the last reply's status and body ({@code status} 0 and
   * an empty body when none came), why it did not succeed (null on a 200), and whether any attempt may
   * have changed something although none said so ({@code unknown}: a timeout, a lost connection, a 504).
   */
  record Answer(int status, Map<?, ?> body, String why, boolean unknown) {
    static Answer none(String why, boolean unknown) { return new Answer(0, Map.of(), why, unknown); }

    boolean isOk() { return status == 200; }

    Object get(String field) { return body.get(field); }
  }

  @Override
  public synchronized Op invoke(Op op) {
    if (closed) return op.isInvoke() && op.f().equals("read") ? op.fail("client is closed") : op.info("client is closed");
    if (op.f().equals("txn")) return RaftTxnClient.invoke(op, this);
    if (!(op.key() instanceof Long)) return op.fail("key must be an integer, got " + op.key());
    long key = (Long) op.key();
    try {
      switch (op.f()) {
        case "read": {
          Answer a = query("/api/v1/read/" + key + "?consistency=linearizable", null);
          return a.isOk() ? op.ok(a.get("value")) : op.fail(a.why());
        }
        case "write":
          // A text value (the benchmark's) is passed on as a JSON string; the node decides whether it takes it.
          Object value = op.value() instanceof String ? op.value() : asLong(op.value(), "write value");
          return update(op, Map.of("key", key, "value", value), "/api/v1/write");
        case "cas": {
          List<?> pair = op.value() instanceof List ? (List<?>) op.value() : List.of();
          if (pair.size() != 2) return op.fail("cas value must be [old, new], got " + op.value());
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("key", key);
          body.put("expected", asLong(pair.get(0), "cas old"));
          body.put("value", asLong(pair.get(1), "cas new"));
          return update(op, body, "/api/v1/cas");
        }
        default:
          return op.fail("raft client has no f " + op.f());
      }
    } catch (IllegalArgumentException e) {
      return op.fail(e.getMessage());
    }
  }

  private Op update(Op op, Map<String, Object> fields, String path) {
    Answer a = command(path, fields);
    if (a.isOk()) return op.ok(op.value());
    if (a.status() == 409) return op.fail("compare failed");
    return a.unknown() ? op.info(a.why()) : op.fail(a.why());
  }

  /**
   * A request that changes nothing ({@code body} null: a GET; else a POST of it), first to the node
   * this process is bound to, following leader hints on 503 and skipping nodes that refuse
   * connections; it ends at the first other status or lost connection, or at {@link #OP_DEADLINE_MS}.
   */
  @Override
  public Answer query(String path, Map<String, Object> body) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OP_DEADLINE_MS);
    String json = body == null ? null : Json.write(body);
    String target = bound;
    String last = "no attempt";
    for (int attempt = 0; attempt < ATTEMPTS_MAX && System.nanoTime() < deadline; attempt++) {
      Reply r;
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(target, path));
        if (json == null) request.GET();
        else request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        r = send(target, request, deadline);
      } catch (ConnectException | HttpConnectTimeoutException e) {
        last = describe(e); // that node is down: any other can serve the read
        target = next(target, null);
        if (!pause()) return Answer.none("interrupted", false);
        continue;
      } catch (IOException e) {
        return Answer.none(describe(e), false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Answer.none("interrupted", false);
      }
      if (r.status() == 200) return new Answer(200, r.body(), null, false);
      last = r.status() + " " + r.get("error");
      if (r.status() != 503) return new Answer(r.status(), r.body(), last, false);
      String hinted = next(target, r.get("leader"));
      if (!redirect(attempt, target, hinted, r.get("leader"))) return Answer.none("interrupted", false);
      target = hinted;
    }
    return Answer.none("gave up after " + OP_DEADLINE_MS + " ms: " + last, false);
  }

  /**
   * A request that changes state: {@code fields} plus this client's session (its id and the next
   * sequence number, the same on every attempt, so the node applies it once at most), POSTed first to
   * the node that last took one, retried on 503 (following the leader hint), refused connections,
   * lost connections and 504s, until {@link #OP_DEADLINE_MS}. Any other status ends it.
   */
  @Override
  public Answer command(String path, Map<String, Object> fields) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OP_DEADLINE_MS);
    Map<String, Object> body = new LinkedHashMap<>(fields);
    body.put("client_id", clientId);
    body.put("seq", ++seq);
    String json = Json.write(body);
    String target = leaderGuess != null ? leaderGuess : bound;
    boolean unknown = false;
    String last = "no attempt";
    for (int attempt = 0; attempt < ATTEMPTS_MAX && System.nanoTime() < deadline; attempt++) {
      Reply r;
      try {
        r = send(target, HttpRequest.newBuilder(uri(target, path))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)), deadline);
      } catch (ConnectException | HttpConnectTimeoutException e) {
        last = describe(e); // never reached the node: this attempt did nothing
        target = next(target, null);
        if (!pause()) return Answer.none("interrupted", true);
        continue;
      } catch (IOException e) {
        unknown = true;
        last = describe(e);
        target = next(target, null);
        if (!pause()) return Answer.none("interrupted", true);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Answer.none("interrupted", true);
      }
      switch (r.status()) {
        case 200:
          leaderGuess = target;
          return new Answer(200, r.body(), null, unknown);
        case 409:
          leaderGuess = target;
          return new Answer(409, r.body(), "409 " + r.get("error"), unknown);
        case 503: {
          last = "503 " + r.get("error");
          String hinted = next(target, r.get("leader"));
          if (!redirect(attempt, target, hinted, r.get("leader"))) return Answer.none("interrupted", true);
          target = hinted;
          continue;
        }
        case 504:
          unknown = true;
          last = "504 " + r.get("error");
          target = next(target, null);
          break;
        default:
          last = r.status() + " " + r.get("error");
          return new Answer(r.status(), r.body(), last, unknown);
      }
      if (!pause()) return Answer.none("interrupted", true);
    }
    return Answer.none("gave up after " + OP_DEADLINE_MS + " ms: " + last, unknown);
  }

  private Reply send(String target, HttpRequest.Builder request, long deadlineNs) throws IOException, InterruptedException {
    long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
    HttpResponse<String> response = http.send(request.timeout(Duration.ofMillis(Math.min(REQUEST_TIMEOUT_MS, leftMs))).build(),
        HttpResponse.BodyHandlers.ofString());
    Object parsed;
    try {
      parsed = Json.parse(response.body());
    } catch (Json.ParseException e) {
      throw new IOException("unparseable reply " + response.statusCode() + ": " + response.body(), e);
    }
    if (!(parsed instanceof Map)) throw new IOException("reply is not an object: " + response.body());
    return new Reply(response.statusCode(), (Map<?, ?>) parsed);
  }

  /** The hinted leader when it is a node we know, else the node after {@code current}. */
  private String next(String current, Object hint) {
    if (hint instanceof String && addresses.containsKey(hint)) return (String) hint;
    return nodeIds.get((nodeIds.indexOf(current) + 1) % nodeIds.size());
  }

  private URI uri(String node, String path) { return URI.create("http://" + addresses.get(node) + path); }

  /**
   * Follows a leader hint at once on an op's first two attempts; otherwise (no hint, a hint naming the
   * same node, or hints going round during an election) waits {@link #RETRY_SLEEP_MS} first.
   */
  private static boolean redirect(int attempt, String from, String to, Object hint) {
    return attempt < 2 && hint != null && !from.equals(to) || pause();
  }

  private static boolean pause() {
    try {
      Thread.sleep(RETRY_SLEEP_MS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static long asLong(Object value, String what) {
    if (value instanceof Long || value instanceof Integer || value instanceof Short) return ((Number) value).longValue();
    throw new IllegalArgumentException(what + " must be an integer, got " + value);
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    if (message != null && message.length() > 200) message = message.substring(0, 200) + "...";
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** Marks the client closed; an op in flight finishes its current attempt. */
  @Override
  public void close() { closed = true; }
}
