package io.faultline.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorsTest {
  private static Generator randomWrites(long seed) {
    return Generators.repeat(seed, (ctx, rng) -> Op.invoke(ctx.process(), "write", null, rng.below(1000)));
  }

  private static Generator composed(long seed) {
    Generator reads = Generators.repeat(ctx -> Op.invoke(0, "read", null, null));
    return Generators.phases(List.of(
        Generators.limit(50, Generators.mix(seed, List.of(reads, randomWrites(seed + 1)))),
        Generators.limit(20, Generators.stagger(seed + 2, 1000, randomWrites(seed + 3))),
        Generators.onThreads(Set.of(0), Generators.ops(List.of(Op.invoke(0, "cas", null, List.of(1L, 2L)))))));
  }

  @Test
  void sameSeedAndContexts_giveSameOps() {
    List<Op> a = Drive.ops(composed(42), 4, 10_000);
    List<Op> b = Drive.ops(composed(42), 4, 10_000);
    assertEquals(71, a.size());
    assertEquals(a, b);
    assertNotEquals(a, Drive.ops(composed(43), 4, 10_000));
  }

  @Test
  void ops_carryTheAskingProcess() {
    List<Integer> threads = new ArrayList<>();
    List<Op> ops = Drive.ops(composed(1), 3, 10_000, 1_000_000L, threads);
    for (int i = 0; i < ops.size(); i++) assertEquals(100 + threads.get(i), ops.get(i).process());
  }

  @Test
  void limit_stopsAfterCount() {
    assertEquals(7, Drive.ops(Generators.limit(7, randomWrites(1)), 2, 100).size());
    assertEquals(0, Drive.ops(Generators.limit(0, randomWrites(1)), 2, 100).size());
  }

  @Test
  void timeLimit_stopsAtDeadlineCountedFromFirstRequest() {
    // one request per ms, deadline 10 ms after the first request
    assertEquals(10, Drive.ops(Generators.timeLimit(10_000_000L, randomWrites(1)), 2, 100).size());
  }

  @Test
  void rate_spacesOpsEvenly() {
    Generator g = Generators.limit(5, Generators.rate(100, randomWrites(1)));
    List<Long> times = new ArrayList<>();
    long t = 0;
    while (g != null) {
      Step s = g.next(new Context(t, 0, 0, 1));
      if (s.isExhausted()) break;
      if (s.op() != null) times.add(t);
      else t = s.waitUntilNs();
      g = s.rest();
    }
    assertEquals(List.of(0L, 10_000_000L, 20_000_000L, 30_000_000L, 40_000_000L), times);
  }

  @Test
  void stagger_averagesItsRateAndJittersBySeed() {
    Generator g = Generators.limit(2000, Generators.stagger(9, 1000, randomWrites(1)));
    long t = 0;
    List<Long> times = new ArrayList<>();
    while (g != null) {
      Step s = g.next(new Context(t, 0, 0, 1));
      if (s.isExhausted()) break;
      if (s.op() != null) times.add(t);
      else t = s.waitUntilNs();
      g = s.rest();
    }
    double meanGapMs = (times.get(times.size() - 1) - times.get(0)) / 1e6 / (times.size() - 1);
    assertTrue(meanGapMs > 0.9 && meanGapMs < 1.1, "mean gap " + meanGapMs);
    assertTrue(new HashSet<>(times).size() == times.size());
  }

  @Test
  void mix_neverPicksAZeroWeight() {
    Generator reads = Generators.repeat(ctx -> Op.invoke(0, "read", null, null));
    Generator g = Generators.limit(300, Generators.mix(3, List.of(reads, randomWrites(2)), List.of(0.0, 1.0)));
    for (Op op : Drive.ops(g, 2, 1000)) assertEquals("write", op.f());
  }

  @Test
  void mix_dropsExhaustedGenerators() {
    Generator one = Generators.ops(List.of(Op.invoke(0, "a", null, null)));
    Generator two = Generators.ops(List.of(Op.invoke(0, "b", null, null), Op.invoke(0, "c", null, null)));
    List<Op> ops = Drive.ops(Generators.mix(5, List.of(one, two)), 1, 100);
    assertEquals(3, ops.size());
  }

  @Test
  void onThreads_givesOtherThreadsNothing() {
    List<Integer> threads = new ArrayList<>();
    List<Op> ops = Drive.ops(Generators.limit(20, Generators.onThreads(Set.of(1, 2), randomWrites(1))), 4, 1000, 1_000_000L, threads);
    assertEquals(20, ops.size());
    assertEquals(Set.of(1, 2), new HashSet<>(threads));
  }

  @Test
  void any_servesEachThreadItsOwnGenerator() {
    Generator g = Generators.any(List.of(
        Generators.limit(5, Generators.onThreads(Set.of(0), Generators.repeat(ctx -> Op.invoke(0, "a", null, null)))),
        Generators.limit(5, Generators.onThreads(Set.of(1), Generators.repeat(ctx -> Op.invoke(0, "b", null, null))))));
    List<Integer> threads = new ArrayList<>();
    List<Op> ops = Drive.ops(g, 2, 1000, 1_000_000L, threads);
    assertEquals(10, ops.size());
    for (int i = 0; i < ops.size(); i++) assertEquals(threads.get(i) == 0 ? "a" : "b", ops.get(i).f());
  }

  @Test
  void eachThread_givesEveryThreadAllOps_thenEnds() {
    Generator g = Generators.eachThread(Generators.ops(List.of(Op.invoke(0, "a", null, null), Op.invoke(0, "b", null, null))));
    List<Integer> threads = new ArrayList<>();
    List<Op> ops = Drive.ops(g, 3, 1000, 1_000_000L, threads);
    assertEquals(6, ops.size());
    for (int t = 0; t < 3; t++) {
      List<String> fs = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) if (threads.get(i) == t) fs.add(ops.get(i).f());
      assertEquals(List.of("a", "b"), fs);
    }
  }

  @Test
  void sleep_waitsThenEnds() {
    Generator g = Generators.phases(List.of(Generators.sleep(5_000_000L), Generators.ops(List.of(Op.invoke(0, "x", null, null)))));
    Step s = g.next(new Context(1_000_000L, 0, 0, 1));
    assertEquals(6_000_000L, s.waitUntilNs());
    Step t = s.rest().next(new Context(6_000_000L, 0, 0, 1));
    assertEquals("x", t.op().f());
  }

  @Test
  void badArguments_nameTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Generators.rate(0, randomWrites(1)));
    assertTrue(e.getMessage().startsWith("opsPerSecond"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Generators.limit(-1, randomWrites(1)));
    assertTrue(e.getMessage().startsWith("count"), e.getMessage());
  }

  @Test
  void splitMix64_isAPureValue() {
    SplitMix64 a = SplitMix64.seeded(7);
    assertEquals(a.bits(), SplitMix64.seeded(7).bits());
    assertNotEquals(a.bits(), a.next().bits());
    assertNotEquals(a.fork().bits(), a.next().bits());
    for (SplitMix64 r = a; r.state() != a.next().next().next().state(); r = r.next()) {
      long v = r.between(3, 5);
      assertTrue(v >= 3 && v <= 5);
    }
  }
}
