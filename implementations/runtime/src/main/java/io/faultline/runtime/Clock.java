package io.faultline.runtime;

/** A node's clocks. The simulated clock may run fast or slow and be offset; only the monotonic one is for durations. */
public interface Clock {
  /** Wall-clock time in ns since the epoch: may jump and may be skewed between nodes. */
  long wallNs();

  /** Monotonic time in ns from an arbitrary origin: never goes back; its rate may drift. */
  long monotonicNs();
}
