package io.faultline.benchmarks;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Linearizable cas-register histories from a seeded simulation: each key is one atomic register with
 * its own processes; every op takes effect at one instant between its invocation and its completion.
 * Some ops crash ({@code info}) before or after taking effect, and the crashed process is replaced by a
 * fresh one, as in Jepsen. Everything is derived from the seed.
 */
public final class SimulatedCasRegisterHistory {
  private SimulatedCasRegisterHistory() {}

  /** Values are drawn from {@code 0..VALUES-1}: few enough that cas often succeeds and reads collide. */
  static final int VALUES = 5;
  private static final long STEP_NS = 1_000;

  private enum Phase { IDLE, INVOKED, APPLIED }

  private static final class Process {
    int id;
    Phase phase = Phase.IDLE;
    Op invocation;
    OpType outcome;
    Object result;

    Process(int id) { this.id = id; }
  }

  /**
   * @param seed               the one seed everything derives from
   * @param size               history length in entries (invocations plus completions)
   * @param keys               independent registers
   * @param processesPerKey    concurrent clients per key
   * @param infoProbability    chance that an op crashes, at each of its two steps
   */
  public static History generate(long seed, int size, int keys, int processesPerKey, double infoProbability) {
    if (size <= 0 || keys <= 0 || processesPerKey <= 0) {
      throw new IllegalArgumentException("size, keys and processesPerKey must be > 0: " + size + ", " + keys + ", " + processesPerKey);
    }
    SplittableRandom random = new SplittableRandom(seed);
    Object[] register = new Object[keys];
    Process[][] processes = new Process[keys][processesPerKey];
    int nextId = 0;
    for (int k = 0; k < keys; k++) for (int p = 0; p < processesPerKey; p++) processes[k][p] = new Process(nextId++);
    List<Op> ops = new ArrayList<>(size);
    long step = 0;
    while (ops.size() < size) {
      step++;
      int k = random.nextInt(keys);
      Process p = processes[k][random.nextInt(processesPerKey)];
      long key = k;
      switch (p.phase) {
        case IDLE: {
          int f = random.nextInt(4);
          Op inv = f < 2 ? new Op(ops.size(), step * STEP_NS, p.id, OpType.INVOKE, "read", null, key, null)
              : f == 2 ? new Op(ops.size(), step * STEP_NS, p.id, OpType.INVOKE, "write", (long) random.nextInt(VALUES), key, null)
              : new Op(ops.size(), step * STEP_NS, p.id, OpType.INVOKE, "cas",
                  List.of((long) random.nextInt(VALUES), (long) random.nextInt(VALUES)), key, null);
          ops.add(inv);
          p.invocation = inv;
          p.phase = Phase.INVOKED;
          break;
        }
        case INVOKED:
          if (random.nextDouble() < infoProbability) {
            complete(ops, p, OpType.INFO, p.invocation.value(), step, nextId++);
            break;
          }
          apply(register, k, p);
          p.phase = Phase.APPLIED;
          break;
        case APPLIED:
          if (random.nextDouble() < infoProbability) complete(ops, p, OpType.INFO, p.invocation.value(), step, nextId++);
          else complete(ops, p, p.outcome, p.result, step, p.id);
          break;
        default:
          throw new AssertionError(p.phase);
      }
    }
    return History.of(ops);
  }

  private static void apply(Object[] register, int k, Process p) {
    Op inv = p.invocation;
    p.outcome = OpType.OK;
    switch (inv.f()) {
      case "read":
        p.result = register[k];
        break;
      case "write":
        register[k] = inv.value();
        p.result = inv.value();
        break;
      default:
        List<?> oldNew = (List<?>) inv.value();
        if (Objects.equals(register[k], oldNew.get(0))) register[k] = oldNew.get(1);
        else p.outcome = OpType.FAIL;
        p.result = inv.value();
    }
  }

  private static void complete(List<Op> ops, Process p, OpType type, Object value, long step, int nextId) {
    Op inv = p.invocation;
    ops.add(new Op(ops.size(), step * STEP_NS, inv.process(), type, inv.f(), value, inv.key(), type == OpType.INFO ? "timeout" : null));
    p.invocation = null;
    p.phase = Phase.IDLE;
    p.id = nextId;
  }
}
