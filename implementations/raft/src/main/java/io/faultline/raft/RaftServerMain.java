package io.faultline.raft;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A Raft node as its own JVM:
 *
 * <pre>
 * RaftServerMain &lt;nodeName&gt; &lt;n1:port,n2:port,...&gt; &lt;bindAddress&gt; &lt;httpPort&gt; &lt;dataDir&gt;
 *     [--tick-ms N] [--read-mode read_index|lease] [--wal-sync safe|every-write|interval] [--bug raft.x]...
 *     [--snapshot-entries N] [--snapshot-retain N] [--snapshot-format logical|checkpoint|incremental] [--wal-segment-bytes N] [--initial-voters n1,n2,n3] [--seed N] [--watch-stdin]
 * </pre>
 *
 * The node's own Raft port is its entry in the peer list. With {@code --watch-stdin} the node halts
 * when its stdin closes (its parent died). Exit status 2 for bad arguments, 1 when it cannot start —
 * among others when its log is corrupt before its tail, with a message naming the file and offset and
 * the command that rebuilds the node ({@code faultline raft repair <dataDir> --rebuild}, {@link RaftRepair}).
 * A data directory with a rebuild's marker starts the node rebuilding: it catches up from the leader
 * before it votes or campaigns.
 */
public final class RaftServerMain {
  static final String USAGE = "usage: RaftServerMain <nodeName> <n1:port,n2:port,...> <bindAddress> <httpPort> <dataDir>"
      + " [--tick-ms N] [--read-mode read_index|lease] [--wal-sync safe|every-write|interval] [--bug raft.x]..."
      + " [--snapshot-entries N] [--snapshot-retain N] [--snapshot-format logical|checkpoint|incremental] [--wal-segment-bytes N] [--initial-voters n1,n2,n3] [--seed N] [--watch-stdin]";

  private RaftServerMain() {}

