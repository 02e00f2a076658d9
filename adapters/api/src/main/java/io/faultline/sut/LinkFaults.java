package io.faultline.sut;

/**
 * The faults in force on one directed link {@code from→to}, validated on construction.
 *
 * <p>Two kinds of field. Byte faults act on the bytes that travel from {@code from} to {@code to},
 * on every connection between the two whoever opened it, as netem would on {@code from}'s egress:
 * {@code cut} and {@code blackhole} hold them (they stay in buffers and flow again at the heal, as
 * TCP retransmission would deliver them after a short partition), {@code delayMs}±{@code jitterMs}
 * delays them (order kept: a TCP stream cannot reorder), {@code bandwidthBytesPerSec} throttles them.
 * Connection faults act on the connections {@code from} opens to {@code to}: {@code cut} also holds
 * new ones unconnected until the heal (a lost SYN), {@code resetAfterMs} resets each with a TCP RST
 * once it is that old, {@code slowCloseMs} delays passing on a close.
 *
 * @param cut                  partitioned: bytes held and new connections from {@code from} held
 * @param blackhole            bytes held, connections kept and accepted
 * @param delayMs              added one-way latency, 0 for none
 * @param jitterMs             latency varies uniformly in [delayMs - jitterMs, delayMs + jitterMs]
 * @param bandwidthBytesPerSec byte rate per connection and direction, 0 for unlimited
 * @param resetAfterMs         connections are reset once this old, -1 for never
 * @param slowCloseMs          a close waits this long before it is passed on, 0 for none
 */
public record LinkFaults(boolean cut, boolean blackhole, long delayMs, long jitterMs, long bandwidthBytesPerSec,
    long resetAfterMs, long slowCloseMs) {
  public static final LinkFaults NONE = new LinkFaults(false, false, 0, 0, 0, -1, 0);
  /** Bound on every duration a link fault takes: an hour. */
  public static final long DURATION_MS_MAX = 3_600_000;

  public LinkFaults {
    requireMs("delayMs", delayMs, 0);
    requireMs("jitterMs", jitterMs, 0);
    if (jitterMs > delayMs) throw new IllegalArgumentException("jitterMs must be <= delayMs (" + delayMs + "), got " + jitterMs);
    if (bandwidthBytesPerSec < 0) throw new IllegalArgumentException("bandwidthBytesPerSec must be >= 0, got " + bandwidthBytesPerSec);
    requireMs("resetAfterMs", resetAfterMs, -1);
    requireMs("slowCloseMs", slowCloseMs, 0);
  }

  private static void requireMs(String name, long value, long min) {
    if (value < min || value > DURATION_MS_MAX) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + DURATION_MS_MAX + ", got " + value);
    }
  }

  public boolean isNone() { return equals(NONE); }

  /** Whether bytes from→to are held now. */
  public boolean holdsBytes() { return cut || blackhole; }

  public LinkFaults withCut(boolean newCut) {
    return new LinkFaults(newCut, blackhole, delayMs, jitterMs, bandwidthBytesPerSec, resetAfterMs, slowCloseMs);
  }

  public LinkFaults withBlackhole(boolean newBlackhole) {
    return new LinkFaults(cut, newBlackhole, delayMs, jitterMs, bandwidthBytesPerSec, resetAfterMs, slowCloseMs);
  }

  public LinkFaults withDelay(long newDelayMs, long newJitterMs) {
    return new LinkFaults(cut, blackhole, newDelayMs, newJitterMs, bandwidthBytesPerSec, resetAfterMs, slowCloseMs);
  }

  public LinkFaults withBandwidth(long newBytesPerSec) {
    return new LinkFaults(cut, blackhole, delayMs, jitterMs, newBytesPerSec, resetAfterMs, slowCloseMs);
  }

  public LinkFaults withResetAfter(long newResetAfterMs) {
    return new LinkFaults(cut, blackhole, delayMs, jitterMs, bandwidthBytesPerSec, newResetAfterMs, slowCloseMs);
  }

  public LinkFaults withSlowClose(long newSlowCloseMs) {
    return new LinkFaults(cut, blackhole, delayMs, jitterMs, bandwidthBytesPerSec, resetAfterMs, newSlowCloseMs);
  }
}
