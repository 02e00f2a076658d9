package io.faultline.raftadapter;

import io.faultline.local.LocalDeployment;
import io.faultline.raft.WalConfig;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings a {@link io.faultline.sut.ClusterSpec}'s options may carry for our Raft, validated once.
 *
 * @param tickMs   the Raft tick (option {@value #TICK_MS}, 10..1000, default 100): heartbeats every
 *                 tick, election timeouts of 10–20 ticks, so 1–2 s by default as for Ratis
 * @param readMode {@code read_index} (default) or {@code lease} (option {@value #READ_MODE})
 * @param partitionClients whether clients reach the HTTP API through the fault proxies (on the
 *                 node's Raft port), so that a partition can cut them off too (option
 *                 {@value #PARTITION_CLIENTS}, {@code true|false}, default false)
 * @param network  the network backend (option {@value #NETWORK}, {@code proxy|netns|toxiproxy}, default proxy)
 * @param snapshotEntries a snapshot every this many entries (option {@value #SNAPSHOT_ENTRIES}; 0 turns
 *                 snapshots off; -1, the default, leaves the node's own policy)
 * @param snapshotRetain entries a leader keeps below its snapshot for slow followers (option
 *                 {@value #SNAPSHOT_RETAIN}; -1, the default, leaves the node's own)
 * @param walSegmentBytes the WAL's segment size in bytes (option {@value #WAL_SEGMENT_BYTES}; -1, the default,
 *                 leaves the node's own)
 * @param spareNodes nodes deployed beyond the first configuration (option {@value #SPARE_NODES}, 0..{@value #SPARE_NODES_MAX},
 *                 default 0): they run from the start as joining nodes, neither voting nor campaigning,
 *                 until the membership nemesis adds them
 * @param snapshotFormat what a snapshot holds and how it travels (option {@value #SNAPSHOT_FORMAT},
 *                 {@code logical|checkpoint|incremental}; null, the default, leaves the node's own: incremental)
 * @param nodeHeapMb each node JVM's heap in MiB (option {@value #NODE_HEAP_MB}, 256..16384; -1, the default,
 *                 leaves 256): the state machine and its snapshots live in memory, so a large state needs more
 *
 * <p>Option {@value #FAKE_CLOCK} is accepted and changes nothing: our nodes' clocks are set through
 * their admin endpoint, no libfaketime needed.
 */
public record RaftOptions(long tickMs, String readMode, boolean partitionClients, LocalDeployment.NetworkBackend network,
    long snapshotEntries, long snapshotRetain, long walSegmentBytes, int spareNodes, long nodeHeapMb,
    String snapshotFormat) {
  public static final String SNAPSHOT_ENTRIES = "snapshot-entries";
  public static final String SNAPSHOT_FORMAT = "snapshot-format";
  public static final String SNAPSHOT_RETAIN = "snapshot-retain";
  public static final String WAL_SEGMENT_BYTES = "wal-segment-bytes";
  public static final String SPARE_NODES = "spare-nodes";
  public static final String NODE_HEAP_MB = "node-heap-mb";
  /** The run's workload, which the harness tells every transactional system; accepted, changes nothing (txns need no setup). */
  public static final String WORKLOAD = "workload";
  static final long NODE_HEAP_MB_MIN = 256;
  static final long NODE_HEAP_MB_MAX = 16 << 10;
  public static final int SPARE_NODES_MAX = 4;
  public static final String TICK_MS = "tick-ms";
  public static final String READ_MODE = "read-mode";
  public static final String NETWORK = "network";
  public static final String FAKE_CLOCK = "fake-clock";
  public static final String PARTITION_CLIENTS = "partition-clients";
  /** The Toxiproxy server of {@code network=toxiproxy}, HOST:PORT (the deployment reads {@code faultline.toxiproxy}). */
  public static final String TOXIPROXY = "toxiproxy";
  static final Set<String> KEYS = Set.of(TICK_MS, READ_MODE, NETWORK, FAKE_CLOCK, PARTITION_CLIENTS, TOXIPROXY, SNAPSHOT_ENTRIES,
      SNAPSHOT_RETAIN, WAL_SEGMENT_BYTES, SPARE_NODES, NODE_HEAP_MB, WORKLOAD, SNAPSHOT_FORMAT);
  public static final long TICK_MS_DEFAULT = 100;
  static final long TICK_MS_MIN = 10;
  static final long TICK_MS_MAX = 1_000;

  public RaftOptions {
    Objects.requireNonNull(network, "network");
    if (tickMs < TICK_MS_MIN || tickMs > TICK_MS_MAX) {
      throw new IllegalArgumentException(TICK_MS + " must be " + TICK_MS_MIN + ".." + TICK_MS_MAX + ", got " + tickMs);
    }
    if (walSegmentBytes != -1 && (walSegmentBytes < WalConfig.SEGMENT_BYTES_MIN || walSegmentBytes > WalConfig.SEGMENT_BYTES_MAX)) {
      throw new IllegalArgumentException(WAL_SEGMENT_BYTES + " must be " + WalConfig.SEGMENT_BYTES_MIN + ".." + WalConfig.SEGMENT_BYTES_MAX
          + ", got " + walSegmentBytes);
    }
    if (nodeHeapMb != -1 && (nodeHeapMb < NODE_HEAP_MB_MIN || nodeHeapMb > NODE_HEAP_MB_MAX)) {
      throw new IllegalArgumentException(NODE_HEAP_MB + " must be " + NODE_HEAP_MB_MIN + ".." + NODE_HEAP_MB_MAX + ", got " + nodeHeapMb);
    }
    if (spareNodes < 0 || spareNodes > SPARE_NODES_MAX) {
      throw new IllegalArgumentException(SPARE_NODES + " must be 0.." + SPARE_NODES_MAX + ", got " + spareNodes);
    }
    if (snapshotFormat != null && !Set.of("logical", "checkpoint", "incremental").contains(snapshotFormat)) {
      throw new IllegalArgumentException(SNAPSHOT_FORMAT + " must be logical, checkpoint or incremental, got '" + snapshotFormat + "'");
    }
    if (!readMode.equals("read_index") && !readMode.equals("lease")) {
      throw new IllegalArgumentException(READ_MODE + " must be read_index or lease, got '" + readMode + "'");
    }
  }

  /** Reads the options; an unknown key or a bad value is an error naming it. */
  public static RaftOptions from(Map<String, String> options) {
    for (String key : options.keySet()) {
      if (!KEYS.contains(key)) throw new IllegalArgumentException("raft has no option '" + key + "'; it has " + new TreeSet<>(KEYS));
    }
    boolean clients = flag(options, PARTITION_CLIENTS);
    flag(options, FAKE_CLOCK);
    long tick;
    String tickText = options.getOrDefault(TICK_MS, Long.toString(TICK_MS_DEFAULT)).trim();
    try {
      tick = Long.parseLong(tickText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(TICK_MS + " must be a whole number, got '" + tickText + "'", e);
    }
    String networkName = options.getOrDefault(NETWORK, "proxy").trim();
    LocalDeployment.NetworkBackend network;
    switch (networkName) {
      case "proxy": network = LocalDeployment.NetworkBackend.PROXY; break;
      case "netns": network = LocalDeployment.NetworkBackend.NETNS; break;
      case "toxiproxy": network = LocalDeployment.NetworkBackend.TOXIPROXY; break;
      default: throw new IllegalArgumentException(NETWORK + " must be proxy, netns or toxiproxy, got '" + networkName + "'");
    }
    return new RaftOptions(tick, options.getOrDefault(READ_MODE, "read_index").trim().toLowerCase(Locale.ROOT), clients, network,
        count(options, SNAPSHOT_ENTRIES), count(options, SNAPSHOT_RETAIN), count(options, WAL_SEGMENT_BYTES),
        (int) Math.max(0, count(options, SPARE_NODES)), count(options, NODE_HEAP_MB),
        options.containsKey(SNAPSHOT_FORMAT) ? options.get(SNAPSHOT_FORMAT).trim().toLowerCase(Locale.ROOT) : null);
  }

  /** A whole number >= 0, or -1 when the option is absent. */
  private static long count(Map<String, String> options, String key) {
    String text = options.get(key);
    if (text == null) return -1;
    try {
      long n = Long.parseLong(text.trim());
      if (n < 0) throw new IllegalArgumentException(key + " must be >= 0, got " + n);
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + text + "'", e);
    }
  }

  private static boolean flag(Map<String, String> options, String key) {
    String value = options.getOrDefault(key, "false").trim();
    if (!value.equals("true") && !value.equals("false")) throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
    return value.equals("true");
  }
}