  public static void main(String[] args) {
    boolean watch = false;
    for (String a : args) watch |= a.equals("--watch-stdin");
    if (watch) StdinWatch.start();
    // The JDK's HTTP server writes headers and body separately: without TCP_NODELAY every reply
    // waits out the client's delayed ACK (40 ms).
    if (System.getProperty(HttpApi.NODELAY_PROPERTY) == null) System.setProperty(HttpApi.NODELAY_PROPERTY, "true");
    RaftServer.Config config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    try {
      RaftServer server = RaftServer.start(config);
      RaftNode node = server.node();
      if (node != null && node.quarantine() != null) {
        server.close();
        System.err.println(config.nodeName() + " refuses to start: data " + config.dataDir() + ": " + node.quarantine() + "; "
            + repairAdvice(config.dataDir()));
        System.exit(1);
        return;
      }
      System.out.printf("%s serving: raft %s:%d, http %s:%d, data %s, tick %d ms, read mode %s, bugs %s, cluster %s%n",
          config.nodeName(), config.bindAddress(), config.port(), config.bindAddress(), server.httpPort(), config.dataDir(),
          config.tickMs(), config.readMode(), config.bugs(), server.clusterId() == null ? "(no id)" : server.clusterId());
      System.out.printf("%s wal: sync %s, %d bytes, torn tails truncated %d%n", config.nodeName(), config.walSync().flagName(),
          node == null ? 0 : node.walBytes(), node == null ? 0 : node.walTornTailsTruncated());
      WalConfig.SnapshotPolicy sp = config.snapshots();
      System.out.printf("%s snapshots: %s%n", config.nodeName(), sp.enabled()
          ? "every " + sp.entriesMax() + " entries or " + sp.walBytesMax() + " WAL bytes, " + sp.retainEntries() + " entries kept for laggards"
          : "off");
    } catch (IOException | RuntimeException e) {
      System.err.println(config.nodeName() + " could not start: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  /**
   * What to run about a log the node refused: the rebuild, unless the hard state itself is lost (then
   * no rebuild is safe, and the command without {@code --rebuild} says so and why).
   */
  static String repairAdvice(Path dataDir) {
    boolean hardStateLost = false;
    try {
      hardStateLost = RaftRepair.inspect(dataDir).hardStateDamaged();
    } catch (IOException | RuntimeException e) {
      // the advice below still holds for every damage but a lost hard state, which the command then explains
    }
    if (hardStateLost) {
      return "the hard state (term and vote) is lost, which no rebuild may fix: replace the node (see " + RaftRepair.command(dataDir, false) + ")";
    }
    return "to rebuild it from the leader (log and snapshots moved aside, term and vote kept), run: " + RaftRepair.command(dataDir, true);
  }

  static RaftServer.Config parse(String[] args) {
    int positional = 0;
    String[] pos = new String[5];
    long tickMs = RaftServer.Config.TICK_MS_DEFAULT;
    RaftConfig.ReadMode readMode = RaftConfig.ReadMode.READ_INDEX;
    Set<Bug> bugs = EnumSet.noneOf(Bug.class);
    long seed = 0;
    WalConfig.SyncPolicy walSync = WalConfig.SyncPolicy.SAFE;
    WalConfig.SnapshotPolicy snapshots = WalConfig.SnapshotPolicy.DEFAULT;
    long retain = snapshots.retainEntries();
    WalConfig.SnapshotPolicy.Format format = snapshots.format();
    long segmentBytes = WalConfig.SEGMENT_BYTES_MAX_DEFAULT;
    List<String> initialVoters = List.of();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--watch-stdin")) continue;
      if (a.startsWith("--")) {
        if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
        String v = args[++i];
        switch (a) {
          case "--tick-ms": tickMs = parseLong(a, v); break;
          case "--seed": seed = parseLong(a, v); break;
          case "--read-mode":
            try {
              readMode = RaftConfig.ReadMode.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("--read-mode must be read_index or lease, got '" + v + "'");
            }
            break;
          case "--wal-sync": walSync = WalConfig.SyncPolicy.fromFlag(v); break;
          case "--snapshot-entries": {
            long n = parseLong(a, v);
            if (n < 0) throw new IllegalArgumentException("--snapshot-entries must be >= 0 (0: no snapshots), got " + n);
            snapshots = n == 0 ? WalConfig.SnapshotPolicy.OFF : WalConfig.SnapshotPolicy.DEFAULT.withEntriesMax(n);
            break;
          }
          case "--snapshot-retain":
            retain = parseLong(a, v);
            if (retain < 0) throw new IllegalArgumentException("--snapshot-retain must be >= 0, got " + retain);
            break;
          case "--snapshot-format":
            try {
              format = WalConfig.SnapshotPolicy.Format.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("--snapshot-format must be logical, checkpoint or incremental, got '" + v + "'");
            }
            break;
          case "--wal-segment-bytes":
            segmentBytes = parseLong(a, v);
            if (segmentBytes < WalConfig.SEGMENT_BYTES_MIN || segmentBytes > WalConfig.SEGMENT_BYTES_MAX) {
              throw new IllegalArgumentException("--wal-segment-bytes must be " + WalConfig.SEGMENT_BYTES_MIN + ".."
                  + WalConfig.SEGMENT_BYTES_MAX + ", got " + segmentBytes);
            }
            break;
          case "--initial-voters":
            initialVoters = List.of(v.split(","));
            break;
          case "--bug":
            Bug b = Bug.fromName(v);
            if (b == null) throw new IllegalArgumentException("--bug: no planted bug '" + v + "'");
            bugs.add(b);
            break;
          default: throw new IllegalArgumentException("unknown option " + a);
        }
      } else {
        if (positional == pos.length) throw new IllegalArgumentException("too many arguments at '" + a + "'");
        pos[positional++] = a;
      }
    }
    if (positional != pos.length) throw new IllegalArgumentException("expected 5 positional arguments, got " + positional);
    return new RaftServer.Config(pos[0], parsePeers(pos[1]), pos[2], (int) parseLong("httpPort", pos[3]), Path.of(pos[4]),
        tickMs, readMode, bugs, seed, walSync,
        snapshots.enabled() ? snapshots.withRetainEntries(retain).withFormat(format) : snapshots, (int) segmentBytes, initialVoters);
  }

  /** {@code n1:20001,n2:20002} → names and ports, in order. */
  public static Map<String, Integer> parsePeers(String spec) {
    Map<String, Integer> peers = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("peer must be name:port, got '" + entry + "'");
      String name = entry.substring(0, colon);
      if (peers.put(name, (int) parseLong("port of " + name, entry.substring(colon + 1))) != null) {
        throw new IllegalArgumentException("peer " + name + " listed twice in '" + spec + "'");
      }
    }
    return peers;
  }

  private static long parseLong(String what, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be an integer, got '" + v + "'");
    }
  }
}
