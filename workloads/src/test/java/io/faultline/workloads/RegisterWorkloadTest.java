package io.faultline.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RegisterWorkloadTest {
  private static final RegisterWorkload.Options SMALL = RegisterWorkload.Options.defaults().withOpsPerKey(20);

  @Test
  void sameSeed_givesSameOps_otherSeed_otherOps() {
    List<Op> a = Drive.ops(RegisterWorkload.generator(11, SMALL), 10, 3000);
    assertEquals(a, Drive.ops(RegisterWorkload.generator(11, SMALL), 10, 3000));
    assertNotEquals(a, Drive.ops(RegisterWorkload.generator(12, SMALL), 10, 3000));
    RegisterWorkload.Options zipf = SMALL.withKeyChoice(RegisterWorkload.KeyChoice.ZIPFIAN).withKeyCount(50);
    assertEquals(Drive.ops(RegisterWorkload.generator(11, zipf), 10, 3000), Drive.ops(RegisterWorkload.generator(11, zipf), 10, 3000));
  }

  @Test
  void vocabulary_isReadWriteCasOnLongKeys_roughlyAThirdEach() {
    Map<String, Integer> counts = new HashMap<>();
    for (Op op : Drive.ops(RegisterWorkload.generator(3, RegisterWorkload.Options.defaults()), 6, 9000)) {
      counts.merge(op.f(), 1, Integer::sum);
      assertTrue(op.isInvoke());
      assertTrue(op.key() instanceof Long);
      switch (op.f()) {
        case "read": assertNull(op.value()); break;
        case "write": assertTrue((Long) op.value() >= 0 && (Long) op.value() < 5); break;
        case "cas":
          List<?> v = (List<?>) op.value();
          assertEquals(2, v.size());
          for (Object x : v) assertTrue((Long) x >= 0 && (Long) x < 5);
          break;
        default: throw new AssertionError("unexpected f " + op.f());
      }
    }
    assertEquals(Set.of("read", "write", "cas"), counts.keySet());
    for (int c : counts.values()) assertTrue(c > 2600 && c < 3400, counts.toString());
  }

  @Test
  void noKeyGetsMoreThanOpsPerKey_uniform() {
    Map<Object, Integer> perKey = countPerKey(Drive.ops(RegisterWorkload.generator(5, SMALL), 10, 5000));
    assertTrue(perKey.size() >= 5000 / 20);
    for (int c : perKey.values()) assertTrue(c <= 20, perKey.toString());
    // uniform keys are fresh keys in order
    assertEquals(0L, new TreeSet<>(perKey.keySet()).first());
  }

  @Test
  void noKeyGetsMoreThanOpsPerKey_zipfian_andTheGeneratorEndsWhenKeysRunOut() {
    RegisterWorkload.Options zipf = SMALL.withKeyChoice(RegisterWorkload.KeyChoice.ZIPFIAN).withKeyCount(30);
    List<Op> ops = Drive.ops(RegisterWorkload.generator(5, zipf), 7, 100_000);
    Map<Object, Integer> perKey = countPerKey(ops);
    for (int c : perKey.values()) assertTrue(c <= 20, perKey.toString());
    assertEquals(30, perKey.size());
    assertEquals(30 * 20, ops.size(), "every key used up exactly, then exhausted");
    for (Object k : perKey.keySet()) assertTrue((Long) k >= 0 && (Long) k < 30);
  }

  @Test
  void zipfian_drawsLowKeysMostOften() {
    // with s = 1 over 1000 keys, P(key < 100) = H(100)/H(1000) = 0.69 (uniform would give 0.1)
    RegisterWorkload.Options zipf = SMALL.withKeyChoice(RegisterWorkload.KeyChoice.ZIPFIAN).withKeyCount(1000);
    int low = 0;
    for (long seed = 0; seed < 300; seed++) {
      Op first = RegisterWorkload.generator(seed, zipf).next(new Context(0, 0, 0, 3)).op();
      if ((Long) first.key() < 100) low++;
    }
    assertTrue(low > 170 && low < 240, "first keys < 100: " + low + " of 300");
  }

  @Test
  void eachKeyIsSharedByAtMostThreadsPerKeyThreadsOfOneGroup() {
    for (RegisterWorkload.KeyChoice choice : RegisterWorkload.KeyChoice.values()) {
      RegisterWorkload.Options o = SMALL.withKeyChoice(choice).withKeyCount(200);
      List<Integer> threads = new ArrayList<>();
      List<Op> ops = Drive.ops(RegisterWorkload.generator(9, o), 10, 4000, 1_000_000L, threads);
      Map<Object, Set<Integer>> threadsOfKey = new HashMap<>();
      for (int i = 0; i < ops.size(); i++) threadsOfKey.computeIfAbsent(ops.get(i).key(), k -> new HashSet<>()).add(threads.get(i));
      for (Set<Integer> ts : threadsOfKey.values()) {
        assertTrue(ts.size() <= 3, choice + ": " + ts);
        Set<Integer> groups = new HashSet<>();
        for (int t : ts) groups.add(t / 3);
        assertEquals(1, groups.size(), choice + ": " + ts);
      }
    }
  }

  @Test
  void workload_isNamedRegister_needsRegister_andFinallyReadsEveryTouchedKeyOnce() {
    Workload w = RegisterWorkload.create(21, SMALL);
    assertEquals("register", w.name());
    assertEquals(Set.of(Capability.REGISTER), w.needs());
    List<Op> main = Drive.ops(Generators.limit(333, w.generator()), 5, 10_000);
    Set<Object> touched = new HashSet<>();
    for (Op op : main) touched.add(op.key());
    List<Op> reads = Drive.ops(w.finalGenerator(), 5, 10_000);
    assertEquals(touched.size(), reads.size());
    assertEquals(touched, new HashSet<>(reads.stream().map(Op::key).toList()));
    for (Op r : reads) {
      assertEquals("read", r.f());
      assertNull(r.value());
      assertTrue(r.isInvoke());
      assertTrue(r.process() >= 100);
    }
  }

  @Test
  void options_rejectBadValuesNamingTheField() {
    RegisterWorkload.Options d = RegisterWorkload.Options.defaults();
    assertEquals(3, d.threadsPerKey());
    assertEquals(200, d.opsPerKey());
    assertEquals(RegisterWorkload.KeyChoice.UNIFORM, d.keyChoice());
    assertMessage("threadsPerKey", () -> d.withThreadsPerKey(0));
    assertMessage("opsPerKey", () -> d.withOpsPerKey(-3));
    assertMessage("keyCount", () -> d.withKeyCount(0));
    assertMessage("zipfExponent", () -> d.withZipfExponent(Double.NaN));
    assertMessage("readWeight", () -> d.withWeights(-1, 1, 1));
    assertMessage("readWeight, writeWeight, casWeight", () -> d.withWeights(0, 0, 0));
    assertMessage("keyChoice", () -> RegisterWorkload.KeyChoice.parse("hot"));
    assertEquals(RegisterWorkload.KeyChoice.ZIPFIAN, RegisterWorkload.KeyChoice.parse("zipfian"));
    assertEquals(7, RegisterWorkload.Options.defaultsHelp().size());
  }

  private static void assertMessage(String field, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
  }

  private static Map<Object, Integer> countPerKey(List<Op> ops) {
    Map<Object, Integer> m = new HashMap<>();
    for (Op op : ops) m.merge(op.key(), 1, Integer::sum);
    return m;
  }
}
