package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.mvcc.MemoryEngine;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real in-process nodes: a backup through {@code POST /api/v1/snapshot/create} and the HTTP fetch, a
 * restore into a new cluster with another node name (to its end: every write before the backup, none
 * after; to an index: exactly the prefix the backup's entries give), points outside the backup refused,
 * a verification on a scratch node; nodes of another cluster ignored. (The quorum-loss procedure needs
 * three nodes that resolve each other by name, so it runs as the harness's {@code RaftQuorumLossIT}.)
 */
class RaftBackupTest {
  private static HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
    return NodeHttp.send(method, url, body);
  }

  private static int freePort() throws IOException { return NodeHttp.freePort(); }

  private static RaftServer start(String node, Map<String, Integer> peers, Path data, long snapshotEntries) throws IOException {
    return RaftServer.start(new RaftServer.Config(node, peers, "127.0.0.1", 0, data, 20, RaftConfig.ReadMode.READ_INDEX, java.util.Set.of(), 1,
        WalConfig.SyncPolicy.SAFE, snapshotEntries == 0 ? WalConfig.SnapshotPolicy.OFF
            : WalConfig.SnapshotPolicy.DEFAULT.withEntriesMax(snapshotEntries).withRetainEntries(0)));
  }

  private Map<String, Object> status(RaftServer s) throws Exception {
    return FlatJson.parse(send("GET", "http://127.0.0.1:" + s.httpPort() + "/api/v1/cluster/status", null).body());
  }

  private void awaitLeader(RaftServer s) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!"LEADER".equals(status(s).get("role"))) {
      assertTrue(System.nanoTime() < deadline, s.nodeName() + " leads");
      Thread.sleep(20);
    }
  }

  private void write(RaftServer s, String key, long value) throws Exception {
    HttpResponse<String> r = send("POST", "http://127.0.0.1:" + s.httpPort() + "/api/v1/write", "{\"key\":\"" + key + "\",\"value\":" + value + "}");
    assertEquals(200, r.statusCode(), r.body());
  }

  private static Map<String, Object> contents(RaftServer s) throws Exception {
    CompletableFuture<Map<String, Object>> c = new CompletableFuture<>();
    s.onLoop(() -> c.complete(new LinkedHashMap<>(s.node().stateMachine().contents())));
    return c.get(5, TimeUnit.SECONDS);
  }

  /** What the backup's snapshot plus its entries up to {@code index} give, applied by the state machine itself. */
  private static Map<String, Object> expected(Path backup, RaftBackup.Manifest m, long index) throws IOException {
    String[] problem = new String[1];
    Snapshot snap = SnapshotFile.decode(Files.readAllBytes(backup.resolve(m.snapshotFile())), problem);
    assertNotNull(snap, problem[0]);
    try (KvStateMachine sm = new KvStateMachine(MemoryEngine::new, 100, false)) {
      sm.restore(SnapshotFile.state(snap));
      for (Entry e : RaftBackup.readEntries(backup.resolve(RaftBackup.ENTRIES))) if (e.index() <= index) sm.applyEntry(e.index(), e.data());
      return new LinkedHashMap<>(sm.contents());
    }
  }

  @Test
  void backupMidRun_restoredIntoANewCluster_holdsExactlyThePrefixAsked(@TempDir Path dir) throws Exception {
    Path backup = dir.resolve("backup");
    RaftBackup.Manifest m;
    try (RaftServer n1 = start("n1", Map.of("n1", freePort()), dir.resolve("n1"), 7)) {
      awaitLeader(n1);
      for (int i = 1; i <= 24; i++) write(n1, "k" + i, i);
      m = RaftBackup.backup(List.of("127.0.0.1:1", "127.0.0.1:" + n1.httpPort()), backup);
      write(n1, "after", 1);
    }
    assertTrue(m.snapshotIndex() >= 1 && m.lastIndex() > m.snapshotIndex(), "a snapshot and entries after it: " + m.toJsonText());
    assertEquals(m.lastIndex(), m.commitIndex());
    assertTrue(m.firstEntryMs() > 0 && m.lastEntryMs() >= m.firstEntryMs(), m.toJsonText());
    assertEquals(m, RaftBackup.read(backup));
    assertEquals(2, m.files().size());

    // to its end, as node n4 of a new cluster
    RaftBackup.Restored r = RaftBackup.restore(backup, dir.resolve("r-end"), "n4", List.of("n4"), RaftBackup.Point.END, "new-1");
    assertEquals(m.lastIndex(), r.lastIndex());
    try (RaftServer n4 = start("n4", Map.of("n4", freePort()), dir.resolve("r-end"), 0)) {
      awaitLeader(n4);
      Map<String, Object> c = contents(n4);
      for (int i = 1; i <= 24; i++) assertEquals((long) i, c.get("k" + i), "k" + i);
      assertFalse(c.containsKey("after"));
      assertEquals("new-1", n4.clusterId());
      write(n4, "new", 1); // it takes writes: its configuration (n4 alone) committed
    }

    // to an index inside the entries: exactly the prefix
    long index = m.snapshotIndex() + (m.lastIndex() - m.snapshotIndex()) / 2;
    RaftBackup.restore(backup, dir.resolve("r-index"), "n5", List.of("n5"), new RaftBackup.Point(index, null), "new-2");
    try (RaftServer n5 = start("n5", Map.of("n5", freePort()), dir.resolve("r-index"), 0)) {
      awaitLeader(n5);
      assertEquals(expected(backup, m, index), contents(n5));
      assertTrue(!expected(backup, m, index).equals(expected(backup, m, index + 1)), "the next entry would change the state");
    }

    // to a time: the last entry at or before it
    RaftBackup.Restored t = RaftBackup.restore(backup, dir.resolve("r-time"), "n1", List.of("n1"),
        new RaftBackup.Point(null, m.firstEntryMs()), "new-3");
    assertTrue(t.lastIndex() > m.snapshotIndex() && t.lastIndex() <= m.lastIndex(), "to-time keeps the first entry: " + t);

    assertThrows(RaftBackup.BadInput.class, () -> RaftBackup.restore(backup, dir.resolve("x1"), "n1", List.of("n1"),
        new RaftBackup.Point(m.snapshotIndex() - 1, null), "new-4"));
    assertThrows(RaftBackup.BadInput.class, () -> RaftBackup.restore(backup, dir.resolve("x2"), "n1", List.of("n1"),
        new RaftBackup.Point(m.lastIndex() + 1, null), "new-4"));
    RaftBackup.BadInput notEmpty = assertThrows(RaftBackup.BadInput.class, () -> RaftBackup.restore(backup, dir.resolve("r-end"), "n1",
        List.of("n1"), RaftBackup.Point.END, "new-4"));
    assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());

    RaftBackup.Verified v = RaftBackup.verify(backup, dir);
    assertTrue(v.appliedIndex() > m.lastIndex(), v.toString());
    assertEquals(24, v.keys());

    // a damaged backup is refused naming the file
    Files.write(backup.resolve(RaftBackup.ENTRIES), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    RaftBackup.BadInput damaged = assertThrows(RaftBackup.BadInput.class, () -> RaftBackup.read(backup));
    assertTrue(damaged.getMessage().contains(RaftBackup.ENTRIES), damaged.getMessage());
  }

  @Test
  void nodesOfAnotherCluster_areIgnored_notMerged() {
    List<String> delivered = new ArrayList<>();
    List<String> logged = new ArrayList<>();
    Transport fake = new Transport();
    ClusterIdTransport t = new ClusterIdTransport(fake, "n1", "new", logged::add);
    t.setHandler((from, w) -> delivered.add(from));
    fake.handler.onMessage("n2", null);
    fake.handler.onMessage("n2@old", null);
    fake.handler.onMessage("n2@new", null);
    fake.handler.onMessage("n2", null);
    assertEquals(List.of("n2"), delivered);
    assertEquals(3, t.refused());
    assertEquals(2, logged.size(), logged.toString());
    assertEquals("n1@new", ClusterIdTransport.helloName("n1", "new"));
    assertEquals("n1", ClusterIdTransport.helloName("n1", null));
  }

  private static final class Transport implements io.faultline.runtime.Transport<Wire> {
    Handler<Wire> handler;

    @Override public String self() { return "n1@new"; }
    @Override public void send(String to, Wire message) { }
    @Override public void setHandler(Handler<Wire> h) { handler = h; }
  }
}
