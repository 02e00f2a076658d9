package io.faultline.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real 3-node Ratis cluster whose links run through the local deployment's fault proxies. */
class RatisNetworkIT {
  static final long NEW_LEADER_WAIT_MS = 20_000;
  @TempDir Path runs;
  private RatisCluster cluster;

  private RatisCluster start(String run, Set<String> bugs) throws IOException {
    return start(run, bugs, Map.of());
  }

  private RatisCluster start(String run, Set<String> bugs, Map<String, String> options) throws IOException {
    cluster = new RatisSystem().start(new ClusterSpec(3, runs.resolve(run), 11, bugs, options));
    return cluster;
  }

  @AfterEach
  void close_leavesNoProcess() throws IOException {
    if (cluster == null) return;
    cluster.close();
    assertEquals(List.of(), ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
  }

  private static Op write(Client c, long key, long value) { return c.invoke(Op.invoke(0, "write", key, value)); }

  private static Op read(Client c, long key) { return c.invoke(Op.invoke(0, "read", key, null)); }

  private int indexOf(String nodeId) { return Integer.parseInt(nodeId.substring(1)) - 1; }

  /** Cuts every link between {@code isolated} and the other nodes, both ways. */
  private void isolate(String isolated, boolean cut) throws IOException {
    for (Node other : cluster.nodes()) {
      if (other.id().equals(isolated)) continue;
      cluster.setLink(isolated, other.id(), LinkFaults.NONE.withCut(cut));
      cluster.setLink(other.id(), isolated, LinkFaults.NONE.withCut(cut));
    }
  }

  @Test
  void leaderIsolatedByPartition_othersElectANewLeader_andHealingRestoresWritesEverywhere() throws Exception {
    start("partition", Set.of());
    leaderIsolated_newLeader_healRestoresWrites();
  }

  @Test
  void onTheNetnsBackend_leaderIsolatedByNftables_othersElectANewLeader_andHealingRestoresWrites() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.faultline.local.NetnsNetwork.unavailableReason().isEmpty(),
        () -> "skipped: " + io.faultline.local.NetnsNetwork.unavailableReason().orElse(""));
    start("netns", Set.of(), Map.of(RatisOptions.NETWORK, "netns"));
    leaderIsolated_newLeader_healRestoresWrites();
  }

  private void leaderIsolated_newLeader_healRestoresWrites() throws Exception {
    String oldLeader = cluster.leader().orElseThrow();
    try (Client atOld = cluster.client(indexOf(oldLeader))) {
      assertTrue(write(atOld, 1, 10).isOk());
      isolate(oldLeader, true);
      long started = System.nanoTime();
      Optional<String> newLeader = Optional.empty();
      while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(NEW_LEADER_WAIT_MS)) {
        newLeader = cluster.leader().filter(l -> !l.equals(oldLeader));
        if (newLeader.isPresent()) break;
        Thread.sleep(200);
      }
      System.out.printf("[timing] new leader %s after %d ms of partition%n", newLeader,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      assertTrue(newLeader.isPresent(), "no new leader among the majority");
      assertNotEquals(oldLeader, newLeader.get());
      try (Client atNew = cluster.client(indexOf(newLeader.get()))) {
        assertTrue(write(atNew, 1, 11).isOk(), "the majority side takes writes");
      }
      isolate(oldLeader, false);
      Op healed = write(atOld, 1, 12);
      assertTrue(healed.isOk(), "write through the formerly isolated node after the heal: " + healed);
      assertEquals(12L, read(atOld, 1).value());
    }
  }

  @Test
  void blindRetryBug_underDelay_appliesACasTwice_andReportsTheSecondApplicationsFailure() throws Exception {
    start("blind-retry", Set.of(RatisSystem.BUG_BLIND_RETRY));
    String leader = cluster.leader().orElseThrow();
    try (Client c = cluster.client(indexOf(leader))) {
      assertTrue(write(c, 5, 0).isOk());
      // Every commit now needs a round trip of 2 x 100 ms: longer than the first blind attempt (150 ms), shorter
      // than the second (300 ms), which then finds its compare failed.
      for (Node a : cluster.nodes()) {
        for (Node b : cluster.nodes()) {
          if (!a.id().equals(b.id())) cluster.setLink(a.id(), b.id(), LinkFaults.NONE.withDelay(100, 0));
        }
      }
      Op cas = c.invoke(Op.invoke(0, "cas", 5L, List.of(0L, 1L)));
      cluster.healAll();
      Op after = read(c, 5);
      System.out.printf("[blind-retry] cas(0->1) under delay: %s, then read: %s%n", cas, after);
      assertEquals(1L, after.value(), "the cas took effect");
      assertTrue(cas.isFail(), "yet its client says it did not, because the blind retry's compare failed: " + cas);
    }
  }
}
