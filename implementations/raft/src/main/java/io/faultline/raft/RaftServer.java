package io.faultline.raft;

import io.faultline.runtime.EventLoop;
import io.faultline.runtime.FileStorage;
import io.faultline.runtime.RealClock;
import io.faultline.runtime.RealEnv;
import io.faultline.runtime.RealTimers;
import io.faultline.runtime.SplitMix64;
import io.faultline.runtime.TcpTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Raft node on a real machine: a {@link RaftNode} on a {@link RealEnv} (event loop, TCP to its
 * peers by name, its log in {@code dataDir}, fsync on) and the {@link HttpApi} for clients, on its
 * own port and also on the Raft port ({@link HttpForwarder}), where the fault proxies can reach it.
 */
public final class RaftServer implements AutoCloseable {
  /**
   * A node's settings, validated once.
   *
   * @param nodeName    {@code n<id>}, one of {@code peerPorts}
   * @param peerPorts   every node's name and Raft port, this one included
   * @param bindAddress the address both servers bind (the node's own loopback address under the local deployment)
   * @param httpPort    the HTTP API's port; 0 picks a free one
   * @param tickMs      the Raft tick: heartbeats every tick, elections after 10–20 ticks
   * @param walSync     when the write-ahead log syncs ({@code --wal-sync}; SAFE, group commit, by default)
   * @param snapshots   the checkpoint policy ({@code --snapshot-entries}; {@link WalConfig.SnapshotPolicy#DEFAULT} by default)
   * @param walSegmentBytes the WAL's segment size ({@code --wal-segment-bytes}; {@link WalConfig#SEGMENT_BYTES_MAX_DEFAULT} by default)
   * @param initialVoters the cluster's first configuration ({@code --initial-voters}), a subset of {@code peerPorts}; empty
   *                    for all of them. A node not among them joins: it waits, without campaigning, to be
   *                    added (as a learner) by the leader
   */
  public record Config(String nodeName, Map<String, Integer> peerPorts, String bindAddress, int httpPort, Path dataDir,
      long tickMs, RaftConfig.ReadMode readMode, Set<Bug> bugs, long seed, WalConfig.SyncPolicy walSync,
      WalConfig.SnapshotPolicy snapshots, int walSegmentBytes, List<String> initialVoters) {
    public static final long TICK_MS_DEFAULT = 100;

    /** Settings where every peer is an initial voter. */
    public Config(String nodeName, Map<String, Integer> peerPorts, String bindAddress, int httpPort, Path dataDir, long tickMs,
        RaftConfig.ReadMode readMode, Set<Bug> bugs, long seed, WalConfig.SyncPolicy walSync, WalConfig.SnapshotPolicy snapshots,
        int walSegmentBytes) {
      this(nodeName, peerPorts, bindAddress, httpPort, dataDir, tickMs, readMode, bugs, seed, walSync, snapshots, walSegmentBytes, List.of());
    }

    /** Settings with the default segment size. */
    public Config(String nodeName, Map<String, Integer> peerPorts, String bindAddress, int httpPort, Path dataDir, long tickMs,
        RaftConfig.ReadMode readMode, Set<Bug> bugs, long seed, WalConfig.SyncPolicy walSync, WalConfig.SnapshotPolicy snapshots) {
      this(nodeName, peerPorts, bindAddress, httpPort, dataDir, tickMs, readMode, bugs, seed, walSync, snapshots,
          WalConfig.SEGMENT_BYTES_MAX_DEFAULT);
    }

    /** Settings with the default (safe) WAL sync policy. */
    public Config(String nodeName, Map<String, Integer> peerPorts, String bindAddress, int httpPort, Path dataDir, long tickMs,
        RaftConfig.ReadMode readMode, Set<Bug> bugs, long seed) {
      this(nodeName, peerPorts, bindAddress, httpPort, dataDir, tickMs, readMode, bugs, seed, WalConfig.SyncPolicy.SAFE);
    }

    /** Settings with the default checkpoint policy. */
    public Config(String nodeName, Map<String, Integer> peerPorts, String bindAddress, int httpPort, Path dataDir, long tickMs,
        RaftConfig.ReadMode readMode, Set<Bug> bugs, long seed, WalConfig.SyncPolicy walSync) {
      this(nodeName, peerPorts, bindAddress, httpPort, dataDir, tickMs, readMode, bugs, seed, walSync, WalConfig.SnapshotPolicy.DEFAULT);
    }

    public Config {
      Objects.requireNonNull(nodeName, "nodeName");
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(readMode, "readMode");
      Objects.requireNonNull(walSync, "walSync");
      Objects.requireNonNull(snapshots, "snapshots");
      peerPorts = Map.copyOf(new LinkedHashMap<>(peerPorts));
      bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
      for (String name : peerPorts.keySet()) nodeId(name);
      if (!peerPorts.containsKey(nodeName)) throw new IllegalArgumentException("nodeName " + nodeName + " is not among peers " + peerPorts.keySet());
      for (Map.Entry<String, Integer> p : peerPorts.entrySet()) {
        if (p.getValue() < 1 || p.getValue() > 65_535) throw new IllegalArgumentException("port of " + p.getKey() + " must be 1..65535, got " + p.getValue());
      }
      if (httpPort < 0 || httpPort > 65_535) throw new IllegalArgumentException("httpPort must be 0..65535, got " + httpPort);
      if (tickMs < 1 || tickMs > 10_000) throw new IllegalArgumentException("tickMs must be 1..10000, got " + tickMs);
      walConfig(walSync, snapshots, walSegmentBytes);
      initialVoters = List.copyOf(initialVoters);
      for (String v : initialVoters) {
        if (!peerPorts.containsKey(v)) throw new IllegalArgumentException("initial voter " + v + " is not among peers " + peerPorts.keySet());
      }
      if (initialVoters.stream().distinct().count() != initialVoters.size()) {
        throw new IllegalArgumentException("initial voters listed twice: " + initialVoters);
      }
    }

    private static WalConfig walConfig(WalConfig.SyncPolicy walSync, WalConfig.SnapshotPolicy snapshots, int walSegmentBytes) {
      return WalConfig.DEFAULT.withSync(walSync).withSnapshots(snapshots).withSegmentBytes(walSegmentBytes);
    }

    public int port() { return peerPorts.get(nodeName); }

    RaftConfig raftConfig() {
      List<Integer> ids = new ArrayList<>();
      for (String name : initialVoters.isEmpty() ? peerPorts.keySet() : initialVoters) ids.add(nodeId(name));
      ids.sort(null);
      boolean joining = !ids.contains(nodeId(nodeName));
      RaftConfig d = RaftConfig.defaults(ids.get(0), ids);
      RaftConfig.ReadMode mode = bugs.contains(Bug.LEASE_READ_UNSAFE) ? RaftConfig.ReadMode.LEASE : readMode;
      return new RaftConfig(nodeId(nodeName), d.peers(), d.electionTicks(), d.heartbeatTicks(), d.preVote(), d.checkQuorum(), mode,
          d.clockDriftMax(), d.entriesPerMsgMax(), d.bytesPerMsgMax(), d.inflightMsgsMax(), d.inflightBytesMax(),
          d.uncommittedEntriesMax(), d.pendingReadsMax(), bugs, walConfig(walSync, snapshots, walSegmentBytes), joining,
          d.catchUpEntriesMax());
    }
  }

