package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.sut.StorageFaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The disk nemesis on nodes that take storage faults, its damage bound, and the {@code disk} family of schedules. */
class DiskFaultsTest {
  private static final long INTERVAL_MS = 5_000;
  private static final long TIME_MS = 60_000;

  private static List<Fakes.StorageNode> storageNodes(int n, List<String> log) {
    List<Fakes.StorageNode> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(new Fakes.StorageNode("n" + i, log));
    return out;
  }

  private static Op op(String f, Object value) { return Op.invoke(Op.NEMESIS, f, null, value); }

  @Test
  void loseUnsynced_onAMajority_armsEveryTargetBeforeKillingAny_thenRestartsThem() {
    List<String> log = new ArrayList<>();
    List<Fakes.StorageNode> nodes = storageNodes(3, log);
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(nodes), 3);
    Op done = nemesis.invoke(op(DiskNemesis.LOSE_UNSYNCED, Map.of("targets", "majority", "write_ms", 0L)));
    Map<?, ?> value = (Map<?, ?>) done.value();
    List<?> hit = (List<?>) value.get("nodes");
    assertEquals(2, hit.size(), done.toString());
    assertEquals(0L, value.get("write_ms"));
    assertEquals(null, done.error());
    assertEquals(6, log.size(), log.toString());
    for (int i = 0; i < 2; i++) assertTrue(log.get(i).endsWith("storage LOSE_UNSYNCED"), log.toString());
    for (int i = 2; i < 4; i++) assertTrue(log.get(i).endsWith(" kill"), log.toString());
    for (int i = 4; i < 6; i++) assertTrue(log.get(i).endsWith(" start"), log.toString());
    for (Fakes.StorageNode node : nodes) {
      assertTrue(node.running);
      assertEquals(StorageFaults.Mode.NONE, node.mode, "a restarted node has no fault");
    }
    assertEquals(List.of(), nemesis.healOps(), "nothing left to heal");
  }

  @Test
  void loseUnsynced_refusesAMissingOrHugeWriteTime() {
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(storageNodes(3, new ArrayList<>())), 1);
    assertTrue(nemesis.invoke(op(DiskNemesis.LOSE_UNSYNCED, Map.of("targets", "one"))).error().contains("write_ms"));
    assertTrue(nemesis.invoke(op(DiskNemesis.LOSE_UNSYNCED, Map.of("targets", "one", "write_ms", 1_000_000L))).error().contains("write_ms"));
  }

  @Test
  void fsyncStall_startsOnTheTargets_andStopDiskHealsEveryNodeItTouched() {
    List<String> log = new ArrayList<>();
    List<Fakes.StorageNode> nodes = storageNodes(3, log);
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(nodes), 1);
    Op started = nemesis.invoke(op(DiskNemesis.START, Map.of("targets", "all", "mode", "fsync-stall")));
    assertEquals(Map.of("nodes", List.of("n1", "n2", "n3"), "mode", "fsync-stall"), started.value());
    for (Fakes.StorageNode node : nodes) assertEquals(StorageFaults.Mode.FSYNC_STALL, node.mode);
    assertEquals(List.of(DiskNemesis.STOP), nemesis.healOps().stream().map(Op::f).toList());
    Op stopped = nemesis.invoke(nemesis.healOps().get(0));
    assertEquals(List.of("n1", "n2", "n3"), ((Map<?, ?>) stopped.value()).get("nodes"));
    for (Fakes.StorageNode node : nodes) assertEquals(StorageFaults.Mode.NONE, node.mode);
    assertEquals(List.of(), nemesis.healOps());
  }

  @Test
  void stopDisk_startsANodeThatDiedOfItsFault() throws Exception {
    List<Fakes.StorageNode> nodes = storageNodes(3, new ArrayList<>());
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(nodes), 1);
    nemesis.invoke(op(DiskNemesis.START, Map.of("targets", List.of("n2"), "mode", "disk-full")));
    assertEquals(StorageFaults.Mode.DISK_FULL, nodes.get(1).mode);
    nodes.get(1).running = false; // it halted: its disk was full
    Op stopped = nemesis.invoke(op(DiskNemesis.STOP, null));
    assertEquals(null, stopped.error());
    assertTrue(nodes.get(1).running);
    assertEquals("start", nodes.get(1).events.get(nodes.get(1).events.size() - 1));
  }

  @Test
  void startDisk_refusesAnUnknownMode_byName() {
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(storageNodes(3, new ArrayList<>())), 1);
    Op done = nemesis.invoke(op(DiskNemesis.START, Map.of("targets", "one", "mode", "melt")));
    assertTrue(done.error().contains("melt") && done.error().contains("fsync-stall"), done.error());
  }

  @Test
  void tornTail_onAMajorityOrAll_damagesAtMostAMinority() {
    for (int n : new int[] {3, 5}) {
      List<Fakes.FakeNode> nodes = Fakes.nodes(n);
      DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(nodes), 7);
      Op done = nemesis.invoke(op(DiskNemesis.FUNCTION, Map.of("targets", "all", "mode", "zero", "bytes", 1L)));
      long killed = nodes.stream().filter(node -> node.events.contains("kill")).count();
      assertEquals((n - 1) / 2, killed, n + " nodes: " + done);
      assertTrue(done.error().contains("bounded to " + (n - 1) / 2), done.error());
      for (Fakes.FakeNode node : nodes) assertTrue(node.running);
    }
    assertEquals(1, DiskNemesis.damageBound(1), "a one-node system has no majority to spare");
    assertEquals(1, DiskNemesis.damageBound(4));
  }

  @Test
  void nodesWithoutStorageFaults_getATornTailInstead_withinTheBound() {
    List<Fakes.FakeNode> nodes = Fakes.nodes(3);
    DiskNemesis nemesis = new DiskNemesis(new Fakes.FakeCluster(nodes), 2);
    Op done = nemesis.invoke(op(DiskNemesis.LOSE_UNSYNCED, Map.of("targets", "majority", "write_ms", 0L)));
    assertEquals("torn-tail", ((Map<?, ?>) done.value()).get("instead"), done.toString());
    assertEquals(1, nodes.stream().filter(node -> node.events.contains("kill")).count());
    Op stall = nemesis.invoke(op(DiskNemesis.START, Map.of("targets", "one", "mode", "fsync-stall")));
    assertEquals("torn-tail", ((Map<?, ?>) stall.value()).get("instead"), stall.toString());
    assertEquals(List.of(), nemesis.healOps());
  }

  @Test
  void faultIntervals_showLostUnsyncedWritesAndStalls() {
    List<Op> ops = new ArrayList<>();
    Op lose = op(DiskNemesis.LOSE_UNSYNCED, Map.of("targets", "majority", "write_ms", 300L)).withIndex(0).withTime(10);
    ops.add(lose);
    ops.add(lose.complete(io.faultline.history.OpType.INFO, Map.of("nodes", List.of("n1", "n2"), "write_ms", 300L), null).withIndex(1).withTime(20));
    Op stall = op(DiskNemesis.START, Map.of("targets", "one", "mode", "fsync-stall")).withIndex(2).withTime(30);
    ops.add(stall);
    ops.add(stall.complete(io.faultline.history.OpType.INFO, Map.of("nodes", List.of("n3"), "mode", "fsync-stall"), null).withIndex(3).withTime(31));
    Op stop = op(DiskNemesis.STOP, null).withIndex(4).withTime(40);
    ops.add(stop);
    ops.add(stop.complete(io.faultline.history.OpType.INFO, Map.of("nodes", List.of("n3"), "mode", "none"), null).withIndex(5).withTime(41));
    List<FaultInterval> intervals = FaultIntervals.from(History.of(ops));
    assertEquals(List.of(new FaultInterval("disk-lose-unsynced", List.of("n1", "n2"), 10, 20),
        new FaultInterval("disk-fsync-stall", List.of("n3"), 31, 41)), intervals);
  }

  // ---- schedules

  private static List<Map<?, ?>> values(List<ScheduledFault> schedule, String f) {
    List<Map<?, ?>> out = new ArrayList<>();
    for (ScheduledFault e : schedule) if (e.op().f().equals(f)) out.add((Map<?, ?>) e.op().value());
    return out;
  }

  @Test
  void diskFamily_drawsEveryMode_withEveryParameterInTheOp_sameSeedSameSchedule() {
    Set<String> fs = new TreeSet<>();
    for (long seed = 0; seed < 5; seed++) {
      List<ScheduledFault> a = FaultSchedule.generate(List.of("disk"), "majority", INTERVAL_MS, TIME_MS, seed);
      assertEquals(FaultSchedule.describe(a), FaultSchedule.describe(FaultSchedule.generate(List.of("disk"), "majority", INTERVAL_MS, TIME_MS, seed)));
      assertNotEquals(FaultSchedule.describe(a),
          FaultSchedule.describe(FaultSchedule.generate(List.of("disk"), "majority", INTERVAL_MS, TIME_MS, seed + 1)));
      for (ScheduledFault e : a) fs.add(e.op().f());
      for (Map<?, ?> torn : values(a, DiskNemesis.FUNCTION)) {
        assertEquals("minority", torn.get("targets"), "a torn tail is bounded to a minority: " + torn);
        assertTrue(Set.of("truncate", "zero").contains(torn.get("mode")), torn.toString());
        assertNotNull(torn.get("bytes"));
      }
      for (Map<?, ?> lost : values(a, DiskNemesis.LOSE_UNSYNCED)) {
        assertEquals("majority", lost.get("targets"), "lost unsynced writes on the targets as asked: " + lost);
        long ms = (Long) lost.get("write_ms");
        assertTrue(ms >= FaultSchedule.LOSE_WRITE_MS_MIN && ms <= FaultSchedule.LOSE_WRITE_MS_MAX, lost.toString());
      }
      for (Map<?, ?> stall : values(a, DiskNemesis.START)) assertEquals(Map.of("targets", "majority", "mode", "fsync-stall"), stall);
    }
    assertEquals(new TreeSet<>(List.of(DiskNemesis.FUNCTION, DiskNemesis.START, DiskNemesis.STOP, DiskNemesis.LOSE_UNSYNCED)), fs);
  }

  @Test
  void diskModeFamilies_giveOnlyThatMode() {
    List<ScheduledFault> lose = FaultSchedule.generate(List.of("disk-lose-unsynced"), "majority", INTERVAL_MS, TIME_MS, 4);
    assertTrue(lose.size() >= 6, lose.toString());
    for (ScheduledFault e : lose) assertEquals(DiskNemesis.LOSE_UNSYNCED, e.op().f());
    for (ScheduledFault e : FaultSchedule.generate(List.of("disk-torn-tail"), "all", INTERVAL_MS, TIME_MS, 4)) {
      assertEquals(DiskNemesis.FUNCTION, e.op().f());
      assertEquals("minority", ((Map<?, ?>) e.op().value()).get("targets"));
    }
    for (ScheduledFault e : FaultSchedule.generate(List.of("disk-fsync-stall"), "one", INTERVAL_MS, TIME_MS, 4)) {
      assertTrue(Set.of(DiskNemesis.START, DiskNemesis.STOP).contains(e.op().f()), e.toString());
    }
    assertTrue(FaultSchedule.names().containsAll(List.of("disk", "disk-torn-tail", "disk-fsync-stall", "disk-lose-unsynced",
        "clock-skew", "clock-jump", "clock-strobe")), FaultSchedule.names().toString());
  }

  @Test
  void clockStrobeFamily_givesOnlyTimerRateSkew() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of("clock-strobe"), "leader", INTERVAL_MS, TIME_MS, 9);
    List<Map<?, ?>> starts = values(s, "start-clock");
    assertTrue(starts.size() >= 6, s.toString());
    for (Map<?, ?> args : starts) {
      assertEquals("strobe", args.get("mode"));
      assertEquals(0L, args.get("offset_ms"));
      double rate = (Double) args.get("rate");
      assertTrue(rate >= 0.5 && rate <= 2.0 && Math.abs(rate - 1.0) >= 0.05, args.toString());
    }
  }

  @Test
  void combined_neverPairsADiskFaultWithAKill() {
    for (long seed = 0; seed < 20; seed++) {
      List<ScheduledFault> s = FaultSchedule.generate(List.of("kill", "disk"), "one", INTERVAL_MS, TIME_MS, seed,
          FaultSchedule.Options.defaults(), true);
      for (int i = 1; i < s.size(); i++) {
        boolean diskThenKill = s.get(i).atMs() == s.get(i - 1).atMs() + 1 && s.get(i).op().f().equals("kill");
        assertTrue(!diskThenKill, s.toString());
      }
    }
  }
}
