package io.faultline.runtime;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one event thread of a real node: timers, incoming messages and storage completions all run
 * here, in submission order, so components keep the single-threaded contract of {@link Env}.
 *
 * <p>A task that throws an exception is logged and the loop goes on (one bad request must not stop
 * the node). A task that throws an Error — a failed assertion ({@code -ea}), a broken invariant — halts
 * the JVM with status {@link #EXIT_BROKEN_INVARIANT}: a node whose protocol state is suspect must stop
 * as if it crashed, not keep voting and acknowledging. (The executor would otherwise swallow it.)
 */
public final class EventLoop implements AutoCloseable {
  public static final int EXIT_BROKEN_INVARIANT = 70;
  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread thread;

  public EventLoop(String name) {
    executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
  }

  /** Runs {@code task} on the loop soon; dropped silently once the loop is closed. */
  public void execute(Runnable task) {
    try {
      executor.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      // Closed: the node is shutting down.
    }
  }

  /** Runs {@code task} on the loop after {@code delayNs} of real time; null once closed. */
  ScheduledFuture<?> schedule(long delayNs, Runnable task) {
    try {
      return executor.schedule(guarded(task), Math.max(0, delayNs), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Whether the caller is the loop's thread. */
  public boolean inLoop() { return Thread.currentThread() == thread; }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        System.err.println("faultline: event loop task failed: " + e);
        e.printStackTrace();
      } catch (Error e) {
        System.err.println("faultline: event loop task broke an invariant, halting: " + e);
        e.printStackTrace();
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_BROKEN_INVARIANT);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
