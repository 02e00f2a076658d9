package io.faultline.sut;

import java.io.IOException;

/** A node whose clock can be skewed, jumped and made to run fast or slow. */
public interface ClockControl {
  /** Offsets the node's wall clock by {@code offsetMs} from the real one (0 heals). */
  void setClockOffsetMs(long offsetMs) throws IOException;

  /** Makes the node's timers run at {@code rate} times real time (1.0 heals). */
  void setClockRate(double rate) throws IOException;
}
