package io.faultline.history;

import java.util.Objects;

/**
 * One entry of a history: Jepsen's op map. An invocation, or its completion ({@code ok}, {@code fail},
 * {@code info}).
 *
 * <p>{@code value} is plain data: {@code null}, {@link Long}, {@link Double}, {@link Boolean},
 * {@link String}, {@code List<Object>} or {@code Map<String,Object>} (whatever JSON can say).
 * {@code key} is present for independent-key workloads and checkers partition by it.
 *
 * @param index    position in the history, assigned when the op is appended; -1 before that
 * @param timeNs   nanoseconds since the start of the run, one monotonic clock; -1 if unknown
 * @param process  the logical process; {@link #NEMESIS} for the fault injector
 * @param type     invoke, ok, fail or info
 * @param f        the function: read, write, cas, txn, start-partition, ...
 * @param value    the argument (invoke) or result (completion)
 * @param key      the independent key, or null
 * @param error    why an op failed or is unknown, or null
 */
public record Op(long index, long timeNs, int process, OpType type, String f, Object value, Object key, String error) {

  /** The process number of the nemesis; written as {@code "nemesis"} in JSON and {@code :nemesis} in EDN. */
  public static final int NEMESIS = -1;

  public Op {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
  }

  public static Op invoke(int process, String f, Object key, Object value) {
    return new Op(-1, -1, process, OpType.INVOKE, f, value, key, null);
  }

  public boolean isInvoke() { return type == OpType.INVOKE; }
  public boolean isOk() { return type == OpType.OK; }
  public boolean isFail() { return type == OpType.FAIL; }
  public boolean isInfo() { return type == OpType.INFO; }
  public boolean isNemesis() { return process == NEMESIS; }
  public boolean isClient() { return process != NEMESIS; }

  /** The completion of this invocation with the given outcome. */
  public Op complete(OpType outcome, Object resultValue, String why) {
    if (outcome == OpType.INVOKE) throw new IllegalArgumentException("a completion cannot be an invoke");
    return new Op(-1, -1, process, outcome, f, resultValue, key, why);
  }

  public Op ok(Object resultValue) { return complete(OpType.OK, resultValue, null); }
  public Op fail(String why) { return complete(OpType.FAIL, value, why); }
  public Op info(String why) { return complete(OpType.INFO, value, why); }

  public Op withIndex(long newIndex) { return new Op(newIndex, timeNs, process, type, f, value, key, error); }
  public Op withTime(long newTimeNs) { return new Op(index, newTimeNs, process, type, f, value, key, error); }
  public Op withProcess(int newProcess) { return new Op(index, timeNs, newProcess, type, f, value, key, error); }
  public Op withValue(Object newValue) { return new Op(index, timeNs, process, type, f, newValue, key, error); }

  /** The process as it appears in JSON: a number, or {@code "nemesis"}. */
  public Object processLabel() { return process == NEMESIS ? "nemesis" : (Object) process; }

  @Override
  public String toString() { return HistoryJson.toJson(this); }
}
