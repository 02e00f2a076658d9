package io.faultline.runtime;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator whose output is fixed by this code, not
 * by the JDK version, so a seed replays identically everywhere.
 */
public final class SplitMix64 implements Random {
  private long state;

  public SplitMix64(long seed) {
    this.state = seed;
  }

  /** A stream for one purpose ({@code label}) derived from a seed, independent of the other streams. */
  public static SplitMix64 derive(long seed, String label) {
    long h = seed ^ 0x9E3779B97F4A7C15L;
    for (int i = 0; i < label.length(); i++) h = mix(h + label.charAt(i));
    return new SplitMix64(h);
  }

  @Override
  public long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
