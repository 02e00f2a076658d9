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
 * @param clientRetryMs     how long a client waits between attempts of one request (option
 *                          {@value #CLIENT_RETRY_MS}, 10..5000, default
 *                          {@value #CLIENT_RETRY_MS_DEFAULT}); the attempts of one request span
 *                          {@link RatisClient#RETRY_BUDGET_MS} whatever the pace. The benchmark
 *                          sets our Raft client's pace (50 ms), so that neither side's election
 *                          figure is rounded up by its client's sleeps
 * @param spareNodes        nodes deployed beyond the first group (option {@value #SPARE_NODES}, 0..4, default
 *                          0): they start in the group with an empty configuration and wait until the
 *                          membership nemesis adds them with {@code setConfiguration}
 */
public record RatisOptions(long snapshotThreshold, boolean partitionClients, boolean fakeClock,
    LocalDeployment.NetworkBackend network, long clientRetryMs, int spareNodes) {
  public static final String SNAPSHOT_THRESHOLD = "snapshot-threshold";
  public static final String PARTITION_CLIENTS = "partition-clients";
  public static final String FAKE_CLOCK = "fake-clock";
  public static final String NETWORK = "network";
  public static final String CLIENT_RETRY_MS = "client-retry-ms";
  public static final String SPARE_NODES = "spare-nodes";
  static final int SPARE_NODES_MAX = 4;
  /** The Toxiproxy server of {@code network=toxiproxy}, HOST:PORT; the deployment reads it from {@code faultline.toxiproxy}. */
  public static final String TOXIPROXY = "toxiproxy";
  static final Set<String> KEYS = Set.of(SNAPSHOT_THRESHOLD, PARTITION_CLIENTS, FAKE_CLOCK, NETWORK, CLIENT_RETRY_MS, TOXIPROXY, SPARE_NODES);
  public static final long CLIENT_RETRY_MS_DEFAULT = 500;
  static final long CLIENT_RETRY_MS_MIN = 10;
  static final long CLIENT_RETRY_MS_MAX = 5_000;

  public RatisOptions(long snapshotThreshold) {
    this(snapshotThreshold, false, false, LocalDeployment.NetworkBackend.PROXY, CLIENT_RETRY_MS_DEFAULT, 0);
  }
  public static final long SNAPSHOT_THRESHOLD_DEFAULT = 1_000;
  public static final long SNAPSHOT_THRESHOLD_MAX = 10_000_000;

  public RatisOptions {
    java.util.Objects.requireNonNull(network, "network");
    if (snapshotThreshold < 1 || snapshotThreshold > SNAPSHOT_THRESHOLD_MAX) {
      throw new IllegalArgumentException(SNAPSHOT_THRESHOLD + " must be 1.." + SNAPSHOT_THRESHOLD_MAX + ", got " + snapshotThreshold);
    }
    if (clientRetryMs < CLIENT_RETRY_MS_MIN || clientRetryMs > CLIENT_RETRY_MS_MAX) {
      throw new IllegalArgumentException(CLIENT_RETRY_MS + " must be " + CLIENT_RETRY_MS_MIN + ".." + CLIENT_RETRY_MS_MAX + ", got " + clientRetryMs);
    }
    if (spareNodes < 0 || spareNodes > SPARE_NODES_MAX) {
      throw new IllegalArgumentException(SPARE_NODES + " must be 0.." + SPARE_NODES_MAX + ", got " + spareNodes);
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
      case "toxiproxy": network = LocalDeployment.NetworkBackend.TOXIPROXY; break;
      default: throw new IllegalArgumentException(NETWORK + " must be proxy, netns or toxiproxy, got '" + networkName + "'");
    }
    if (options.containsKey(TOXIPROXY)) io.faultline.local.ToxiproxyNetwork.parseEndpoint(options.get(TOXIPROXY).trim());
    long threshold = number(options, SNAPSHOT_THRESHOLD, SNAPSHOT_THRESHOLD_DEFAULT);
    long retry = number(options, CLIENT_RETRY_MS, CLIENT_RETRY_MS_DEFAULT);
    return new RatisOptions(threshold, clients, clock, network, retry, (int) number(options, SPARE_NODES, 0));
  }

  private static long number(Map<String, String> options, String key, long fallback) {
    String text = options.get(key);
    if (text == null) return fallback;
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + text + "'", e);
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
