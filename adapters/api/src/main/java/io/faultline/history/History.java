package io.faultline.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable, indexed history with each client invocation paired to its completion.
 *
 * <p>Positions ({@code 0..size-1}) are what the methods take; {@link Op#index()} is what a person
 * sees and is kept as read (it equals the position unless the history was filtered). Pairing follows
 * Jepsen's rule: a process does one op at a time, so an invocation is completed by the next op of the
 * same process. An invocation with no completion reads as {@code info}. Nemesis ops are not paired.
 */
public final class History {
  private final List<Op> ops;
  private final int[] pair; // position of the matching invoke/completion, or -1

  private History(List<Op> ops, int[] pair) {
    this.ops = ops;
    this.pair = pair;
  }

  /**
   * Builds a history; ops with {@code index < 0} get their position as index.
   *
   * @throws IllegalArgumentException naming the op when a process completes without an invocation
   *     or invokes twice without a completion
   */
  public static History of(List<Op> input) {
    List<Op> ops = new ArrayList<>(input.size());
    for (int i = 0; i < input.size(); i++) {
      Op op = input.get(i);
      ops.add(op.index() < 0 ? op.withIndex(i) : op);
    }
    int[] pair = new int[ops.size()];
    Arrays.fill(pair, -1);
    Map<Integer, Integer> open = new HashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op.isNemesis()) continue;
      Integer inv = open.get(op.process());
      if (op.isInvoke()) {
        if (inv != null) {
          throw new IllegalArgumentException("op " + op.index() + ": process " + op.process()
              + " invokes again while its op " + ops.get(inv).index() + " has no completion");
        }
        open.put(op.process(), i);
      } else {
        if (inv == null) {
          throw new IllegalArgumentException("op " + op.index() + ": process " + op.process()
              + " completes (" + op.type().label() + ") with no invocation before it");
        }
        if (!ops.get(inv).f().equals(op.f())) {
          throw new IllegalArgumentException("op " + op.index() + ": completion f '" + op.f()
              + "' does not match its invocation " + ops.get(inv).index() + " f '" + ops.get(inv).f() + "'");
        }
        pair[inv] = i;
        pair[i] = inv;
        open.remove(op.process());
      }
    }
    return new History(Collections.unmodifiableList(ops), pair);
  }

  public List<Op> ops() { return ops; }
  public int size() { return ops.size(); }
  public Op get(int position) { return ops.get(position); }

  /** Position of the completion of the invocation at {@code position}; -1 when it never completed. */
  public int completionOf(int position) { return ops.get(position).isInvoke() ? pair[position] : -1; }

  /** Position of the invocation of the completion at {@code position}; -1 for an invoke or a nemesis op. */
  public int invocationOf(int position) { return ops.get(position).isInvoke() ? -1 : pair[position]; }

  /** The outcome of the invocation at {@code position}: the completion's type, or INFO when there is none. */
  public OpType outcomeOf(int position) {
    int c = completionOf(position);
    return c < 0 ? OpType.INFO : ops.get(c).type();
  }

  /** Only the client ops, re-paired (indexes kept). */
  public History clientOps() {
    List<Op> out = new ArrayList<>();
    for (Op op : ops) if (op.isClient()) out.add(op);
    return of(out);
  }

  /** Counts of completions by type, over client ops; invocations with no completion count as info. */
  public Map<OpType, Integer> outcomeCounts() {
    Map<OpType, Integer> counts = new java.util.EnumMap<>(OpType.class);
    for (OpType t : OpType.values()) if (t != OpType.INVOKE) counts.put(t, 0);
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op.isClient() && op.isInvoke()) counts.merge(outcomeOf(i), 1, Integer::sum);
    }
    return counts;
  }
}
