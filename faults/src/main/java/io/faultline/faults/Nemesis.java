package io.faultline.faults;

import io.faultline.history.Op;
import java.util.List;
import java.util.Set;

/**
 * Turns fault ops into reality. The runner records each invocation and its completion in the history
 * as {@code process: "nemesis"} ops; completions are {@code info} (Jepsen's convention) and their
 * value says what was actually done (for example the node ids killed).
 */
public interface Nemesis extends AutoCloseable {
  /** Carries out one fault op (an invocation) and returns its completion. Must not throw. */
  Op invoke(Op invocation);

  /** The {@code f}s this nemesis carries out, for {@link CompositeNemesis} to route by; empty if unsaid. */
  default Set<String> functions() { return Set.of(); }

  /** The invocations that undo every fault still in force (resume paused nodes, start killed ones). */
  List<Op> healOps();

  @Override
  default void close() {}
}
