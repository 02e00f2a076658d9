package io.faultline.raftadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Client;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.LogSegments;
import io.faultline.sut.NetworkControl;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import io.faultline.sut.StorageFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real 3-node cluster of our Raft, one JVM per node, through the adapter interface only. */
class RaftClusterIT {
  @TempDir Path runs;
  private RaftCluster cluster;
  private Path runDir;

  private RaftCluster start(String run) throws IOException {
    return start(run, Map.of());
  }

  private RaftCluster start(String run, Map<String, String> options) throws IOException {
    runDir = runs.resolve(run);
    long started = System.nanoTime();
    cluster = new RaftSystem().start(new ClusterSpec(3, runDir, 11, Set.of(), options));
    System.out.printf("[timing] %s: start() until a leader: %d ms, leader %s%n", run, msSince(started), cluster.leader());
    return cluster;
  }

  @AfterEach
  void close_leavesNoProcessAndNoPidFile() throws IOException {
    if (cluster == null) return;
    long started = System.nanoTime();
    cluster.close();
    System.out.printf("[timing] close(): %d ms%n", msSince(started));
    assertEquals(List.of(), ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    try (Stream<Path> files = Files.walk(runDir)) {
      assertEquals(List.of(), files.filter(p -> p.getFileName().toString().equals("pid")).toList());
    }
  }

  private static long msSince(long nanos) { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos); }

  private static Op read(Client c, long key) { return c.invoke(Op.invoke(0, "read", key, null)); }

  private static Op write(Client c, long key, long value) { return c.invoke(Op.invoke(0, "write", key, value)); }

  private static Op cas(Client c, long key, long from, long to) { return c.invoke(Op.invoke(0, "cas", key, List.of(from, to))); }

  private Node node(String nodeId) { return cluster.nodes().get(Integer.parseInt(nodeId.substring(1)) - 1); }