  /** The id in a node name {@code n<id>}. */
  public static int nodeId(String name) {
    if (!name.matches("n[1-9][0-9]{0,5}")) throw new IllegalArgumentException("node name must be n<id>, id >= 1, got '" + name + "'");
    return Integer.parseInt(name.substring(1));
  }

  static final long START_WAIT_MS = 10_000;

  private final Config config;
  private final EventLoop loop;
  private final RealClock clock = new RealClock();
  private final TcpTransport<Wire> transport;
  private final FileStorage storage;
  private final HttpApi http;
  private final NodeMetrics metrics;
  private final java.nio.channels.FileLock dataDirLock;
  private volatile RaftNode node;
  /** The cluster id from the data directory ({@link ClusterIdTransport}), or null. */
  private String clusterIdValue;
  /** A rebuild's marker is there and the node has not caught up yet (event loop only). */
  private boolean rebuildPending;
  /** The state machine's RocksDB directory inside the data directory. */
  static final String STATE_DIR = "state";

  private RaftServer(Config config) throws IOException {
    this.config = config;
    this.metrics = new NodeMetrics(config.nodeName(), config.dataDir());
    loop = new EventLoop("raft-" + config.nodeName());
    Map<String, Integer> others = new LinkedHashMap<>(config.peerPorts());
    others.remove(config.nodeName());
    TcpTransport<Wire> tcp = null;
    FileStorage files = null;
    HttpApi api = null;
    java.nio.channels.FileLock lock = lockDataDir(config.dataDir());
    try {
      HttpForwarder forwarder = new HttpForwarder(config.bindAddress());
      String id = ClusterIdTransport.read(config.dataDir());
      tcp = new TcpTransport<>(ClusterIdTransport.helloName(config.nodeName(), id), config.bindAddress(), config.port(), others,
          new WireCodec(), loop, forwarder);
      files = new FileStorage(config.dataDir(), loop);
      files.setFsyncListener(metrics::recordFsync);
      ClientGateway gateway = new ClientGateway(new ClusterIdTransport(tcp, config.nodeName(), id, System.err::println), loop);
      clusterIdValue = id;
      RealEnv<Wire> env = new RealEnv<>(config.nodeName(), loop, clock, new RealTimers(loop, clock), gateway, files,
          SplitMix64.derive(config.seed(), config.nodeName()));
      CompletableFuture<Void> started = new CompletableFuture<>();
      rebuildPending = RaftRepair.rebuilding(config.dataDir());
      RaftConfig raftConfig = rebuildPending ? config.raftConfig().asRebuilding() : config.raftConfig();
      loop.execute(() -> {
        node = new RaftNode(env, raftConfig, TimeUnit.MILLISECONDS.toNanos(config.tickMs()), null, System.err::println,
            new RocksEngines(config.dataDir()));
        started.complete(null);
      });
      started.get(START_WAIT_MS, TimeUnit.MILLISECONDS);
      RealTimers realTimers = new RealTimers(loop, new RealClock());
      long pollNs = TimeUnit.MILLISECONDS.toNanos(config.tickMs());
      realTimers.schedule(pollNs, () -> pollMetrics(realTimers, pollNs));
      api = new HttpApi(this, gateway, loop, config.bindAddress(), config.httpPort());
      forwarder.target(api.port());
    } catch (IOException | RuntimeException | ExecutionException | TimeoutException | InterruptedException e) {
      if (api != null) api.close();
      if (tcp != null) tcp.close();
      if (files != null) files.close();
      loop.close();
      releaseQuietly(lock);
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      if (e instanceof IOException) throw (IOException) e;
      if (e instanceof RuntimeException) throw (RuntimeException) e;
      throw new IOException("node " + config.nodeName() + " did not start", e);
    }
    this.transport = tcp;
    this.storage = files;
    this.http = api;
    this.dataDirLock = lock;
  }

