package io.faultline.ratis;

import java.util.Map;
import java.util.Set;

/**
 * The settings a {@link io.faultline.sut.ClusterSpec}'s options may carry for Ratis, validated once.
 *
 * @param snapshotThreshold log entries applied between automatic snapshots (option
 *                          {@value #SNAPSHOT_THRESHOLD}), 1..10,000,000
 */
public record RatisOptions(long snapshotThreshold) {
  public static final String SNAPSHOT_THRESHOLD = "snapshot-threshold";
  public static final long SNAPSHOT_THRESHOLD_DEFAULT = 1_000;
  static final long SNAPSHOT_THRESHOLD_MAX = 10_000_000;

  public RatisOptions {
    if (snapshotThreshold < 1 || snapshotThreshold > SNAPSHOT_THRESHOLD_MAX) {
      throw new IllegalArgumentException(SNAPSHOT_THRESHOLD + " must be 1.." + SNAPSHOT_THRESHOLD_MAX + ", got " + snapshotThreshold);
    }
  }

  /** Reads the options; an unknown key or a bad value is an error naming it. */
  public static RatisOptions from(Map<String, String> options) {
    for (String key : options.keySet()) {
      if (!Set.of(SNAPSHOT_THRESHOLD).contains(key)) {
        throw new IllegalArgumentException("ratis has no option '" + key + "'; it has [" + SNAPSHOT_THRESHOLD + "]");
      }
    }
    String threshold = options.get(SNAPSHOT_THRESHOLD);
    if (threshold == null) return new RatisOptions(SNAPSHOT_THRESHOLD_DEFAULT);
    try {
      return new RatisOptions(Long.parseLong(threshold.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(SNAPSHOT_THRESHOLD + " must be a whole number, got '" + threshold + "'", e);
    }
  }
}
