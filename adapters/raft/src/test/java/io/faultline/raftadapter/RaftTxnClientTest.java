package io.faultline.raftadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.faultline.history.Json;
import io.faultline.history.Op;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RaftTxnClient} through {@link RaftHttpClient} against a fake node: an in-memory MVCC store behind the node's txn API. */
class RaftTxnClientTest {
  /** What the fake node does with one request instead of answering it. */
  enum Fault {
    /** Closes the connection without a reply, before applying. */
    DROP,
    /** Applies, then answers after the client's request timeout. */
    APPLY_THEN_LATE,
    /** Answers nothing for longer than the client's request timeout, applying nothing. */
    HANG,
    /** 400, applying nothing. */
    BAD_REQUEST
  }

  /** One node: versions are log indexes; a txn's session is (client_id, seq) and a retry gets the first reply. */
  static final class FakeNode implements AutoCloseable {
    record Versioned(Object value, long modIndex) {}

    final HttpServer server;
    final ExecutorService executor = Executors.newCachedThreadPool();
    final Map<String, Versioned> store = new HashMap<>();
    final Map<Long, Object[]> sessions = new HashMap<>(); // client -> {seq, reply}
    final Deque<Fault> txnFaults = new ArrayDeque<>();
    final Deque<Fault> readFaults = new ArrayDeque<>();
    final List<Map<?, ?>> txnRequests = new ArrayList<>();
    final List<Map<?, ?>> readRequests = new ArrayList<>();
    Runnable beforeNextTxn;
    long index = 1;

    FakeNode() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(executor);
      server.createContext("/api/v1/snapshot-read", ex -> handle(ex, false));
      server.createContext("/api/v1/txn", ex -> handle(ex, true));
      server.start();
    }

    String address() { return "127.0.0.1:" + server.getAddress().getPort(); }

    synchronized void put(String key, Object value) { store.put(key, new Versioned(value, ++index)); }

    private void handle(HttpExchange ex, boolean txn) throws IOException {
      Map<?, ?> body;
      try {
        body = (Map<?, ?>) Json.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      } catch (Json.ParseException e) {
        reply(ex, 400, Map.of("ok", false, "error", "bad json"));
        return;
      }
      Fault fault;
      Map<String, Object> answer;
      synchronized (this) {
        (txn ? txnRequests : readRequests).add(body);
        fault = (txn ? txnFaults : readFaults).poll();
        if (fault == Fault.DROP) {
          ex.close();
          return;
        }
        if (fault == Fault.BAD_REQUEST) {
          answer = null;
        } else if (fault == Fault.HANG) {
          answer = null;
        } else {
          answer = txn ? txn(body) : snapshotRead(body);
        }
      }
      if (fault == Fault.HANG || fault == Fault.APPLY_THEN_LATE) sleep(RaftHttpClient.REQUEST_TIMEOUT_MS + 500);
      if (fault == Fault.BAD_REQUEST || fault == Fault.HANG) {
        reply(ex, 400, Map.of("ok", false, "error", "no"));
      } else {
        reply(ex, answer.containsKey("error") ? 400 : 200, answer);
      }
    }

