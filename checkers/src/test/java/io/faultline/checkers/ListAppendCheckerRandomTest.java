package io.faultline.checkers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded simulated stores: one that applies each txn atomically between its invocation and its
 * completion must always pass strict-serializable, whatever fails or crashes; one that applies micro-ops
 * one at a time, interleaved, must be caught.
 */
class ListAppendCheckerRandomTest {
  private static final int KEYS = 4;
  private static final int MOPS_MAX = 4;

  /** @param atomic apply a txn at one instant (strict serializable) or micro-op by micro-op (no isolation) */
  static History simulate(long seed, int txns, int processes, boolean atomic, double failP, double infoP) {
    SplittableRandom random = new SplittableRandom(seed);
    List<List<Long>> lists = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) lists.add(new ArrayList<>());
    long[] nextValue = new long[KEYS];
    int[] id = new int[processes];
    List<Object>[] txn = newTxnArray(processes);
    int[] applied = new int[processes]; // -1 idle, else micro-ops applied so far
    boolean[] failing = new boolean[processes];
    Arrays.fill(applied, -1);
    for (int p = 0; p < processes; p++) id[p] = p;
    int nextId = processes;
    List<Op> ops = new ArrayList<>();
    int invoked = 0;
    while (invoked < txns || Arrays.stream(applied).anyMatch(a -> a >= 0)) {
      int p = random.nextInt(processes);
      if (applied[p] < 0) {
        if (invoked == txns) continue;
        invoked++;
        List<Object> t = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(MOPS_MAX); i < n; i++) {
          int k = random.nextInt(KEYS);
          t.add(random.nextBoolean() ? List.of("append", (long) k, ++nextValue[k]) : Arrays.asList("r", (long) k, null));
        }
        txn[p] = t;
        applied[p] = 0;
        failing[p] = random.nextDouble() < failP;
        ops.add(new Op(-1, -1, id[p], OpType.INVOKE, "txn", t, null, null));
      } else if (random.nextDouble() < infoP) {
        ops.add(new Op(-1, -1, id[p], OpType.INFO, "txn", invocation(txn[p]), null, "crashed"));
        applied[p] = -1;
        id[p] = nextId++;
      } else if (failing[p] && applied[p] == 0) {
        ops.add(new Op(-1, -1, id[p], OpType.FAIL, "txn", txn[p], null, "aborted"));
        applied[p] = -1;
      } else if (applied[p] < txn[p].size()) {
        int upTo = atomic ? txn[p].size() : applied[p] + 1;
        for (int i = applied[p]; i < upTo; i++) txn[p].set(i, apply((List<?>) txn[p].get(i), lists));
        applied[p] = upTo;
      } else {
        ops.add(new Op(-1, -1, id[p], OpType.OK, "txn", txn[p], null, null));
        applied[p] = -1;
      }
    }
    return History.of(ops);
  }

  private static List<Object>[] newTxnArray(int n) {
    @SuppressWarnings("unchecked")
    List<Object>[] array = (List<Object>[]) new List<?>[n];
    return array;
  }

  private static Object apply(List<?> mop, List<List<Long>> lists) {
    List<Long> list = lists.get((int) (long) (Long) mop.get(1));
    if (mop.get(0).equals("append")) {
      list.add((Long) mop.get(2));
      return mop;
    }
    return List.of("r", mop.get(1), List.copyOf(list));
  }

  private static List<Object> invocation(List<Object> txn) {
    List<Object> out = new ArrayList<>();
    for (Object o : txn) {
      List<?> m = (List<?>) o;
      out.add(m.get(0).equals("r") ? Arrays.asList("r", m.get(1), null) : m);
    }
    return out;
  }

  @Test
  void atomicStore_isAlwaysStrictSerializable_withFailuresAndCrashes() {
    for (long seed = 1; seed <= 40; seed++) {
      History h = simulate(seed, 300, 1 + (int) (seed % 6), true, 0.05, 0.03);
      CheckResult r = new ListAppendChecker().check(h);
      long s = seed;
      assertEquals(Validity.TRUE, r.valid(), () -> "seed " + s + ": " + r.toJson());
    }
  }

  @Test
  void storeWithoutIsolation_isCaught_andEveryWitnessIsACompletedOrCrashedTxn() {
    History h = simulate(7, 2000, 8, false, 0.02, 0.01);
    long startNs = System.nanoTime();
    CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of("serializable"))).check(h);
    long ms = (System.nanoTime() - startNs) / 1_000_000;
    assertEquals(Validity.FALSE, r.valid(), () -> r.toJson().toString());
    assertTrue(ms < 20_000, "took " + ms + " ms");
    Set<Long> completions = new HashSet<>();
    for (Op op : h.ops()) if (!op.isInvoke()) completions.add(op.index());
    for (Anomaly a : r.anomalies()) {
      assertTrue(completions.containsAll(a.witness()), () -> a.type() + " witness " + a.witness());
      assertTrue(a.explanation().startsWith("Let"), a.explanation());
    }
  }
}
