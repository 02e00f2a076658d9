package io.faultline.workloads;

import io.faultline.history.Op;

/**
 * A source of operations, as an immutable value (Jepsen's generator): asked for the next op in a
 * context, it answers with a {@link Step} carrying the rest of itself. The runner calls it under one
 * lock, so the same seed and the same sequence of requests give the same ops.
 */
public interface Generator {
  /** What to do next for the worker described by {@code ctx}. */
  Step next(Context ctx);

  /** Told of every completion, for generators that react to outcomes; returns the updated generator. */
  default Generator update(Context ctx, Op completion) { return this; }
}
