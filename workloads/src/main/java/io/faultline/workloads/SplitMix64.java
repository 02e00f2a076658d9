package io.faultline.workloads;

/**
 * A pure random-number generator value (Steele, Lea and Flood's SplitMix64 [1]): {@link #bits()} is
 * this state's output and {@link #next()} the following state, so a generator holding one stays an
 * immutable value and replays exactly from its seed.
 *
 * <p>[1] G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014. Same constants as {@code java.util.SplittableRandom}.
 *
 * @param state the raw state; successive states differ by the golden gamma
 */
public record SplitMix64(long state) {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  /** The stream for a run seed (the seed is mixed, so seeds 1, 2, 3 give unrelated streams). */
  public static SplitMix64 seeded(long seed) {
    return new SplitMix64(mix(seed));
  }

  /** This state's 64 random bits. */
  public long bits() {
    return mix(state + GOLDEN_GAMMA);
  }

  /** The state after this one. */
  public SplitMix64 next() {
    return new SplitMix64(state + GOLDEN_GAMMA);
  }

  /** An independent stream derived from this state (use it, and move on with {@link #next()}). */
  public SplitMix64 fork() {
    return new SplitMix64(mix(bits() ^ 0x5851f42d4c957f2dL));
  }

  /** A stream derived from this one and a salt, for handing distinct sub-generators distinct streams. */
  public SplitMix64 fork(long salt) {
    return new SplitMix64(mix(state ^ mix(salt + GOLDEN_GAMMA)));
  }

  /** Uniform in {@code [0, 1)}. */
  public double unit() {
    return (bits() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in {@code [0, bound)}; bound must be positive. */
  public long below(long bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
    return (long) (unit() * bound);
  }

  /** Uniform in {@code [min, max]}. */
  public long between(long min, long max) {
    if (max < min) throw new IllegalArgumentException("max " + max + " < min " + min);
    return min + below(max - min + 1);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
