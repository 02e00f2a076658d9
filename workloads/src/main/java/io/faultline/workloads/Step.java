package io.faultline.workloads;

import io.faultline.history.Op;

/**
 * A generator's answer: an op to invoke now, a pause until a time, or the end. {@code rest} is the
 * generator to ask next (null when exhausted).
 *
 * @param op          the invocation to perform (process already set), or null
 * @param waitUntilNs when {@code op} is null and {@code rest} is not: ask again no earlier than this
 * @param rest        the generator after this step; null when exhausted
 */
public record Step(Op op, long waitUntilNs, Generator rest) {
  public static Step emit(Op op, Generator rest) { return new Step(op, -1, rest); }
  public static Step waitUntil(long timeNs, Generator rest) { return new Step(null, timeNs, rest); }
  public static Step exhausted() { return new Step(null, -1, null); }

  public boolean isExhausted() { return op == null && rest == null; }
}
