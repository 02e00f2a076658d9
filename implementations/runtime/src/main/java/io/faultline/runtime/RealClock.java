package io.faultline.runtime;

/**
 * The machine's clocks, with a wall-clock offset and a rate factor that a clock nemesis may change
 * at run time. The monotonic clock runs at {@code rate} times real time and never goes back: a
 * change of rate re-anchors it at its current reading.
 */
public final class RealClock implements Clock {
  /** Bounds on the rate factor: slower or faster than this is no skew a node could survive. */
  public static final double RATE_MIN = 0.01;
  public static final double RATE_MAX = 100;

  private long offsetNs;
  private double rate = 1.0;
  private long anchorRealNs = System.nanoTime();
  private long anchorMonotonicNs = anchorRealNs;

  @Override
  public synchronized long wallNs() {
    return System.currentTimeMillis() * 1_000_000L + offsetNs;
  }

  @Override
  public synchronized long monotonicNs() {
    return anchorMonotonicNs + (long) ((System.nanoTime() - anchorRealNs) * rate);
  }

  public synchronized void setOffsetNs(long newOffsetNs) { offsetNs = newOffsetNs; }

  public synchronized long offsetNs() { return offsetNs; }

  /** Makes the monotonic clock and the timers run at {@code newRate} times real time. */
  public synchronized void setRate(double newRate) {
    if (!(newRate >= RATE_MIN && newRate <= RATE_MAX)) {
      throw new IllegalArgumentException("rate must be in [" + RATE_MIN + ", " + RATE_MAX + "], got " + newRate);
    }
    long now = System.nanoTime();
    anchorMonotonicNs = anchorMonotonicNs + (long) ((now - anchorRealNs) * rate);
    anchorRealNs = now;
    rate = newRate;
  }

  public synchronized double rate() { return rate; }

  /** Real nanoseconds that {@code delayNs} of this clock take at the current rate. */
  synchronized long realDelayNs(long delayNs) { return (long) (delayNs / rate); }
}