  /**
   * Locks the data directory's {@value RaftRepair#LOCK_FILE} file for as long as the node runs (the lock
   * goes with the process, also on SIGKILL), so that no second node and no repair works on it meanwhile.
   */
  private static java.nio.channels.FileLock lockDataDir(Path dataDir) throws IOException {
    java.nio.file.Files.createDirectories(dataDir);
    try {
      return RaftRepair.lock(dataDir);
    } catch (IllegalArgumentException e) {
      throw new IOException("data directory " + dataDir + " is in use: its " + RaftRepair.LOCK_FILE + " file is locked by another process", e);
    }
  }

  private static void releaseQuietly(java.nio.channels.FileLock lock) {
    try {
      lock.close();
    } catch (IOException e) {
      // the process is going away or the node is closing: the lock goes with the channel either way
    }
  }

  /**
   * The state machine's RocksDB, under {@value #STATE_DIR} in the data directory: emptied and opened
   * afresh at start and at every snapshot restore. Its writes are not synced: the WAL and the snapshot
   * files are the durable state, and a start rebuilds the store from them.
   */
  static io.faultline.raft.mvcc.KvEngine freshStateEngine(Path dir) {
    try {
      KvStateMachine.deleteTree(dir);
      return io.faultline.raft.mvcc.RocksEngine.open(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("state store " + dir + " could not be opened: " + e.getMessage(), e);
    }
  }

  /**
   * The node's RocksDB engines: a fresh store ({@link #freshStateEngine}), a store made of a snapshot's
   * checkpoint files, and checkpoints written under {@value #CHECKPOINT_DIR} while a snapshot is taken.
   */
  record RocksEngines(Path dataDir) implements KvStateMachine.Engines {
    @Override
    public io.faultline.raft.mvcc.KvEngine fresh() { return freshStateEngine(dataDir.resolve(STATE_DIR)); }

    @Override
    public io.faultline.raft.mvcc.KvEngine fromFiles(java.util.List<SnapshotArchive.FileEntry> files, java.nio.ByteBuffer state) {
      Path dir = dataDir.resolve(STATE_DIR);
      try {
        KvStateMachine.deleteTree(dir);
        java.nio.file.Files.createDirectories(dir);
        KvStateMachine.writeFiles(dir, files, state);
        return io.faultline.raft.mvcc.RocksEngine.open(dir);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("state store " + dir + " could not be made from a snapshot's files: " + e.getMessage(), e);
      }
    }

    @Override
    public Path checkpointScratch() { return dataDir.resolve(CHECKPOINT_DIR); }
  }

  /** Where a checkpoint of the state store is written while a snapshot is taken (deleted after). */
  static final String CHECKPOINT_DIR = "checkpoint";

  /** Binds both ports, loads the log and starts serving; throws when either port is taken. */
  public static RaftServer start(Config config) throws IOException { return new RaftServer(config); }

  public String nodeName() { return config.nodeName(); }

  /** Every node this one can reach by name, with its Raft port (its peers, spare slots included). */
  public Map<String, Integer> peerPorts() { return config.peerPorts(); }

  public Config config() { return config; }

  /** The cluster this node belongs to (its data directory's {@value ClusterIdTransport#FILE}), or null when it has no id. */
  public String clusterId() { return clusterIdValue; }

  /** The HTTP API's port (the chosen one when the config said 0). */
  public int httpPort() { return http.port(); }

  /** The clock the node's timers run on: a clock nemesis skews it here. */
  public RealClock clock() { return clock; }

  /** The node, for code on its event loop only. */
  RaftNode node() { return node; }

  /** Runs {@code work} on the node's event loop, which owns all its state. */
  void onLoop(Runnable work) { loop.execute(work); }

  /** The node's log storage, whose fault mode the admin endpoint sets. */
  FileStorage storage() { return storage; }

  NodeMetrics metrics() { return metrics; }

  /** Polls the node for {@link NodeMetrics} on its event loop once a tick of real time (timers on an unskewed clock). */
  private void pollMetrics(RealTimers realTimers, long periodNs) {
    metrics.poll(node, System.nanoTime());
    if (rebuildPending) finishRebuild();
    realTimers.schedule(periodNs, () -> pollMetrics(realTimers, periodNs));
  }

  /** Removes the rebuild's marker once the core says the node caught up ({@link RaftCore#rebuilding()}). */
  private void finishRebuild() {
    RaftNode n = node;
    if (n == null || n.core() == null || n.core().rebuilding()) return;
    rebuildPending = false;
    try {
      RaftRepair.finishRebuild(config.dataDir());
      System.out.printf("%s rebuilt: caught up from leader n%d to commit index %d in term %d; it votes again, %s removed%n",
          config.nodeName(), n.core().leaderId(), n.core().commitIndex(), n.core().term(), RaftRepair.REBUILDING_MARKER);
    } catch (IOException e) {
      // the core votes again already; a marker left behind only makes the next start rebuild once more
      System.err.println(config.nodeName() + " rebuilt, but removing " + RaftRepair.REBUILDING_MARKER + " failed: " + e);
    }
  }

  @Override
  public void close() {
    http.close();
    transport.close();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    loop.execute(() -> {
      if (node != null) node.stateMachine().close();
      closed.complete(null);
    });
    try {
      closed.get(START_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // the loop is stuck or gone: the process is closing, and RocksDB's files are rebuilt at the next start
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.close();
    storage.close();
    releaseQuietly(dataDirLock);
  }
}
