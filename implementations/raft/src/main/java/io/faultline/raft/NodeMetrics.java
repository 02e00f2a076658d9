package io.faultline.raft;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A node's metrics in Micrometer, scraped in Prometheus' text format on {@code GET /metrics}.
 *
 * <pre>
 * raft_commit_latency_seconds{op}      client write, cas or delete: from receipt to reply, committed ones
 * raft_elections_total                 terms in which this node came to know a leader (elections won, the first included)
 * raft_elections_started_total         times this node stood as candidate (a term it raised itself)
 * raft_election_duration_seconds       from losing sight of a leader to knowing one again
 * raft_term, raft_commit_index, raft_is_leader
 * raft_wal_bytes                       bytes of the WAL's segments, preallocated space included
 * raft_fsync_latency_seconds           every fsync of the log (file or directory)
 * raft_rebuilding                      1 while the node catches up after a repair's rebuild (it neither votes nor campaigns)
 * raft_wal_torn_tails_truncated        torn tails truncated when the WAL was opened at start (0 or 1)
 * </pre>
 *
 * <p>Elections are derived, not reported by the core: {@link #poll} looks at the role, term and
 * leader on the event loop once a tick and notices changes; an election shorter than a tick is seen
 * at tick granularity. Durations are real time (the JVM's {@code nanoTime}), not the node's skewable
 * clock: an operator's stopwatch.
 */
final class NodeMetrics {
  /** How deep below the data directory WAL files are counted. */
  static final int WAL_DEPTH_MAX = 4;
  static final Duration LATENCY_MAX = Duration.ofSeconds(30);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Path dataDir;
  private final Map<String, Timer> commitLatency = new ConcurrentHashMap<>();
  private final Counter elections;
  private final Counter electionsStarted;
  private final Timer electionDuration;
  private final Timer fsyncLatency;
  private volatile long term;
  private volatile long commitIndex;
  private volatile boolean leader;
  private volatile boolean rebuilding;
  private volatile RaftNode node;
  // Poll state, event loop only.
  private long leaderlessSinceNs = -1;
  private long lastTerm = -1;
  private long leaderTerm = -1;

  NodeMetrics(String nodeName, Path dataDir) {
    this.dataDir = dataDir;
    registry.config().commonTags("node", nodeName);
    elections = Counter.builder("raft.elections").description("leaders this node came to know of in a new term").register(registry);
    electionsStarted = Counter.builder("raft.elections.started").description("elections this node started as candidate").register(registry);
    electionDuration = Timer.builder("raft.election.duration").description("from losing sight of a leader to knowing one again")
        .publishPercentileHistogram().maximumExpectedValue(LATENCY_MAX).register(registry);
    fsyncLatency = Timer.builder("raft.fsync.latency").description("duration of each fsync of the log")
        .publishPercentileHistogram().maximumExpectedValue(LATENCY_MAX).register(registry);
    Gauge.builder("raft.term", this, m -> m.term).description("current term").register(registry);
    Gauge.builder("raft.commit.index", this, m -> m.commitIndex).description("highest index known committed").register(registry);
    Gauge.builder("raft.is.leader", this, m -> m.leader ? 1 : 0).description("1 while this node leads").register(registry);
    Gauge.builder("raft.rebuilding", this, m -> m.rebuilding ? 1 : 0)
        .description("1 while this node catches up after a repair's rebuild (it neither votes nor campaigns)").register(registry);
    snapshotGauge("raft.wal.torn.tails.truncated", "torn tails truncated when the WAL was opened at start", RaftNode::walTornTailsTruncated, null);
    Gauge.builder("raft.wal.bytes", this, NodeMetrics::walBytes).description("bytes of the WAL's segments, preallocated space included")
        .baseUnit("bytes").register(registry);
    snapshotGauge("raft.snapshots.taken", "snapshots this node took and made durable", RaftNode::snapshotsTaken, null);
    snapshotGauge("raft.snapshots.installed", "snapshots installed from a leader", RaftNode::snapshotsInstalled, null);
    snapshotGauge("raft.snapshot.last.duration", "last snapshot taken: from copying the state to its directory fsync",
        n -> n.snapshotLastDurationNs() / 1e9, "seconds");
    snapshotGauge("raft.snapshot.last.bytes", "bytes of the last snapshot taken or installed", RaftNode::snapshotLastBytes, "bytes");
    snapshotGauge("raft.snapshot.installed.last.bytes", "bytes of the last snapshot installed from a leader", RaftNode::snapshotInstalledLastBytes, "bytes");
    snapshotGauge("raft.snapshot.received.last.bytes", "bytes received for the last snapshot installed: all of it, or the checkpoint files this node lacked",
        RaftNode::snapshotReceivedLastBytes, "bytes");
    snapshotGauge("raft.snapshots.sent", "followers this node, as leader, brought up to date with a snapshot", RaftNode::snapshotsSent, null);
    snapshotGauge("raft.follower.catchup.last", "last follower caught up by snapshot: first chunk to install acknowledged",
        n -> n.followerCatchUpNsLast() / 1e9, "seconds");
    snapshotGauge("raft.wal.segments.deleted", "WAL segments deleted by compaction since start", RaftNode::walSegmentsDeleted, null);
    commitTimer("write"); // present from the start, so a scrape always names it
  }

  private void snapshotGauge(String name, String description, java.util.function.ToDoubleFunction<RaftNode> f, String unit) {
    Gauge.Builder<NodeMetrics> b = Gauge.builder(name, this, m -> m.node == null ? 0 : f.applyAsDouble(m.node)).description(description);
    if (unit != null) b = b.baseUnit(unit);
    b.register(registry);
  }

  /** Records one client command answered after {@code nanos}: write, cas or delete. */
  void recordCommit(String op, long nanos) {
    commitTimer(op).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer commitTimer(String op) {
    return commitLatency.computeIfAbsent(op, o -> Timer.builder("raft.commit.latency").tag("op", o)
        .description("client command from receipt to reply, when committed")
        .publishPercentileHistogram().maximumExpectedValue(LATENCY_MAX).register(registry));
  }

  /** For {@code FileStorage.setFsyncListener}: called on the fsync thread. */
  void recordFsync(long nanos) {
    fsyncLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Looks at the node once (on its event loop): counts elections, times them, updates the gauges. */
  void poll(RaftNode polled, long nowNs) {
    node = polled;
    RaftCore core = polled == null ? null : polled.core();
    if (core == null) return;
    long t = core.term();
    int leaderId = core.leaderId();
    term = t;
    commitIndex = core.commitIndex();
    leader = core.isLeader();
    rebuilding = core.rebuilding();
    if (t > lastTerm && lastTerm >= 0 && core.role() == RaftCore.Role.CANDIDATE) electionsStarted.increment();
    if (leaderId == 0) {
      if (leaderlessSinceNs < 0) leaderlessSinceNs = nowNs;
    } else {
      if (t != leaderTerm) {
        elections.increment(); // a leader of a term not seen led before: an election was won
        leaderTerm = t;
      }
      if (leaderlessSinceNs >= 0) electionDuration.record(nowNs - leaderlessSinceNs, TimeUnit.NANOSECONDS);
      leaderlessSinceNs = -1;
    }
    lastTerm = t;
  }

  /** Everything, in Prometheus' text exposition format. */
  String scrape() { return registry.scrape(); }

  /** The WAL's own count once the node is up; before, the sizes of the data directory's files. */
  private double walBytes() {
    RaftNode up = node;
    long walBytes = up == null ? 0 : up.walBytes();
    if (walBytes > 0) return walBytes;
    if (!Files.isDirectory(dataDir)) return 0;
    try (Stream<Path> files = Files.walk(dataDir, WAL_DEPTH_MAX)) {
      long sum = 0;
      for (Path p : (Iterable<Path>) files::iterator) {
        try {
          if (Files.isRegularFile(p)) sum += Files.size(p);
        } catch (IOException e) {
          // deleted while we looked (a segment compacted away): it no longer counts
        }
      }
      return sum;
    } catch (IOException | UncheckedIOException e) {
      return Double.NaN;
    }
  }
}
