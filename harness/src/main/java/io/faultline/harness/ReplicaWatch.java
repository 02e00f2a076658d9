package io.faultline.harness;

import io.faultline.raftadapter.RaftCluster;
import io.faultline.ratis.RatisCluster;
import io.faultline.sut.Cluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How far one node of a running cluster has come, and what its log and snapshots take on disk: what
 * the recovery and catch-up benchmarks time a restarted node by. One per system that can tell.
 */
interface ReplicaWatch {
  /** How deep below a node's data directory log and snapshot files are looked for. */
  int FILE_DEPTH_MAX = 4;

  /**
   * A node's log position as it says itself.
   *
   * @param role          its role (LEADER, FOLLOWER, ...), in the system's own words
   * @param commit        the highest index it knows committed
   * @param applied       the highest index applied to its state machine
   * @param snapshotIndex the index of its newest snapshot, -1 when it has none or does not say
   */
  record Position(String role, long commit, long applied, long snapshotIndex) {
    boolean serving() { return "LEADER".equals(role) || "FOLLOWER".equals(role); }
  }

  /** The node's position, or empty when it does not answer (down, starting, too slow). */
  Optional<Position> position(String nodeId);

  /** The node's snapshot metrics by name, or empty when the system has none or the node does not answer. */
  Map<String, Double> metrics(String nodeId);

  /** Bytes of the log segment files in a node's data directory (preallocated space included). */
  long logBytes(Path dataDir) throws IOException;

  /** Bytes of the snapshot files in a node's data directory. */
  long snapshotBytes(Path dataDir) throws IOException;

  /** Whether the node took a snapshot from the leader since it was last started, after the index it had at the kill. */
  Optional<Boolean> installedSnapshot(String nodeId, long snapshotIndexAtKill);

  /** The watch for a cluster of our Raft or of Ratis; other systems cannot say how far a node has come. */
  static ReplicaWatch of(Cluster cluster) throws IOException {
    if (cluster instanceof RaftCluster) return new RaftReplicaWatch((RaftCluster) cluster);
    if (cluster instanceof RatisCluster) return new RatisReplicaWatch((RatisCluster) cluster);
    throw new IOException("cannot tell how far a node of " + cluster.getClass().getSimpleName() + " has come:"
        + " the recovery and catch-up benchmarks run on raft and ratis");
  }

  /** The summed sizes of the regular files below {@code dir} whose names match {@code glob}; files deleted meanwhile count nothing. */
  static long bytesOf(Path dir, String glob) throws IOException {
    if (!Files.isDirectory(dir)) return 0;
    java.nio.file.PathMatcher matcher = dir.getFileSystem().getPathMatcher("glob:" + glob);
    long total = 0;
    try (Stream<Path> files = Files.walk(dir, FILE_DEPTH_MAX)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!matcher.matches(p.getFileName())) continue;
        try {
          if (Files.isRegularFile(p)) total += Files.size(p);
        } catch (NoSuchFileException e) {
          // compacted or replaced while we looked: no longer there
        }
      }
    } catch (java.io.UncheckedIOException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) throw e.getCause();
    }
    return total;
  }
}
