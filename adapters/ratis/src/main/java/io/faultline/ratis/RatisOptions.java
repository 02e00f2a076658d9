package io.faultline.ratis;

import io.faultline.local.LocalDeployment;
import java.util.Map;
import java.util.Set;

/**
 * The settings a {@link io.faultline.sut.ClusterSpec}'s options may carry for Ratis, validated once.
 *
 * @param snapshotThreshold log entries applied between automatic snapshots (option
 *                          {@value #SNAPSHOT_THRESHOLD}), 1..10,000,000
 * @param partitionClients  whether the harness's clients reach nodes through fault proxies, so that
 *                          a partition can cut them off too (option {@value #PARTITION_CLIENTS},
 *                          {@code true|false}, default false)
 * @param fakeClock         whether nodes run under libfaketime so that their wall clocks can be
 *                          skewed (option {@value #FAKE_CLOCK}, {@code true|false}, default false)
 * @param network           the network backend (option {@value #NETWORK}, {@code proxy|netns},
 *                          default proxy; netns needs root, ip, nft and tc)
 */
public record RatisOptions(long snapshotThreshold, boolean partitionClients, boolean fakeClock,
    LocalDeployment.NetworkBackend network) {
  public static final String SNAPSHOT_THRESHOLD = "snapshot-threshold";
  public static final String PARTITION_CLIENTS = "partition-clients";
  public static final String FAKE_CLOCK = "fake-clock";
  public static final String NETWORK = "network";
  static final Set<String> KEYS = Set.of(SNAPSHOT_THRESHOLD, PARTITION_CLIENTS, FAKE_CLOCK, NETWORK);

  public RatisOptions(long snapshotThreshold) {
    this(snapshotThreshold, false, false, LocalDeployment.NetworkBackend.PROXY);
  }
  public static final long SNAPSHOT_THRESHOLD_DEFAULT = 1_000;
  static final long SNAPSHOT_THRESHOLD_MAX = 10_000_000;

  public RatisOptions {
    java.util.Objects.requireNonNull(network, "network");
    if (snapshotThreshold < 1 || snapshotThreshold > SNAPSHOT_THRESHOLD_MAX) {
      throw new IllegalArgumentException(SNAPSHOT_THRESHOLD + " must be 1.." + SNAPSHOT_THRESHOLD_MAX + ", got " + snapshotThreshold);
    }
  }

  /** Reads the options; an unknown key or a bad value is an error naming it. */
  public static RatisOptions from(Map<String, String> options) {
    for (String key : options.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("ratis has no option '" + key + "'; it has " + new java.util.TreeSet<>(KEYS));
      }
    }
    boolean clients = flag(options, PARTITION_CLIENTS);
    boolean clock = flag(options, FAKE_CLOCK);
    String networkName = options.getOrDefault(NETWORK, "proxy").trim();
    LocalDeployment.NetworkBackend network;
    switch (networkName) {
      case "proxy": network = LocalDeployment.NetworkBackend.PROXY; break;
      case "netns": network = LocalDeployment.NetworkBackend.NETNS; break;
      default: throw new IllegalArgumentException(NETWORK + " must be proxy or netns, got '" + networkName + "'");
    }
    String threshold = options.get(SNAPSHOT_THRESHOLD);
    if (threshold == null) return new RatisOptions(SNAPSHOT_THRESHOLD_DEFAULT, clients, clock, network);
    try {
      return new RatisOptions(Long.parseLong(threshold.trim()), clients, clock, network);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(SNAPSHOT_THRESHOLD + " must be a whole number, got '" + threshold + "'", e);
    }
  }

  private static boolean flag(Map<String, String> options, String key) {
    String value = options.getOrDefault(key, "false").trim();
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
    }
    return value.equals("true");
  }
}
