package io.faultline.runtime;

import java.util.concurrent.ScheduledFuture;

/** Timers on a {@link RealClock}'s time: a delay is scaled by the clock's rate when it is scheduled. */
public final class RealTimers implements Timers {
  private final EventLoop loop;
  private final RealClock clock;

  public RealTimers(EventLoop loop, RealClock clock) {
    this.loop = loop;
    this.clock = clock;
  }

  @Override
  public Timer schedule(long delayNs, Runnable task) {
    ScheduledFuture<?> future = loop.schedule(clock.realDelayNs(delayNs), task);
    return () -> {
      if (future != null) future.cancel(false);
    };
  }
}
