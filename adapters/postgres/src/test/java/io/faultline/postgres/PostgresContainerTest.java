package io.faultline.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.containers.ContainerSweeper;
import io.faultline.containers.DockerEngine;
import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.workloads.Context;
import io.faultline.workloads.Generator;
import io.faultline.workloads.ListAppendWorkload;
import io.faultline.workloads.Step;
import io.faultline.workloads.TxnOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * PostgreSQL under {@code deploy=containers}, only where a Docker engine answers (not on these
 * machines; the nightly workflow's containers job has one): list-append for a few seconds with a
 * {@code docker kill} and {@code docker start} in the middle, then nothing of the run left in Docker.
 */
class PostgresContainerTest {
  private static final int THREADS = 4;
  private static final long RUN_MS = 4_000;
  private static final long KILL_AT_MS = 1_500;

  @TempDir
  Path runDir;

  @Test
  void listAppend_inAContainer_survivesAKill_readsArePrefixes_andCloseLeavesNoContainer() throws Exception {
    Assumptions.assumeTrue(DockerEngine.available(), () -> "no Docker engine: " + DockerEngine.unavailableReason().orElse(""));
    List<Op> done;
    Map<Long, List<Long>> finalLists;
    try (PostgresCluster cluster = new PostgresSystem().start(new ClusterSpec(1, runDir, 7, Set.of(), Map.of("deploy", "containers")))) {
      assertTrue(cluster.nodes().get(0) instanceof PostgresContainerNode, String.valueOf(cluster.nodes().get(0)));
      Killable node = (Killable) cluster.nodes().get(0);
      assertTrue(node.isRunning());
      done = drive(cluster, ListAppendWorkload.generator(7, TxnOptions.defaults().withKeyCount(3)), node);
      assertTrue(node.isRunning(), "restarted");
      finalLists = finalRead(cluster, done);
    }
    assertTrue(Files.size(runDir.resolve("nodes/n1/node.log")) > 0, "the server's output is kept");
    assertEquals(0, DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(ContainerSweeper.LABEL_RUN, runDir.toAbsolutePath().normalize().toString())).exec().size(),
        "no container of the run is left");

    long ok = done.stream().filter(Op::isOk).count();
    assertTrue(ok > 10, "ok " + ok + " of " + done.size());
    Map<Long, Set<Long>> committed = new HashMap<>();
    for (Op op : done) {
      if (!op.isOk()) continue;
      for (Object m : (List<?>) op.value()) {
        List<?> micro = (List<?>) m;
        Long k = (Long) micro.get(1);
        List<Long> last = finalLists.getOrDefault(k, List.of());
        if (micro.get(0).equals("append")) {
          committed.computeIfAbsent(k, x -> new HashSet<>()).add((Long) micro.get(2));
        } else {
          List<?> read = (List<?>) micro.get(2);
          assertTrue(read.size() <= last.size() && last.subList(0, read.size()).equals(read),
              "key " + k + ": read " + read + " is not a prefix of the final " + last);
        }
      }
    }
    for (Map.Entry<Long, Set<Long>> e : committed.entrySet()) {
      assertTrue(new HashSet<>(finalLists.get(e.getKey())).containsAll(e.getValue()), "an acknowledged append survived the kill at key " + e.getKey());
    }
  }

  /** THREADS workers for RUN_MS, sharing one generator; the server is killed at KILL_AT_MS and started again. */
  private static List<Op> drive(PostgresCluster cluster, Generator generator, Killable node) throws Exception {
    Object lock = new Object();
    Generator[] gen = {generator};
    List<Op> done = Collections.synchronizedList(new ArrayList<>());
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.MILLISECONDS.toNanos(RUN_MS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          try (Client client = cluster.client(thread)) {
            while (System.nanoTime() - end < 0) {
              Op invocation;
              synchronized (lock) {
                Step s = gen[0].next(new Context(System.nanoTime() - t0, thread, thread, THREADS));
                invocation = s.op();
                gen[0] = s.rest();
              }
              done.add(client.invoke(invocation));
            }
          }
          return null;
        }));
      }
      Thread.sleep(KILL_AT_MS);
      node.kill();
      assertFalse(node.isRunning());
      node.start();
      for (Future<?> w : workers) w.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    return new ArrayList<>(done);
  }

  private static Map<Long, List<Long>> finalRead(PostgresCluster cluster, List<Op> history) throws Exception {
    Set<Long> keys = new TreeSet<>();
    for (Op op : history) for (Object m : (List<?>) op.value()) keys.add((Long) ((List<?>) m).get(1));
    List<Object> reads = new ArrayList<>();
    for (Long k : keys) reads.add(java.util.Arrays.asList("r", k, null));
    try (Client client = cluster.client(99)) {
      Op read = client.invoke(Op.invoke(99, "txn", null, reads));
      assertTrue(read.isOk(), read.toString());
      Map<Long, List<Long>> out = new HashMap<>();
      for (Object m : (List<?>) read.value()) {
        List<Long> list = new ArrayList<>();
        for (Object v : (List<?>) ((List<?>) m).get(2)) list.add((Long) v);
        out.put((Long) ((List<?>) m).get(1), list);
      }
      return out;
    }
  }
}
