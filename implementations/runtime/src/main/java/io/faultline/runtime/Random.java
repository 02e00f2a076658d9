package io.faultline.runtime;

/** A source of pseudo-random numbers; in the simulation every one of them derives from the run's seed. */
public interface Random {
  long nextLong();

  /** Uniform in {@code [0, bound)}; {@code bound > 0}. */
  default int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be > 0, got " + bound);
    return (int) Long.remainderUnsigned(nextLong(), bound);
  }

  /** Uniform in {@code [0, 1)}. */
  default double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** True with probability {@code p}. */
  default boolean chance(double p) {
    return p > 0 && nextDouble() < p;
  }
}
