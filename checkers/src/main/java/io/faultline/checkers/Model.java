package io.faultline.checkers;

import io.faultline.history.Op;

/**
 * A sequential specification for the linearizability checker: an initial state and a pure step.
 *
 * <p>States are immutable values with {@code equals}/{@code hashCode} (the checker memoises on them).
 * {@code step} is called with the completion of an op that returned {@code ok}, or with {@code null}
 * when the outcome is unknown ({@code info}, or no completion): then any output is acceptable and the
 * step applies whatever effect the op has in the given state (a cas whose compare fails is a no-op).
 * The checker never calls it for {@code fail} ops: those did not happen.
 */
public interface Model {
  /** What {@link #step} returns when the op cannot have taken effect in the given state with that output. */
  Object INCONSISTENT = Inconsistent.MARKER;

  /** The model's name, as {@link Models#byName} knows it. */
  String name();

  Object init();

  /**
   * The state after {@code invocation} takes effect in {@code state} and returns {@code completion}'s
   * value, or {@link #INCONSISTENT}.
   *
   * @param completion the {@code ok} completion, or null when the output is unknown
   * @throws IllegalArgumentException naming the op when the model cannot interpret it (unknown f,
   *     missing key, a value of the wrong shape); the checker then says unknown, with the message
   */
  Object step(Object state, Op invocation, Op completion);

  /** The state as a person reads it: {@code 3}, {@code nil}, {@code #{1 2}}, {@code [1 2]}. */
  String describe(Object state);

  /** The marker's type: a singleton that no model state can equal. */
  enum Inconsistent {
    MARKER;

    @Override
    public String toString() { return "inconsistent"; }
  }
}
