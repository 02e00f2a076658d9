package io.faultline.harness;

/** Where a run's seed comes from when none is given: chosen once and logged first, never re-drawn. */
final class Seeds {
  private Seeds() {}

  static long fresh() {
    long x = System.nanoTime() ^ System.currentTimeMillis() * 0x9E3779B97F4A7C15L;
    x ^= x >>> 33;
    return Math.abs(x % 1_000_000_000L);
  }
}
