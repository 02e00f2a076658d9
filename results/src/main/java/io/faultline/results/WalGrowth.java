package io.faultline.results;

import java.util.List;

/**
 * Whether a log stayed bounded: the judgement behind "wal_bytes stays flat once snapshots compact the
 * log". From {@code fromMs} on (after the first snapshots), the samples must stay within
 * {@code slackBytes} of their minimum there — what a log deleted a whole segment at a time may still
 * swing by — and must fall at least {@code dropsMin} times, since a log that never shrank was never
 * compacted: either it grows, or the workload wrote too little to tell, and both fail.
 *
 * @param flat     both held
 * @param reason   what held or did not, with the figures
 * @param minBytes the least sample from {@code fromMs} on
 * @param maxBytes the greatest sample from {@code fromMs} on
 * @param drops    samples lower than the one before, from {@code fromMs} on
 */
public record WalGrowth(boolean flat, String reason, long minBytes, long maxBytes, int drops) {
  /** Judges {@code samples} (in time order) from {@code fromMs} on. */
  public static WalGrowth judge(List<WalSample> samples, long fromMs, long slackBytes, int dropsMin) {
    if (slackBytes < 0) throw new IllegalArgumentException("slackBytes must be >= 0, was " + slackBytes);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    int drops = 0;
    int counted = 0;
    long previous = -1;
    for (WalSample s : samples) {
      if (s.tMs() < fromMs) continue;
      min = Math.min(min, s.bytes());
      max = Math.max(max, s.bytes());
      if (previous >= 0 && s.bytes() < previous) drops++;
      previous = s.bytes();
      counted++;
    }
    if (counted < 2) return new WalGrowth(false, "fewer than 2 samples from " + fromMs + " ms on (" + counted + ")", 0, 0, 0);
    String figures = "from " + fromMs + " ms on: " + min + ".." + max + " bytes (swing " + (max - min) + ", slack " + slackBytes
        + "), " + drops + " drops (at least " + dropsMin + " wanted)";
    if (max - min > slackBytes) return new WalGrowth(false, "grew beyond the slack " + figures, min, max, drops);
    if (drops < dropsMin) return new WalGrowth(false, "never compacted, or too little written to tell " + figures, min, max, drops);
    return new WalGrowth(true, "flat " + figures, min, max, drops);
  }
}
