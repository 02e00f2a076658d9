package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.ClockControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The {@code clock} family of fault schedules: skews, jumps and strobes, drawn from the seed. */
class ClockScheduleTest {
  private static final List<String> CLOCK = List.of("clock");
  private static final long INTERVAL_MS = 5_000;
  private static final long TIME_MS = 60_000;

  private static List<ScheduledFault> schedule(long seed) {
    return FaultSchedule.generate(CLOCK, "minority", INTERVAL_MS, TIME_MS, seed);
  }

  private static List<Map<?, ?>> clockStarts(List<ScheduledFault> schedule) {
    List<Map<?, ?>> out = new ArrayList<>();
    for (ScheduledFault e : schedule) if (e.op().f().equals("start-clock")) out.add((Map<?, ?>) e.op().value());
    return out;
  }

  @Test
  void sameSeed_givesByteIdenticalDescription_andAnotherSeedAnother() {
    for (long seed = 0; seed < 10; seed++) {
      String a = FaultSchedule.describe(schedule(seed), TIME_MS);
      assertEquals(a, FaultSchedule.describe(schedule(seed), TIME_MS), "seed " + seed);
      assertNotEquals(a, FaultSchedule.describe(schedule(seed + 1), TIME_MS), "seed " + seed);
    }
  }

  @Test
  void description_namesTheModeAndItsValues() {
    String described = FaultSchedule.describe(schedule(7));
    for (String line : described.split("\n")) {
      if (line.contains("start-clock")) {
        assertTrue(line.matches(" *\\d+ ms  start-clock \\{targets=minority, mode=(skew|jump|strobe), offset_ms=-?\\d+, rate=\\d\\.\\d{1,2}}"), line);
      } else {
        assertTrue(line.matches(" *\\d+ ms  stop-clock"), line);
      }
    }
  }

  @Test
  void everyMode_appearsWithinAFewSeeds() {
    Set<Object> modes = new TreeSet<>();
    for (long seed = 0; seed < 3; seed++) for (Map<?, ?> args : clockStarts(schedule(seed))) modes.add(args.get("mode"));
    assertEquals(new TreeSet<>(FaultSchedule.CLOCK_MODES), modes);
  }

  @Test
  void skewIsSmall_jumpIsLarge_strobeChangesOnlyTheRate_allInRange() {
    int skews = 0;
    int jumps = 0;
    int strobes = 0;
    boolean ahead = false;
    boolean behind = false;
    boolean faster = false;
    boolean slower = false;
    for (long seed = 0; seed < 200; seed++) {
      List<ScheduledFault> s = schedule(seed);
      for (int i = 0; i < s.size(); i++) {
        Op op = s.get(i).op();
        if (!op.f().equals("start-clock")) continue;
        if (i + 1 < s.size()) assertEquals("stop-clock", s.get(i + 1).op().f(), "each clock fault is healed before the next, seed " + seed);
        Map<?, ?> args = (Map<?, ?>) op.value();
        assertEquals(List.of("targets", "mode", "offset_ms", "rate"), new ArrayList<>(args.keySet()));
        assertEquals("minority", args.get("targets"));
        long offsetMs = (Long) args.get("offset_ms");
        double rate = (Double) args.get("rate");
        String where = args + ", seed " + seed;
        switch ((String) args.get("mode")) {
          case "skew":
            skews++;
            assertTrue(Math.abs(offsetMs) >= FaultSchedule.CLOCK_SKEW_MS_MIN && Math.abs(offsetMs) <= FaultSchedule.CLOCK_SKEW_MS_MAX, where);
            assertEquals(1.0, rate, where);
            break;
          case "jump":
            jumps++;
            assertTrue(Math.abs(offsetMs) >= 1_000 && Math.abs(offsetMs) <= 60_000, where);
            assertEquals(1.0, rate, where);
            ahead |= offsetMs > 0;
            behind |= offsetMs < 0;
            break;
          case "strobe":
            strobes++;
            assertEquals(0, offsetMs, where);
            assertTrue(rate >= 0.5 && rate <= 2.0, where);
            assertTrue(Math.abs(rate - 1.0) >= 0.05 - 1e-9, where);
            assertEquals(rate, Math.round(rate * 100) / 100.0, "whole percents: " + where);
            faster |= rate > 1.0;
            slower |= rate < 1.0;
            break;
          default:
            throw new AssertionError("unknown mode: " + where);
        }
      }
    }
    assertTrue(ahead && behind && faster && slower, "jumps both ways, strobes both ways");
    int total = skews + jumps + strobes;
    for (int n : new int[] {skews, jumps, strobes}) assertTrue(n > total / 5, "modes drawn about evenly: " + skews + "/" + jumps + "/" + strobes);
  }

  /** A node that records the offset and rate it was last given. */
  private static final class ClockNode extends Fakes.PlainNode implements ClockControl {
    long offsetMs;
    double rate = 1.0;

    ClockNode(String id) { super(id); }

    @Override public void setClockOffsetMs(long newOffsetMs) { offsetMs = newOffsetMs; }
    @Override public void setClockRate(double newRate) { rate = newRate; }
  }

  @Test
  void clockNemesis_appliesEachDrawnFault_andItsHealPutsTheClockBack() {
    ClockNode node = new ClockNode("n1");
    ClockNemesis nemesis = new ClockNemesis(new Fakes.FakeCluster(List.of(node)), 1);
    List<ScheduledFault> s = FaultSchedule.generate(CLOCK, "all", INTERVAL_MS, TIME_MS, 3);
    assertTrue(s.size() >= 4, FaultSchedule.describe(s));
    for (ScheduledFault e : s) {
      Op done = nemesis.invoke(e.op());
      assertEquals(null, done.error(), done.toString());
      if (e.op().f().equals("start-clock")) {
        Map<?, ?> args = (Map<?, ?>) e.op().value();
        assertEquals(args.get("offset_ms"), node.offsetMs);
        assertEquals(args.get("rate"), node.rate);
      } else {
        assertEquals(0, node.offsetMs);
        assertEquals(1.0, node.rate);
      }
    }
  }
}
