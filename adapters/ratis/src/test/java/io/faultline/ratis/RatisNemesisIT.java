package io.faultline.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.faults.CompositeNemesis;
import io.faultline.faults.DiskNemesis;
import io.faultline.faults.Grudges;
import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nemeses of faults/ against one real 3-node Ratis cluster: every partition shape, then a torn
 * log tail, then a wall-clock skew; after each heal a write goes through within a bound.
 */
class RatisNemesisIT {
  static final long RECOVERY_WAIT_MS = 30_000;
  static final long PARTITION_MS = 2_500;
  @TempDir Path runs;
  private RatisCluster cluster;

  @AfterEach
  void close_leavesNoProcessAndNoLink() throws IOException {
    if (cluster == null) return;
    cluster.close();
    assertEquals(List.of(), ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
  }

  private static Op nemesisOp(String f, Object value) { return Op.invoke(Op.NEMESIS, f, null, value); }

  /** Writes {@code value} through {@code client} until ok; returns the ms it took. */
  private static long writeUntilOk(Client client, long key, long value) {
    long started = System.nanoTime();
    while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(RECOVERY_WAIT_MS)) {
      if (client.invoke(Op.invoke(0, "write", key, value)).isOk()) return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }
    throw new AssertionError("no write of " + value + " within " + RECOVERY_WAIT_MS + " ms of the heal");
  }

  @Test
  void everyPartitionShape_thenATornTail_thenAClockSkew_healAndWritesResume() throws Exception {
    cluster = new RatisSystem().start(new ClusterSpec(3, runs.resolve("nemeses"), 21, Set.of(),
        Map.of(RatisOptions.FAKE_CLOCK, System.getProperty("faultline.it.fake-clock", "false"))));
    CompositeNemesis nemesis = CompositeNemesis.standard(cluster, 21, false);
    try (Client client = cluster.client(0)) {
      long value = 0;
      writeUntilOk(client, 1, value++);
      for (String shape : Grudges.SHAPES) {
        Op cut = nemesis.invoke(nemesisOp("start-partition", shape));
        assertNull(cut.error(), cut.toString());
        Thread.sleep(PARTITION_MS);
        Op healed = nemesis.invoke(nemesisOp("stop-partition", null));
        assertNull(healed.error(), healed.toString());
        for (Node a : cluster.nodes()) for (Node b : cluster.nodes()) {
          if (!a.id().equals(b.id())) assertEquals(LinkFaults.NONE, cluster.link(a.id(), b.id()));
        }
        System.out.printf("[recovery] %s %s: first write %d ms after the heal%n", shape,
            ((Map<?, ?>) cut.value()).get("grudge"), writeUntilOk(client, 1, value++));
      }

      Op delay = nemesis.invoke(nemesisOp("start-delay", Map.of("targets", "all", "delay_ms", 50L, "jitter_ms", 10L)));
      assertNull(delay.error(), delay.toString());
      System.out.printf("[delay] write under 50±10 ms one-way delay on every link: %d ms%n", writeUntilOk(client, 1, value++));
      nemesis.invoke(nemesisOp("stop-delay", null));

      String follower = cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(cluster.leader().orElse(""))).findFirst().orElseThrow();
      Op torn = nemesis.invoke(nemesisOp(DiskNemesis.FUNCTION, Map.of("targets", List.of(follower), "mode", "truncate", "bytes", 100L)));
      System.out.println("[disk] " + torn);
      assertFalse(((List<?>) torn.value()).isEmpty(), "something was damaged: " + torn);
      String file = String.valueOf(((Map<?, ?>) ((List<?>) torn.value()).get(0)).get("file"));
      assertTrue(file.contains("log_"), file);
      try (Client atFollower = cluster.client(Integer.parseInt(follower.substring(1)) - 1)) {
        System.out.printf("[disk] first write through %s after its torn tail: %d ms%n", follower, writeUntilOk(atFollower, 1, value++));
        assertEquals(value - 1, atFollower.invoke(Op.invoke(0, "read", 1L, null)).value());
      }

      if (Boolean.getBoolean("faultline.it.fake-clock")) {
        Op skew = nemesis.invoke(nemesisOp("start-clock", Map.of("targets", "all", "offset_ms", 60_000L)));
        assertNull(skew.error(), skew.toString());
        Thread.sleep(1_500);
        System.out.printf("[clock] write with every wall clock 60 s ahead: %d ms (Ratis times with the monotonic clock)%n",
            writeUntilOk(client, 1, value++));
      } else {
        Op skew = nemesis.invoke(nemesisOp("start-clock", Map.of("targets", "all", "offset_ms", 60_000L)));
        assertTrue(skew.error().contains(RatisOptions.FAKE_CLOCK), "a real clock says how to fake it: " + skew);
      }
      Op heal = nemesis.invoke(nemesisOp(CompositeNemesis.HEAL, "all"));
      assertNull(heal.error(), heal.toString());
      assertEquals(List.of(), nemesis.healOps());
    }
  }
}
