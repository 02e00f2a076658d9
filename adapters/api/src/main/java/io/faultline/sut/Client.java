package io.faultline.sut;

import io.faultline.history.Op;

/**
 * A client bound to one logical process. {@link #invoke} takes an invocation and returns its
 * completion: {@code ok}, {@code fail} (certainly did not happen) or {@code info} (unknown). It must
 * not throw for the system's own failures: a timeout or lost connection is {@code info}, never
 * {@code fail}, unless the op changes nothing (a read).
 */
public interface Client extends AutoCloseable {
  Op invoke(Op invocation);

  @Override
  void close();
}
