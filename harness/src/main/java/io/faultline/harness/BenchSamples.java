package io.faultline.harness;

import java.util.Arrays;

/**
 * Durations in nanoseconds kept exactly, up to a bound, for exact percentiles (nearest rank): a
 * 30 s benchmark at 10,000 writes/s is 300,000 longs, small enough to sort. One per thread, merged
 * at the end; not thread-safe.
 */
final class BenchSamples {
  private long[] ns = new long[1_024];
  private int size;
  private final int sizeMax;
  private long dropped;

  BenchSamples(int sizeMax) {
    if (sizeMax < 1) throw new IllegalArgumentException("sizeMax must be positive, got " + sizeMax);
    this.sizeMax = sizeMax;
  }

  void add(long durationNs) {
    if (size == sizeMax) {
      dropped++;
      return;
    }
    if (size == ns.length) ns = Arrays.copyOf(ns, (int) Math.min(sizeMax, 2L * ns.length));
    ns[size++] = durationNs;
  }

  int size() { return size; }

  /** Samples past the bound, counted but not kept. */
  long dropped() { return dropped; }

  /** All samples of several logs, sorted. */
  static long[] sortedUnion(Iterable<BenchSamples> logs) {
    int total = 0;
    for (BenchSamples l : logs) total += l.size;
    long[] all = new long[total];
    int at = 0;
    for (BenchSamples l : logs) {
      System.arraycopy(l.ns, 0, all, at, l.size);
      at += l.size;
    }
    Arrays.sort(all);
    return all;
  }

  /** The nearest-rank percentile {@code p} (0 < p <= 100) of sorted samples, in ms; null when there are none. */
  static Double percentileMs(long[] sortedNs, double p) {
    if (!(p > 0 && p <= 100)) throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
    if (sortedNs.length == 0) return null;
    int rank = (int) Math.ceil(p / 100.0 * sortedNs.length);
    return sortedNs[Math.max(0, rank - 1)] / 1e6;
  }
}
