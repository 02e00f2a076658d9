package io.faultline.runtime;

/** One-shot timers on the node's monotonic clock; the task runs on the node's single event thread. */
public interface Timers {
  /** A scheduled task that can be cancelled before it runs. */
  interface Timer {
    void cancel();
  }

  Timer schedule(long delayNs, Runnable task);
}