  @Test
  void writesReadsAndCas_completeWithJepsenOutcomes() throws Exception {
    start("basic");
    try (Client c0 = cluster.client(0); Client c1 = cluster.client(1); Client c2 = cluster.client(2)) {
      Op never = read(c0, 1);
      assertTrue(never.isOk(), never.toString());
      assertNull(never.value());
      Op w = write(c0, 1, 10);
      assertTrue(w.isOk(), w.toString());
      for (Client c : List.of(c0, c1, c2)) assertEquals(10L, read(c, 1).value(), "every process reads the write");
      Op casOk = cas(c1, 1, 10, 11);
      assertTrue(casOk.isOk(), casOk.toString());
      Op casFail = cas(c2, 1, 10, 12);
      assertTrue(casFail.isFail(), casFail.toString());
      assertEquals(11L, read(c2, 1).value());
      assertTrue(cas(c0, 2, 0, 1).isFail(), "cas on a key never written fails");
      assertTrue(c0.invoke(Op.invoke(0, "append", 1L, 1L)).isFail());
      ClockControl clock = (ClockControl) cluster.nodes().get(0);
      clock.setClockOffsetMs(5_000);
      clock.setClockRate(1.5);
      clock.setClockRate(1.0);
      assertThrows(IOException.class, () -> clock.setClockRate(0));

      for (Node n : cluster.nodes()) ((StorageFaults) n).setStorageFault(StorageFaults.Mode.FSYNC_STALL);
      CompletableFuture<Op> stalled = CompletableFuture.supplyAsync(() -> write(c1, 3, 7));
      Thread.sleep(500);
      assertFalse(stalled.isDone(), "nothing is acknowledged while every fsync stalls: " + (stalled.isDone() ? stalled.get() : ""));
      for (Node n : cluster.nodes()) ((StorageFaults) n).setStorageFault(StorageFaults.Mode.NONE);
      Op healed = stalled.get(15, TimeUnit.SECONDS);
      assertTrue(healed.isOk(), "the stalled write completes once fsync does: " + healed);
      assertEquals(7L, read(c1, 3).value());

      long t0 = System.nanoTime();
      int n = 50;
      for (int i = 0; i < n; i++) assertTrue(write(c0, 50, i).isOk());
      System.out.printf("[timing] one client, write: %.1f ms per op%n", (System.nanoTime() - t0) / 1e6 / n);
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) assertTrue(read(c0, 50).isOk());
      System.out.printf("[timing] one client, read: %.1f ms per op%n", (System.nanoTime() - t0) / 1e6 / n);

      long durationMs = 5_000;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs);
      AtomicLong writes = new AtomicLong();
      AtomicLong reads = new AtomicLong();
      AtomicLong others = new AtomicLong();
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      List<Client> many = new ArrayList<>();
      for (int p = 0; p < 9; p++) many.add(cluster.client(p));
      for (Client c : many) {
        workers.add(CompletableFuture.runAsync(() -> {
          for (long i = 0; System.nanoTime() < deadline; i++) {
            boolean isWrite = i % 2 == 0;
            Op done = isWrite ? write(c, 100 + i % 7, i) : read(c, 100 + i % 7);
            (done.isOk() ? (isWrite ? writes : reads) : others).incrementAndGet();
          }
        }));
      }
      CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      System.out.printf("[timing] 9 clients, alternating write/read: %.0f ok ops/s (%d writes, %d reads, %d not ok)%n",
          (writes.get() + reads.get()) * 1000.0 / durationMs, writes.get(), reads.get(), others.get());
      for (Client c : many) c.close();
      assertEquals(0, others.get());
    }
  }

  @Test
  void killedLeader_isReplaced_andWritesContinue_andItRejoinsWithItsData() throws Exception {
    start("kill");
    try (Client c0 = cluster.client(0); Client c1 = cluster.client(1); Client c2 = cluster.client(2)) {
      for (int i = 0; i < 5; i++) assertTrue(write(c0, 7, i).isOk());
      for (int round = 0; round < 3; round++) {
        String old = cluster.leader().orElseThrow();
        long t0 = System.nanoTime();
        ((Killable) node(old)).kill();
        Optional<String> next = cluster.awaitLeader(15_000);
        long electedMs = msSince(t0);
        assertTrue(next.isPresent(), "a new leader after killing " + old);
        assertNotEquals(old, next.get());
        Op w = write(c1, 7, 100 + round);
        assertTrue(w.isOk(), w.toString());
        System.out.printf("[timing] kill %s: new leader %s after %d ms, first write ok %d ms after the kill%n", old, next.get(),
            electedMs, msSince(t0));
        for (Client c : List.of(c0, c1, c2)) {
          Op r = read(c, 7);
          assertTrue(r.isOk(), r.toString());
          assertEquals(100L + round, r.value());
        }
        ((Killable) node(old)).start();
      }
      Node paused = node(cluster.leader().orElseThrow());
      ((Pausable) paused).pause();
      long t0 = System.nanoTime();
      Op w = write(c2, 8, 1);
      System.out.printf("[timing] leader %s paused: write %s after %d ms%n", paused.id(), w.type(), msSince(t0));
      ((Pausable) paused).resume();
      assertTrue(w.isOk() || w.isInfo(), w.toString());
      Op r = read(c0, 8);
      assertTrue(r.isOk(), r.toString());
      if (w.isOk()) assertEquals(1L, r.value());
      for (Node n : cluster.nodes()) {
        Optional<Path> segment = ((LogSegments) n).newestLogSegment();
        assertTrue(segment.isPresent() && Files.size(segment.get()) > 0, n.id() + " has a log: " + segment);
      }
    }
  }

  @Test
  void partitionableClients_goThroughTheProxies_andACutLeavesWritesUnacknowledged() throws Exception {
    start("clients", Map.of("partition-clients", "true"));
    assertTrue(cluster.endpoints().contains(NetworkControl.CLIENTS));
    try (Client c0 = cluster.client(0); Client c1 = cluster.client(1)) {
      Op w = write(c0, 3, 1);
      assertTrue(w.isOk(), w.toString());
      assertEquals(1L, read(c1, 3).value());
      for (Node n : cluster.nodes()) cluster.setLink(NetworkControl.CLIENTS, n.id(), LinkFaults.NONE.withCut(true));
      long t0 = System.nanoTime();
      Op cut = write(c1, 3, 2);
      System.out.printf("[timing] clients cut off: write %s after %d ms%n", cut.type(), msSince(t0));
      assertTrue(cut.isFail() || cut.isInfo(), cut.toString());
      cluster.healAll();
      Op healed = write(c0, 3, 4);
      assertTrue(healed.isOk(), healed.toString());
      // The cut write is unknown: its held bytes flow at the heal and may apply after the healed one.
      Object after = read(c1, 3).value();
      assertTrue(List.of(2L, 4L).contains(after), "read " + after);
    }
  }

  @Test
  void followerDownWhileTheLogIsCompacted_catchesUpBySnapshot() throws Exception {
    start("snapshot", Map.of(RaftOptions.SNAPSHOT_ENTRIES, "50", RaftOptions.SNAPSHOT_RETAIN, "0"));
    String leader = cluster.leader().orElseThrow();
    Node follower = cluster.nodes().stream().filter(n -> !n.id().equals(leader)).findFirst().orElseThrow();
    int followerIndex = cluster.nodes().indexOf(follower);
    ((Killable) follower).kill();
    int keys = 40;
    long[] last = new long[keys];
    List<Client> writers = new ArrayList<>();
    for (int p = 0; p < 3; p++) if (p != followerIndex) writers.add(cluster.client(p));
    for (int i = 0; i < 600; i++) {
      int key = i % keys;
      Op w = write(writers.get(i % writers.size()), key, 1_000 + i);
      assertTrue(w.isOk(), w.toString());
      last[key] = 1_000 + i;
    }
    ((Killable) follower).start();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String base = "http://" + cluster.httpAddresses().get(follower.id());
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
    int behind = keys;
    while (behind > 0 && System.nanoTime() < deadline) {
      behind = 0;
      for (int k = 0; k < keys; k++) {
        String body;
        try {
          body = get(http, base + "/api/v1/read/" + k + "?consistency=stale");
        } catch (IOException starting) {
          body = ""; // not serving yet
        }
        if (!body.contains("\"value\":" + last[k])) behind++;
      }
      if (behind > 0) Thread.sleep(200);
    }
    System.out.printf("[timing] follower %s caught up %d keys in %d ms%n", follower.id(), keys, msSince(t0));
    assertEquals(0, behind, "keys whose last acknowledged value the restarted follower lacks");
    String metrics = get(http, base + "/metrics");
    double installed = metrics.lines().filter(l -> l.startsWith("raft_snapshots_installed")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(-1);
    assertTrue(installed >= 1, "the follower caught up by InstallSnapshot: raft_snapshots_installed = " + installed);
    try (Client atFollower = cluster.client(followerIndex)) {
      for (int k = 0; k < keys; k++) assertEquals(last[k], read(atFollower, k).value(), "key " + k);
    }
    for (Client c : writers) c.close();
  }

  @Test
  void transferLeader_movesLeadership_andNoAcknowledgedWriteIsLost_andReadsAfterAreNotStale() throws Exception {
    start("transfer");
    String leader = cluster.leader().orElseThrow();
    String target = cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    String other = cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(leader) && !id.equals(target)).findFirst().orElseThrow();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    try (Client c = cluster.client(0)) {
      for (int i = 0; i < 50; i++) assertTrue(write(c, i % 5, 100 + i).isOk());

      java.net.http.HttpResponse<String> notLeader = post(http, other, "cluster/transfer-leader", "{\"node_id\":\"" + target + "\"}");
      assertEquals(503, notLeader.statusCode(), notLeader.body());
      assertTrue(notLeader.body().contains("\"leader\":\"" + leader + "\""), notLeader.body());
      java.net.http.HttpResponse<String> bad = post(http, leader, "cluster/transfer-leader", "{\"node_id\":\"n9\"}");
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("not a voter"), bad.body());

      long t0 = System.nanoTime();
      java.net.http.HttpResponse<String> ok = post(http, leader, "cluster/transfer-leader", "{\"node_id\":\"" + target + "\"}");
      assertEquals(200, ok.statusCode(), ok.body());
      Optional<String> now = Optional.empty();
      while (msSince(t0) < 5_000 && !now.equals(Optional.of(target))) {
        Thread.sleep(50);
        now = cluster.leader();
      }
      System.out.printf("[timing] transfer %s -> %s: %d ms%n", leader, target, msSince(t0));
      assertEquals(Optional.of(target), now, "the target leads after the transfer");
      for (int k = 0; k < 5; k++) assertEquals(145L + k, read(c, k).value(), "key " + k + " after the transfer");
      assertTrue(write(c, 0, 999).isOk());
      assertEquals(999L, read(c, 0).value());
    }
    String status = get(http, "http://" + cluster.httpAddresses().get(target) + "/api/v1/cluster/status");
    assertTrue(status.contains("\"joint\":false") && status.contains("\"members\":[{\"node\":\"n1\",\"role\":\"voter\""), status);
  }

  private java.net.http.HttpResponse<String> post(java.net.http.HttpClient http, String nodeId, String path, String body)
      throws IOException, InterruptedException {
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + cluster.httpAddresses().get(nodeId) + "/api/v1/" + path))
        .timeout(java.time.Duration.ofSeconds(5)).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static String get(java.net.http.HttpClient http, String url) throws IOException, InterruptedException {
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(2)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }
}
