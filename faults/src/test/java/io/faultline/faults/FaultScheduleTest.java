package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.faults.Fakes.FakeNode;
import io.faultline.history.History;
import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {
  private static final List<String> BOTH = List.of("kill", "pause");

  @Test
  void sameArguments_giveIdenticalSchedules() {
    assertEquals(FaultSchedule.generate(BOTH, "majority", 10_000, 120_000, 99), FaultSchedule.generate(BOTH, "majority", 10_000, 120_000, 99));
    assertNotEquals(FaultSchedule.generate(BOTH, "majority", 10_000, 120_000, 99), FaultSchedule.generate(BOTH, "majority", 10_000, 120_000, 100));
  }

  @Test
  void oneFaultAtATime_eachHealedBeforeTheNext_nothingAtOrAfterTheEnd() {
    for (long seed = 0; seed < 50; seed++) {
      long intervalMs = 2_000 + seed * 300;
      long timeMs = 60_000;
      List<ScheduledFault> s = FaultSchedule.generate(BOTH, "one", intervalMs, timeMs, seed);
      assertTrue(s.size() >= 2, "seed " + seed);
      long last = -1;
      for (int i = 0; i < s.size(); i++) {
        ScheduledFault e = s.get(i);
        assertTrue(e.atMs() > last, "strictly after the previous entry, seed " + seed);
        assertTrue(e.atMs() < timeMs);
        last = e.atMs();
        String f = e.op().f();
        if (i % 2 == 0) {
          assertTrue(f.equals("kill") || f.equals("pause"), f);
          assertEquals("one", e.op().value());
          long slotStart = e.atMs() / intervalMs * intervalMs;
          assertTrue(e.atMs() < slotStart + intervalMs);
        } else {
          String fault = s.get(i - 1).op().f();
          assertEquals(fault.equals("kill") ? "start" : "resume", f);
          long durationMs = e.atMs() - s.get(i - 1).atMs();
          if (fault.equals("pause")) assertTrue(durationMs >= 500 && durationMs <= 3_000, "pause " + durationMs);
          else assertTrue(durationMs >= intervalMs / 5 && durationMs <= intervalMs / 2 + 1, "kill " + durationMs);
        }
        assertEquals(Op.NEMESIS, e.op().process());
      }
    }
  }

  @Test
  void onlyTheAskedFaults_andOnePerSlotWhenNothingOverruns() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of("pause"), "minority", 10_000, 100_000, 5);
    assertEquals(20, s.size());
    for (ScheduledFault e : s) assertTrue(e.op().f().equals("pause") || e.op().f().equals("resume"));
  }

  @Test
  void lastHealIsOmittedWhenItWouldFallAfterTheEnd() {
    for (long seed = 0; seed < 50; seed++) {
      List<ScheduledFault> s = FaultSchedule.generate(List.of("kill"), "all", 10_000, 10_000, seed);
      assertTrue(s.size() == 1 || s.size() == 2);
      assertTrue(s.get(s.size() - 1).atMs() < 10_000);
    }
    assertEquals(List.of(), FaultSchedule.generate(List.of("kill"), "all", 10_000, 0, 1));
  }

  @Test
  void describe_isOneLinePerEntry() {
    List<ScheduledFault> s = FaultSchedule.generate(BOTH, "leader", 5_000, 30_000, 3);
    String text = FaultSchedule.describe(s);
    String[] lines = text.split("\n");
    assertEquals(s.size(), lines.length);
    assertTrue(lines[0].matches(" *\\d+ ms  (kill|pause) leader"), lines[0]);
    assertTrue(lines[1].matches(" *\\d+ ms  (start|resume) all"), lines[1]);
  }

  @Test
  void badArguments_nameTheField() {
    assertMessage("faults", () -> FaultSchedule.generate(List.of("partition-everything"), "one", 1000, 1000, 1));
    assertMessage("faults", () -> FaultSchedule.generate(List.of(), "one", 1000, 1000, 1));
    assertMessage("targets", () -> FaultSchedule.generate(BOTH, "some", 1000, 1000, 1));
    assertMessage("intervalMs", () -> FaultSchedule.generate(BOTH, "one", 0, 1000, 1));
    assertMessage("timeMs", () -> FaultSchedule.generate(BOTH, "one", 10, -1, 1));
    assertMessage("pauseMsMax", () -> new FaultSchedule.Options(500, 100, 0.2, 0.5));
    assertMessage("killFractionMin", () -> new FaultSchedule.Options(500, 1000, 0, 0.5));
  }

  @Test
  void scheduleRunThroughTheNemesis_yieldsMatchingIntervals() {
    List<FakeNode> nodes = Fakes.nodes(3);
    ProcessNemesis nemesis = new ProcessNemesis(new Fakes.FakeCluster(nodes), 11);
    List<ScheduledFault> schedule = FaultSchedule.generate(BOTH, "majority", 5_000, 31_000, 11);
    List<Op> ops = new ArrayList<>();
    for (ScheduledFault s : schedule) {
      long t = s.atMs() * 1_000_000L;
      ops.add(s.op().withTime(t));
      ops.add(nemesis.invoke(s.op()).withTime(t + 1_000));
    }
    for (Op h : nemesis.healOps()) {
      ops.add(h.withTime(31_000_000_000L));
      ops.add(nemesis.invoke(h).withTime(31_000_001_000L));
    }
    List<FaultInterval> intervals = FaultIntervals.from(History.of(ops));
    assertEquals(schedule.size() / 2 + schedule.size() % 2, intervals.size() / 2, intervals.toString());
    for (FaultInterval i : intervals) {
      assertTrue(i.endNs() > i.startNs(), i.toString());
      assertEquals(1, i.nodes().size());
    }
    for (FakeNode n : nodes) assertTrue(n.isRunning() && !n.stopped);
  }

  private static void assertMessage(String field, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
  }
}
