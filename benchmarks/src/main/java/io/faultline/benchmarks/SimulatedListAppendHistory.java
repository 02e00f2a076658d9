package io.faultline.benchmarks;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Strict-serializable list-append histories from a seeded simulation of a store that applies each
 * txn atomically at one instant between its invocation and its completion. Txns have 1 to
 * {@value #MOPS_MAX} micro-ops, half appends and half reads, over {@code activeKeys} keys; as in
 * Jepsen's list-append workload a key retires after {@code appendsPerKeyMax} appends and a fresh key
 * takes its place, so lists stay short. A few txns fail before taking effect; a few crash ({@code
 * info}) before or after taking effect, and the crashed process is replaced by a fresh one.
 * Everything derives from the seed.
 */
public final class SimulatedListAppendHistory {
  private SimulatedListAppendHistory() {}

  static final int MOPS_MAX = 4;
  private static final long STEP_NS = 1_000;

  private enum Phase { IDLE, INVOKED, APPLIED }

  private static final class Process {
    final int id;
    Phase phase = Phase.IDLE;
    List<Object> txn;
    boolean failing;

    Process(int id) { this.id = id; }
  }

  /**
   * @param seed              the one seed everything derives from
   * @param txns              transactions to invoke (the history has about twice as many entries)
   * @param processes         concurrent clients
   * @param activeKeys        keys in use at any time
   * @param appendsPerKeyMax  appends after which a key retires
   * @param failProbability   chance that a txn fails (aborts) instead of taking effect
   * @param infoProbability   chance, at each of a txn's two steps, that it crashes
   */
  public static History generate(long seed, int txns, int processes, int activeKeys, int appendsPerKeyMax,
      double failProbability, double infoProbability) {
    if (txns <= 0 || processes <= 0 || activeKeys <= 0 || appendsPerKeyMax <= 0) {
      throw new IllegalArgumentException("txns, processes, activeKeys and appendsPerKeyMax must be > 0: " + txns + ", "
          + processes + ", " + activeKeys + ", " + appendsPerKeyMax);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<List<Long>> lists = new ArrayList<>();
    long[] active = new long[activeKeys];
    int[] appends = new int[activeKeys];
    for (int i = 0; i < activeKeys; i++) {
      active[i] = i;
      lists.add(new ArrayList<>());
    }
    long nextKey = activeKeys;
    Process[] clients = new Process[processes];
    int nextId = 0;
    for (int i = 0; i < processes; i++) clients[i] = new Process(nextId++);
    List<Op> ops = new ArrayList<>(txns * 2 + processes);
    int invoked = 0;
    long step = 0;
    while (invoked < txns || busy(clients)) {
      step++;
      int slot = random.nextInt(processes);
      Process p = clients[slot];
      long timeNs = step * STEP_NS;
      switch (p.phase) {
        case IDLE: {
          if (invoked == txns) break;
          invoked++;
          int n = 1 + random.nextInt(MOPS_MAX);
          List<Object> txn = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            int k = random.nextInt(activeKeys);
            if (random.nextBoolean()) {
              txn.add(List.of("append", active[k], (long) appends[k] + 1));
              appends[k]++;
              if (appends[k] == appendsPerKeyMax) {
                active[k] = nextKey++;
                appends[k] = 0;
                lists.add(new ArrayList<>());
              }
            } else {
              txn.add(java.util.Arrays.asList("r", active[k], null));
            }
          }
          p.txn = txn;
          p.failing = random.nextDouble() < failProbability;
          p.phase = Phase.INVOKED;
          ops.add(new Op(-1, timeNs, p.id, OpType.INVOKE, "txn", txn, null, null));
          break;
        }
        case INVOKED: {
          if (random.nextDouble() < infoProbability) {
            ops.add(new Op(-1, timeNs, p.id, OpType.INFO, "txn", p.txn, null, "crashed before taking effect"));
            clients[slot] = new Process(nextId++);
          } else if (p.failing) {
            ops.add(new Op(-1, timeNs, p.id, OpType.FAIL, "txn", p.txn, null, "aborted"));
            p.phase = Phase.IDLE;
          } else {
            p.txn = apply(p.txn, lists);
            p.phase = Phase.APPLIED;
          }
          break;
        }
        default: {
          if (random.nextDouble() < infoProbability) {
            ops.add(new Op(-1, timeNs, p.id, OpType.INFO, "txn", invocation(p.txn), null, "crashed after taking effect"));
            clients[slot] = new Process(nextId++);
          } else {
            ops.add(new Op(-1, timeNs, p.id, OpType.OK, "txn", p.txn, null, null));
            p.phase = Phase.IDLE;
          }
        }
      }
    }
    return History.of(ops);
  }

  private static boolean busy(Process[] clients) {
    for (Process p : clients) if (p.phase != Phase.IDLE) return true;
    return false;
  }

  /** Applies a txn atomically; keys are numbered in creation order, so a key is its list's index. */
  private static List<Object> apply(List<Object> txn, List<List<Long>> lists) {
    List<Object> done = new ArrayList<>(txn.size());
    for (Object o : txn) {
      List<?> mop = (List<?>) o;
      List<Long> list = lists.get((int) (long) (Long) mop.get(1));
      if (mop.get(0).equals("append")) {
        list.add((Long) mop.get(2));
        done.add(mop);
      } else {
        done.add(List.of("r", mop.get(1), List.copyOf(list)));
      }
    }
    return done;
  }

  private static List<Object> invocation(List<Object> txn) {
    List<Object> out = new ArrayList<>(txn.size());
    for (Object o : txn) {
      List<?> mop = (List<?>) o;
      out.add(mop.get(0).equals("r") ? java.util.Arrays.asList("r", mop.get(1), null) : mop);
    }
    return out;
  }
}
