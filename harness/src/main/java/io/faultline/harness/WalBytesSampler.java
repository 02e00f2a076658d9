package io.faultline.harness;

import io.faultline.results.WalSample;
import io.faultline.sut.StorageUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Samples a cluster's {@link StorageUsage#walBytes()} on its own daemon thread, every
 * {@code intervalMs} on a fixed grid from its start, stamped with the run's clock (the history's), into
 * a list bounded by {@link #SAMPLES_MAX}. It never fails a run: the first error is kept and said once,
 * and sampling stops there; a sample that overruns its slot makes the sampler skip the slots it missed
 * rather than catch up.
 */
final class WalBytesSampler implements AutoCloseable {
  static final long INTERVAL_MS = 1_000;
  /** A day of samples at one a second; past it sampling stops, and the error says so. */
  static final int SAMPLES_MAX = 86_400;
  /** {@link #close()} waits this long for a sample in progress, then leaves the thread behind. */
  static final long CLOSE_WAIT_MS = 2_000;

  private final StorageUsage storage;
  private final LongSupplier nowNs;
  private final long intervalNs;
  private final Consumer<String> say;
  private final List<WalSample> samples = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;
  private String error;

  private WalBytesSampler(StorageUsage storage, LongSupplier nowNs, long intervalMs, Consumer<String> say) {
    this.storage = storage;
    this.nowNs = nowNs;
    this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
    this.say = say;
    this.thread = new Thread(this::loop, "wal-bytes-sampler");
    thread.setDaemon(true);
  }

  /** Starts sampling at once, then every {@code intervalMs}; {@code nowNs} is the run's clock, {@code say} a progress line. */
  static WalBytesSampler start(StorageUsage storage, LongSupplier nowNs, long intervalMs, Consumer<String> say) {
    if (intervalMs <= 0) throw new IllegalArgumentException("intervalMs must be > 0, was " + intervalMs);
    WalBytesSampler s = new WalBytesSampler(storage, nowNs, intervalMs, say);
    s.thread.start();
    return s;
  }

  private void loop() {
    long firstNs = System.nanoTime();
    for (long slot = 0; !stopped; ) {
      long tNs = nowNs.getAsLong();
      long bytes;
      try {
        bytes = storage.walBytes();
      } catch (Exception | AssertionError e) {
        stopWith("wal_bytes sampling stopped at " + TimeUnit.NANOSECONDS.toMillis(tNs) + " ms: " + e);
        return;
      }
      synchronized (this) {
        if (stopped) return;
        if (samples.size() >= SAMPLES_MAX) {
          stopWithLocked("wal_bytes sampling stopped after " + SAMPLES_MAX + " samples (the bound)");
          return;
        }
        samples.add(new WalSample(Math.max(0, TimeUnit.NANOSECONDS.toMillis(tNs)), bytes));
      }
      long elapsedNs = System.nanoTime() - firstNs;
      slot = Math.max(slot + 1, elapsedNs / intervalNs + 1);
      long waitNs = firstNs + slot * intervalNs - System.nanoTime();
      if (waitNs > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(waitNs);
        } catch (InterruptedException e) {
          return; // close() wakes us to stop
        }
      }
    }
  }

  private synchronized void stopWith(String message) {
    stopWithLocked(message);
  }

  private void stopWithLocked(String message) {
    if (stopped) return;
    error = message;
    say.accept(message);
  }

  /** What was sampled so far, in time order. */
  synchronized List<WalSample> samples() { return List.copyOf(samples); }

  /** Why sampling stopped early, if it did. */
  synchronized Optional<String> error() { return Optional.ofNullable(error); }

  /** Stops sampling; samples taken after this are dropped. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      stopped = true;
    }
    thread.interrupt();
    try {
      thread.join(CLOSE_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
