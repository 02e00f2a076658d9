package io.faultline.sut;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A cluster that can say which node leads now, for the {@code leader} target. */
public interface LeaderAware {
  /** The id of the current leader, or empty when there is none or it cannot be told in time. */
  Optional<String> leader();

  /**
   * Asks {@code cluster} for its leader every {@code pollMs} until one is named or {@code timeoutMs}
   * passes; gives up at once when {@code electable} says too few nodes run to elect one (a node that
   * died at startup, say). Empty also when interrupted (the interrupt flag is kept).
   */
  static Optional<String> await(LeaderAware cluster, BooleanSupplier electable, long timeoutMs, long pollMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      if (!electable.getAsBoolean()) return Optional.empty();
      Optional<String> leader = cluster.leader();
      if (leader.isPresent()) return leader;
      try {
        Thread.sleep(pollMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return Optional.empty();
  }
}
