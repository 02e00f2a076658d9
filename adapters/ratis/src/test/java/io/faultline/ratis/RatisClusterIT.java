package io.faultline.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
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

/** A real 3-node Ratis cluster, one JVM per node, through the adapter interface only. */
class RatisClusterIT {
  @TempDir Path runs;
  private RatisCluster cluster;
  private Path runDir;

  private RatisCluster start(String run, Set<String> bugs) throws IOException {
    return start(run, bugs, Map.of());
  }

  private RatisCluster start(String run, Set<String> bugs, Map<String, String> options) throws IOException {
    runDir = runs.resolve(run);
    long started = System.nanoTime();
    cluster = new RatisSystem().start(new ClusterSpec(3, runDir, 7, bugs, options));
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

  private static Op cas(Client c, long key, long from, long to) {
    return c.invoke(Op.invoke(0, "cas", key, List.of(from, to)));
  }

  private int indexOf(String nodeId) { return Integer.parseInt(nodeId.substring(1)) - 1; }

  private Node node(String nodeId) { return cluster.nodes().get(indexOf(nodeId)); }

  private String aFollower() {
    String leader = cluster.leader().orElseThrow();
    return cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  @Test
  void writesReadsAndCas_completeWithJepsenOutcomes() throws Exception {
    start("basic", Set.of());
    try (Client c0 = cluster.client(0); Client c1 = cluster.client(1); Client c2 = cluster.client(2)) {
      Op never = read(c0, 1);
      assertTrue(never.isOk(), never.toString());
      assertNull(never.value());
      assertTrue(write(c0, 1, 10).isOk());
      for (Client c : List.of(c0, c1, c2)) assertEquals(10L, read(c, 1).value(), "every node reads the write");
      Op casOk = cas(c1, 1, 10, 11);
      assertTrue(casOk.isOk(), casOk.toString());
      Op casFail = cas(c2, 1, 10, 12);
      assertTrue(casFail.isFail(), casFail.toString());
      assertEquals(11L, read(c2, 1).value());
      assertTrue(cas(c0, 2, 0, 1).isFail(), "cas on a key never written fails");
      assertTrue(c0.invoke(Op.invoke(0, "append", 1L, 1L)).isFail());

      Map<String, Client> byRole = Map.of("leader", cluster.client(indexOf(cluster.leader().orElseThrow())),
          "follower", cluster.client(indexOf(aFollower())));
      for (Map.Entry<String, Client> bound : byRole.entrySet()) {
        for (String f : List.of("write", "read")) {
          long t0 = System.nanoTime();
          int n = 20;
          for (int i = 0; i < n; i++) {
            Op done = f.equals("write") ? write(bound.getValue(), 50, i) : read(bound.getValue(), 50);
            assertTrue(done.isOk(), done.toString());
          }
          System.out.printf("[timing] one client bound to the %s, %s: %.1f ms per op%n", bound.getKey(), f,
              (System.nanoTime() - t0) / 1e6 / n);
        }
        bound.getValue().close();
      }
      long leaderT0 = System.nanoTime();
      for (int i = 0; i < 10; i++) cluster.leader().orElseThrow();
      System.out.printf("[timing] leader(): %.1f ms per call%n", (System.nanoTime() - leaderT0) / 1e6 / 10);

      long durationMs = 5_000;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs);
      AtomicLong writes = new AtomicLong();
      AtomicLong reads = new AtomicLong();
      AtomicLong others = new AtomicLong();
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (Client c : List.of(c0, c1, c2)) {
        workers.add(CompletableFuture.runAsync(() -> {
          for (long i = 0; System.nanoTime() < deadline; i++) {
            boolean isWrite = i % 2 == 0;
            Op done = isWrite ? write(c, 100 + i % 7, i) : read(c, 100 + i % 7);
            (done.isOk() ? (isWrite ? writes : reads) : others).incrementAndGet();
          }
        }));
      }
      CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      System.out.printf("[timing] 3 clients (one per node), alternating write/read: %.0f ok ops/s (%d writes, %d reads, %d not ok)%n",
          (writes.get() + reads.get()) * 1000.0 / durationMs, writes.get(), reads.get(), others.get());
      for (Path log : cluster.logFiles()) {
        List<String> lines = Files.readAllLines(log);
        System.out.printf("[log] %s: %d lines, %d WARN, %d ERROR%n", log.getParent().getFileName(), lines.size(),
            lines.stream().filter(l -> l.contains(" WARN ")).count(), lines.stream().filter(l -> l.contains(" ERROR ")).count());
      }
      assertEquals(0, others.get());
    }
  }

  @Test
  void killingTheLeader_electsAnother_writesContinue_andTheRestartedNodeCatchesUp() throws Exception {
    start("kill-leader", Set.of());
    String leader = cluster.leader().orElseThrow();
    Node old = node(leader);
    try (Client any = cluster.client(indexOf(aFollower()))) {
      assertTrue(write(any, 1, 1).isOk());
      long killed = System.nanoTime();
      ((Killable) old).kill();
      assertTrue(!((Killable) old).isRunning());
      Optional<String> next = cluster.awaitLeader(20_000);
      System.out.printf("[timing] leader %s killed: new leader %s after %d ms%n", leader, next, msSince(killed));
      assertTrue(next.isPresent());
      assertNotEquals(leader, next.get());
      Op w = write(any, 1, 2);
      System.out.printf("[timing] first write after the kill done %d ms after it: %s%n", msSince(killed), w);
      assertTrue(w.isOk(), w.toString());

      long restarted = System.nanoTime();
      ((Killable) old).start();
      try (Client atOld = cluster.client(indexOf(leader))) {
        Op r = read(atOld, 1);
        for (int i = 0; i < 20 && !r.isOk(); i++) {
          Thread.sleep(500);
          r = read(atOld, 1);
        }
        System.out.printf("[timing] restarted %s serves a linearizable read after %d ms: %s%n", leader, msSince(restarted), r);
        assertEquals(2L, r.value(), r.toString());
      }
      assertTrue(write(any, 1, 3).isOk());
    }
  }

  @Test
  void pausedFollower_afterResume_servesTheLatestValue() throws Exception {
    start("pause", Set.of());
    String follower = aFollower();
    try (Client atFollower = cluster.client(indexOf(follower));
         Client atLeader = cluster.client(indexOf(cluster.leader().orElseThrow()))) {
      assertTrue(write(atLeader, 5, 1).isOk());
      assertEquals(1L, read(atFollower, 5).value());
      Pausable paused = (Pausable) node(follower);
      paused.pause();
      assertTrue(write(atLeader, 5, 2).isOk(), "a majority remains");
      CompletableFuture<Op> queued = CompletableFuture.supplyAsync(() -> read(atFollower, 5));
      Thread.sleep(1_000);
      paused.resume();
      Op r = queued.get(30, TimeUnit.SECONDS);
      assertTrue(r.isOk(), r.toString());
      assertEquals(2L, r.value(), "a linearizable read must see the write that completed before it began");
    }
  }

  @Test
  void staleReadBug_readsOldStateAtAPausedThenResumedFollower() throws Exception {
    start("stale-read", Set.of(RatisSystem.BUG_STALE_READ));
    String follower = aFollower();
    int staleSeen = 0;
    int attempts = 3;
    try (Client atFollower = cluster.client(indexOf(follower));
         Client atLeader = cluster.client(indexOf(cluster.leader().orElseThrow()))) {
      for (long attempt = 0; attempt < attempts; attempt++) {
        long key = 10 + attempt;
        assertTrue(write(atLeader, key, 1).isOk());
        for (int i = 0; i < 50 && !Long.valueOf(1).equals(read(atFollower, key).value()); i++) Thread.sleep(100);
        Pausable paused = (Pausable) node(follower);
        paused.pause();
        assertTrue(write(atLeader, key, 2).isOk());
        CompletableFuture<Op> queued = CompletableFuture.supplyAsync(() -> read(atFollower, key));
        Thread.sleep(1_000);
        paused.resume();
        Op r = queued.get(30, TimeUnit.SECONDS);
        System.out.printf("[stale-read] attempt %d: read at resumed follower %s after write 2 completed: %s%n",
            attempt, follower, r);
        assertTrue(r.isOk(), r.toString());
        if (Long.valueOf(1).equals(r.value())) staleSeen++;
      }
      // Deterministic evidence that reads take the stale path: with both other nodes dead there is
      // no leader, so no linearizable read can complete, yet the stale read still answers.
      for (Node n : cluster.nodes()) {
        if (!n.id().equals(follower)) ((Killable) n).kill();
      }
      Op alone = read(atFollower, 10);
      System.out.printf("[stale-read] stale reads seen: %d of %d; read at %s with no quorum: %s%n",
          staleSeen, attempts, follower, alone);
      assertTrue(alone.isOk(), "a stale read needs no quorum: " + alone);
      assertTrue(staleSeen > 0, "no stale value in " + attempts + " attempts");
    }
  }

  @Test
  void linearizableRead_withoutQuorum_fails_andWriteIsInfo() throws Exception {
    start("no-quorum", Set.of());
    String follower = aFollower();
    try (Client atFollower = cluster.client(indexOf(follower))) {
      assertTrue(write(atFollower, 1, 1).isOk());
      for (Node n : cluster.nodes()) {
        if (!n.id().equals(follower)) ((Killable) n).kill();
      }
      long started = System.nanoTime();
      Op r = read(atFollower, 1);
      System.out.printf("[timing] read with no quorum: %s after %d ms%n", r, msSince(started));
      assertTrue(r.isFail(), r.toString());
      started = System.nanoTime();
      Op w = write(atFollower, 1, 2);
      System.out.printf("[timing] write with no quorum: %s after %d ms%n", w, msSince(started));
      assertTrue(w.isInfo(), w.toString());
    }
  }

  /**
   * The snapshot files under {@code dataDir}. Ratis deletes old snapshots (keeping two) while it runs,
   * so a file listed may be gone when the walk reaches it: the walk is tried again, a few times.
   */
  private static List<Path> snapshotFiles(Path dataDir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
      } catch (java.io.UncheckedIOException e) {
        if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) || attempt == 5) throw e;
      }
    }
  }

  @Test
  void snapshots_areTaken_andRestartedNodesRecoverFromThem() throws Exception {
    start("snapshot", Set.of(), Map.of(RatisOptions.SNAPSHOT_THRESHOLD, "50"));
    int keys = 20;
    long[] expected = new long[keys];
    try (Client c = cluster.client(0)) {
      for (int i = 0; i < 150; i++) {
        assertTrue(write(c, i % keys, i).isOk());
        expected[i % keys] = i;
      }
    }
    for (Node n : cluster.nodes()) assertTrue(!snapshotFiles(n.dataDir()).isEmpty(), n.id() + " took no snapshot");
    String follower = aFollower();
    ((Killable) node(follower)).kill();
    try (Client c = cluster.client(indexOf(cluster.leader().orElseThrow()))) {
      for (int i = 150; i < 170; i++) {
        assertTrue(write(c, i % keys, i).isOk());
        expected[i % keys] = i;
      }
    }
    ((Killable) node(follower)).start();
    assertAllRead(indexOf(follower), expected);
    assertTrue(Files.readString(cluster.logFiles().get(indexOf(follower))).contains("loaded snapshot"));

    long killed = System.nanoTime();
    for (Node n : cluster.nodes()) ((Killable) n).kill();
    for (Node n : cluster.nodes()) ((Killable) n).start();
    Optional<String> leader = cluster.awaitLeader(30_000);
    System.out.printf("[timing] whole cluster killed and restarted: leader %s after %d ms%n", leader, msSince(killed));
    assertTrue(leader.isPresent());
    for (int i = 0; i < 3; i++) assertAllRead(i, expected);
  }

  private void assertAllRead(int process, long[] expected) throws InterruptedException {
    try (Client c = cluster.client(process)) {
      for (int key = 0; key < expected.length; key++) {
        Op r = read(c, key);
        for (int attempt = 0; attempt < 20 && !r.isOk(); attempt++) {
          Thread.sleep(500);
          r = read(c, key);
        }
        assertEquals(expected[key], r.value(), "key " + key + " at process " + process + ": " + r);
      }
    }
  }
}