    private Map<String, Object> snapshotRead(Map<?, ?> body) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("ok", true);
      r.put("version", index);
      List<Object> reads = new ArrayList<>();
      for (Object k : (List<?>) body.get("keys")) reads.add(read((String) k));
      r.put("reads", reads);
      return r;
    }

    private Map<String, Object> read(String key) {
      Versioned v = store.getOrDefault(key, new Versioned(null, 0));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", key);
      m.put("value", v.value());
      m.put("mod_index", v.modIndex());
      return m;
    }

    private Map<String, Object> txn(Map<?, ?> body) {
      if (beforeNextTxn != null) {
        beforeNextTxn.run();
        beforeNextTxn = null;
      }
      long client = (Long) body.get("client_id");
      long seq = (Long) body.get("seq");
      Object[] session = sessions.get(client);
      if (session != null && (Long) session[0] == seq) {
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) session[1];
        return first;
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("ok", true);
      if (session != null && (Long) session[0] > seq) return status(r, "refused", -1);
      long at = ++index;
      int i = 0;
      for (Object o : (List<?>) body.get("compares")) {
        Map<?, ?> c = (Map<?, ?>) o;
        if (store.getOrDefault((String) c.get("key"), new Versioned(null, 0)).modIndex() != (Long) c.get("mod_index")) {
          return remember(client, seq, status(r, "compare_failed", i));
        }
        i++;
      }
      Map<String, Versioned> next = new HashMap<>(store);
      i = 0;
      for (Object o : (List<?>) body.get("ops")) {
        Map<?, ?> op = (Map<?, ?>) o;
        String key = (String) op.get("key");
        Object before = next.getOrDefault(key, new Versioned(null, 0)).value();
        if (op.get("op").equals("append")) {
          if (before != null && !(before instanceof List)) return remember(client, seq, status(r, "op_failed", i));
          List<Object> list = before == null ? new ArrayList<>() : new ArrayList<>((List<?>) before);
          list.add(op.get("value"));
          next.put(key, new Versioned(list, at));
        } else {
          next.put(key, new Versioned(op.get("value"), at));
        }
        i++;
      }
      store.clear();
      store.putAll(next);
      r.put("status", "committed");
      r.put("succeeded", true);
      r.put("index", at);
      r.put("reads", List.of());
      return remember(client, seq, r);
    }

    private static Map<String, Object> status(Map<String, Object> r, String status, int failedAt) {
      r.put("status", status);
      r.put("succeeded", false);
      r.put("failed_at", (long) failedAt);
      r.put("failure", status + " at " + failedAt);
      r.put("reads", List.of());
      return r;
    }

    private Map<String, Object> remember(long client, long seq, Map<String, Object> reply) {
      sessions.put(client, new Object[] {seq, reply});
      return reply;
    }

    private static void reply(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
      byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }

    private static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  private FakeNode node;
  private RaftHttpClient client;

  @BeforeEach
  void start() throws IOException {
    node = new FakeNode();
    client = new RaftHttpClient(RaftCluster.httpClient(), Map.of("n1", node.address()), List.of("n1"), "n1", 7);
  }

  @AfterEach
  void stop() {
    client.close();
    node.close();
  }

  private static List<Object> mop(String f, long k, Object v) { return Arrays.asList(f, k, v); }

  private Op txn(List<?>... mops) { return client.invoke(Op.invoke(0, "txn", null, List.of(mops))); }

  private static Object readAt(Op completion, int i) { return ((List<?>) ((List<?>) completion.value()).get(i)).get(2); }

  @Test
  void appendTxn_commits_andReadsSeeTheSnapshotPlusItsOwnAppends() {
    node.put("1", List.of(1L, 2L));
    long written = node.index;
    Op done = txn(mop("r", 1, null), mop("append", 1, 3L), mop("r", 1, null), mop("r", 2, null), mop("append", 2, 1L), mop("r", 2, null));
    assertTrue(done.isOk(), done.toString());
    assertEquals(List.of(1L, 2L), readAt(done, 0));
    assertEquals(List.of(1L, 2L, 3L), readAt(done, 2));
    assertEquals(List.of(), readAt(done, 3), "an absent key in a txn that appends reads []");
    assertEquals(List.of(1L), readAt(done, 5));
    assertEquals(List.of(1L, 2L, 3L), node.store.get("1").value());
    Map<?, ?> sent = node.txnRequests.get(0);
    assertEquals(List.of(Map.of("key", "1", "mod_index", written), Map.of("key", "2", "mod_index", 0L)), sent.get("compares"));
    assertEquals(List.of(Map.of("op", "append", "key", "1", "value", 3L), Map.of("op", "append", "key", "2", "value", 1L)), sent.get("ops"));
    assertEquals(7L, sent.get("client_id"));
    assertEquals(List.of(List.of("1", "2")), node.readRequests.stream().map(r -> r.get("keys")).toList(), "one snapshot of both keys");
  }

  @Test
  void readOnlyTxn_isOneSnapshotRead_andNoTxn() {
    node.put("3", 5L);
    Op done = txn(mop("r", 3, null), mop("r", 4, null));
    assertTrue(done.isOk(), done.toString());
    assertEquals(5L, readAt(done, 0));
    assertNull(readAt(done, 1), "an absent key outside an appending txn reads null");
    assertEquals(1, node.readRequests.size());
    assertEquals(0, node.txnRequests.size());
  }

  @Test
  void blindWrites_needNoSnapshot_andAReadOfTheTxnsOwnWriteNeedsNoCompare() {
    Op done = txn(mop("w", 1, 4L), mop("r", 1, null), mop("w", 2, 1L));
    assertTrue(done.isOk(), done.toString());
    assertEquals(4L, readAt(done, 1));
    assertEquals(0, node.readRequests.size());
    assertEquals(List.of(), node.txnRequests.get(0).get("compares"));
    assertEquals(List.of(Map.of("op", "put", "key", "1", "value", 4L), Map.of("op", "put", "key", "2", "value", 1L)),
        node.txnRequests.get(0).get("ops"));
    assertEquals(1L, node.store.get("2").value());
  }

  @Test
  void keyChangedBetweenReadAndCommit_isCompareFailed_andFail() {
    node.put("1", List.of(1L));
    node.beforeNextTxn = () -> node.put("1", List.of(1L, 9L));
    Op done = txn(mop("r", 1, null), mop("append", 2, 1L));
    assertTrue(done.isFail(), done.toString());
    assertTrue(done.error().startsWith("compare_failed"), done.error());
    assertEquals(null, node.store.get("2"), "nothing applied");
  }

  @Test
  void appendToARegister_isOpFailed_andFail() {
    node.put("1", 5L);
    Op done = txn(mop("append", 1, 1L));
    assertTrue(done.isFail(), done.toString());
    assertTrue(done.error().startsWith("op_failed"), done.error());
  }

  @Test
  void snapshotReadRefused_isFail_andSendsNoTxn() {
    node.readFaults.add(Fault.BAD_REQUEST);
    Op done = txn(mop("r", 1, null), mop("append", 1, 1L));
    assertTrue(done.isFail(), done.toString());
    assertEquals(0, node.txnRequests.size());
  }

  @Test
  void connectionLostThenRefused_isInfo() {
    node.txnFaults.add(Fault.DROP);
    node.txnFaults.add(Fault.BAD_REQUEST);
    Op done = txn(mop("append", 1, 1L));
    assertTrue(done.isInfo(), done.toString());
    assertEquals(2, node.txnRequests.size());
  }

  @Test
  void badRequestAtOnce_isFail() {
    node.txnFaults.add(Fault.BAD_REQUEST);
    Op done = txn(mop("append", 1, 1L));
    assertTrue(done.isFail(), done.toString());
  }

  @Test
  void retryAfterATimeout_getsTheFirstResult_andAppliesOnce() {
    node.txnFaults.add(Fault.APPLY_THEN_LATE);
    Op done = txn(mop("append", 1, 1L));
    assertTrue(done.isOk(), done.toString());
    assertEquals(List.of(1L), node.store.get("1").value());
    assertEquals(2, node.txnRequests.size());
    assertEquals(node.txnRequests.get(0).get("seq"), node.txnRequests.get(1).get("seq"), "same session on every attempt");
  }

  @Test
  void txnWhoseRepliesNeverCome_isInfo() {
    for (int i = 0; i < 5; i++) node.txnFaults.add(Fault.HANG);
    long start = System.nanoTime();
    Op done = txn(mop("r", 1, null), mop("append", 1, 1L));
    assertTrue(done.isInfo(), done.toString());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < RaftHttpClient.OP_DEADLINE_MS + 2_000);
    assertEquals(null, node.store.get("1"));
  }

  @Test
  void eachTxn_takesTheNextSequenceNumber() {
    assertTrue(txn(mop("append", 1, 1L)).isOk());
    assertTrue(txn(mop("append", 1, 2L)).isOk());
    assertEquals(List.of(1L, 2L), node.store.get("1").value());
    assertEquals(List.of(1L, 2L), node.txnRequests.stream().map(r -> r.get("seq")).toList());
  }

  /** {@code refused}: an older sequence number. This attempt did nothing; an earlier, unknown one may have. */
  @Test
  void refused_isFail_unlessAnEarlierAttemptIsUnknown() {
    for (boolean unknown : new boolean[] {false, true}) {
      RaftTxnClient.Requests requests = new RaftTxnClient.Requests() {
        @Override
        public RaftHttpClient.Answer query(String path, Map<String, Object> body) { throw new AssertionError("no reads here"); }

        @Override
        public RaftHttpClient.Answer command(String path, Map<String, Object> fields) {
          return new RaftHttpClient.Answer(200, Map.of("ok", true, "status", "refused", "failure", "older seq"), null, unknown);
        }
      };
      Op done = RaftTxnClient.invoke(Op.invoke(0, "txn", null, List.of(mop("w", 1, 1L))), requests);
      assertEquals(unknown, done.isInfo(), done.toString());
      assertEquals(!unknown, done.isFail(), done.toString());
    }
  }

  @Test
  void malformedMicroOps_failWithoutARequest() {
    assertTrue(txn(mop("x", 1, 1L)).isFail());
    assertTrue(client.invoke(Op.invoke(0, "txn", null, List.of(List.of("r", "k")))).isFail());
    assertTrue(txn(Arrays.asList("append", 1L, null)).isFail());
    assertEquals(0, node.readRequests.size() + node.txnRequests.size());
  }
}
