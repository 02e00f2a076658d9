package io.faultline.checkers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded simulated register store that applies each txn atomically between its invocation and its
 * completion satisfies every inference rw-register may make (wfr, sequential and linearizable keys)
 * and strict serializability, whatever fails or crashes; one that applies micro-ops one at a time is
 * caught.
 */
class RwRegisterCheckerRandomTest {
  private static final int KEYS = 3;

  static History simulate(long seed, int txns, int processes, boolean atomic, double failP, double infoP) {
    SplittableRandom random = new SplittableRandom(seed);
    Long[] registers = new Long[KEYS];
    long nextValue = 0;
    int[] id = new int[processes];
    List<List<Object>> txn = new ArrayList<>();
    int[] applied = new int[processes];
    boolean[] failing = new boolean[processes];
    Arrays.fill(applied, -1);
    for (int p = 0; p < processes; p++) {
      id[p] = p;
      txn.add(null);
    }
    int nextId = processes;
    List<Op> ops = new ArrayList<>();
    int invoked = 0;
    while (invoked < txns || Arrays.stream(applied).anyMatch(a -> a >= 0)) {
      int p = random.nextInt(processes);
      if (applied[p] < 0) {
        if (invoked == txns) continue;
        invoked++;
        List<Object> t = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
          long k = random.nextInt(KEYS);
          t.add(random.nextBoolean() ? List.of("w", k, ++nextValue) : Arrays.asList("r", k, null));
        }
        txn.set(p, t);
        applied[p] = 0;
        failing[p] = random.nextDouble() < failP;
        ops.add(new Op(-1, -1, id[p], OpType.INVOKE, "txn", t, null, null));
      } else if (random.nextDouble() < infoP) {
        ops.add(new Op(-1, -1, id[p], OpType.INFO, "txn", invocation(txn.get(p)), null, "crashed"));
        applied[p] = -1;
        id[p] = nextId++;
      } else if (failing[p] && applied[p] == 0) {
        ops.add(new Op(-1, -1, id[p], OpType.FAIL, "txn", txn.get(p), null, "aborted"));
        applied[p] = -1;
      } else if (applied[p] < txn.get(p).size()) {
        int upTo = atomic ? txn.get(p).size() : applied[p] + 1;
        for (int i = applied[p]; i < upTo; i++) {
          List<?> mop = (List<?>) txn.get(p).get(i);
          int k = (int) (long) (Long) mop.get(1);
          if (mop.get(0).equals("w")) registers[k] = (Long) mop.get(2);
          else txn.get(p).set(i, Arrays.asList("r", mop.get(1), registers[k]));
        }
        applied[p] = upTo;
      } else {
        ops.add(new Op(-1, -1, id[p], OpType.OK, "txn", txn.get(p), null, null));
        applied[p] = -1;
      }
    }
    return History.of(ops);
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
  void atomicStore_isStrictSerializable_withEveryKeyInference() {
    TxnCheckerOptions options = TxnCheckerOptions.defaults().withKeyInference(true, true, true);
    for (long seed = 1; seed <= 40; seed++) {
      History h = simulate(seed, 300, 1 + (int) (seed % 6), true, 0.05, 0.03);
      CheckResult r = new RwRegisterChecker(options).check(h);
      long s = seed;
      assertEquals(Validity.TRUE, r.valid(), () -> "seed " + s + ": " + r.toJson());
    }
  }

  @Test
  void storeWithoutIsolation_isCaught() {
    History h = simulate(3, 2000, 8, false, 0.02, 0.01);
    CheckResult r = new RwRegisterChecker(TxnCheckerOptions.of(List.of("serializable")).withKeyInference(true, false, false))
        .check(h);
    assertEquals(Validity.FALSE, r.valid(), () -> r.toJson().toString());
  }
}
