package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.sut.LinkFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schedules of network, clock and disk faults, alone and combined, and the nemeses that run them. */
class NetworkScheduleTest {
  private static final List<String> ALL = FaultSchedule.names();

  @Test
  void sameSeed_givesByteIdenticalDescriptions_forEveryFault_aloneAndCombined() {
    for (boolean combined : List.of(false, true)) {
      String a = FaultSchedule.describe(FaultSchedule.generate(ALL, "minority", 5_000, 300_000, 42,
          FaultSchedule.Options.defaults(), combined), 300_000);
      String b = FaultSchedule.describe(FaultSchedule.generate(ALL, "minority", 5_000, 300_000, 42,
          FaultSchedule.Options.defaults(), combined), 300_000);
      assertEquals(a, b);
      assertNotEquals(a, FaultSchedule.describe(FaultSchedule.generate(ALL, "minority", 5_000, 300_000, 43,
          FaultSchedule.Options.defaults(), combined), 300_000));
      assertTrue(a.endsWith("   300000 ms  heal all\n"), a);
    }
  }

  @Test
  void partition_cyclesThroughEveryShapeInOrder() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of("partition"), "one", 1_000, 60_000, 5);
    List<Object> shapes = new ArrayList<>();
    for (ScheduledFault e : s) if (e.op().f().equals("start-partition")) shapes.add(e.op().value());
    assertTrue(shapes.size() >= Grudges.SHAPES.size(), shapes.toString());
    assertEquals(Grudges.SHAPES, shapes.subList(0, Grudges.SHAPES.size()));
    for (ScheduledFault e : FaultSchedule.generate(List.of("partition-bridge"), "one", 1_000, 20_000, 5)) {
      if (e.op().f().equals("start-partition")) assertEquals("bridge", e.op().value());
    }
  }

  @Test
  void everyFaultIsHealedBeforeTheNextSlot_andCombinedSlotsMixTwoFamilies() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of("delay", "partition", "kill"), "one", 10_000, 200_000, 9,
        FaultSchedule.Options.defaults(), true);
    int open = 0;
    int maxOpen = 0;
    for (ScheduledFault e : s) {
      String f = e.op().f();
      if (f.startsWith("start-") || f.equals("kill")) open++;
      else open--;
      maxOpen = Math.max(maxOpen, open);
    }
    assertTrue(maxOpen == 2, "two faults at once: " + FaultSchedule.describe(s));
    assertTrue(open <= 2 && open >= 0);
  }

  @Test
  void compositeNemesis_runsAScheduleOnAFakeCluster_andHealLeavesNothing() {
    NetworkNemesisTest.FakeNetworkCluster cluster = new NetworkNemesisTest.FakeNetworkCluster(5, false);
    CompositeNemesis nemesis = CompositeNemesis.standard(cluster, 3, false);
    List<Op> history = new ArrayList<>();
    long t = 0;
    List<String> faults = List.of("partition", "delay", "blackhole", "bandwidth", "reset", "slow-close", "kill", "pause");
    for (ScheduledFault e : FaultSchedule.generate(faults, "minority", 1_000, 100_000, 3, FaultSchedule.Options.defaults(), true)) {
      history.add(e.op().withTime(t++));
      Op done = nemesis.invoke(e.op());
      assertTrue(done.error() == null || done.error().isEmpty(), done.toString());
      history.add(done.withTime(t++));
      // A client op that succeeds right after each entry, for recovery times.
      history.add(Op.invoke(0, "read", 1L, null).withTime(t++));
      history.add(Op.invoke(0, "read", 1L, null).ok(1L).withTime(t++));
    }
    Op heal = Op.invoke(Op.NEMESIS, CompositeNemesis.HEAL, null, "all");
    history.add(heal.withTime(t++));
    history.add(nemesis.invoke(heal).withTime(t++));
    assertTrue(cluster.links.isEmpty());
    for (Fakes.FakeNode n : List.of((Fakes.FakeNode) cluster.nodes.get(0))) assertTrue(n.running && !n.stopped);
    List<FaultInterval> intervals = FaultIntervals.from(History.of(history));
    assertTrue(intervals.stream().anyMatch(i -> i.kind().startsWith("partition-")), intervals.toString());
    for (FaultInterval i : intervals) {
      assertTrue(i.endNs() >= 0, i.toString());
      assertEquals(1, FaultIntervals.recoveryNs(History.of(history), i) >= 1 ? 1 : 0, i.toString());
    }
  }

  @Test
  void tornTail_killsDamagesTheNewestFileAndStarts(@TempDir Path dir) throws Exception {
    Fakes.FakeNode node = new Fakes.FakeNode("n1") {
      @Override public Path dataDir() { return dir; }
    };
    Path old = Files.write(dir.resolve("log_0-99"), new byte[1000]);
    Path newest = Files.write(dir.resolve("log_inprogress_100"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 0, 0});
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(1_000));
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(List.of(node)), 1);
    Op done = nemesis.invoke(Op.invoke(Op.NEMESIS, DiskNemesis.FUNCTION, null, Map.of("targets", "all", "mode", "zero", "bytes", 3L)));
    assertEquals(List.of("kill", "start"), node.events);
    assertEquals(List.of(Map.of("node", "n1", "file", "log_inprogress_100", "mode", "zero", "bytes", 3L, "size_before", 10L,
        "data_end", 8L)), done.value());
    assertEquals(List.of((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0),
        toList(Files.readAllBytes(newest)), "the written tail is zeroed, before the padding");
    nemesis.invoke(Op.invoke(Op.NEMESIS, DiskNemesis.FUNCTION, null, Map.of("targets", "all", "mode", "truncate", "bytes", 100L)));
    assertEquals(0, Files.size(newest));
    assertEquals(1000, Files.size(old));
  }

  private static List<Byte> toList(byte[] bytes) {
    List<Byte> out = new ArrayList<>();
    for (byte b : bytes) out.add(b);
    return out;
  }

  @Test
  void linkFaults_rejectBadValues_namingTheField() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> LinkFaults.NONE.withDelay(10, 20));
    assertTrue(e.getMessage().contains("jitterMs"));
  }
}
