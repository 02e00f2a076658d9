package io.faultline.faults;

import io.faultline.history.Op;
import java.util.List;

/**
 * Turns fault ops into reality. The runner records each invocation and its completion in the history
 * as {@code process: "nemesis"} ops; completions are {@code info} (Jepsen's convention) and their
 * value says what was actually done (for example the node ids killed).
 */
public interface Nemesis extends AutoCloseable {
  /** Carries out one fault op (an invocation) and returns its completion. Must not throw. */
  Op invoke(Op invocation);

  /** The invocations that undo every fault still in force (resume paused nodes, start killed ones). */
  List<Op> healOps();

  @Override
  default void close() {}
}
