package io.faultline.harness;

import io.faultline.ratis.RatisCluster;
import io.faultline.ratis.RatisLogInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ratis' nodes as the recovery and catch-up benchmarks watch them: each node's own group info
 * ({@link RatisLogInfo}: applied, committed, last snapshot); on disk, {@code log_*} segments and
 * {@code snapshot.*} files. Ratis' metrics are not exported by the adapter's nodes: none here.
 */
final class RatisReplicaWatch implements ReplicaWatch {
  private final RatisLogInfo info;

  RatisReplicaWatch(RatisCluster cluster) throws IOException {
    this.info = RatisLogInfo.of(cluster);
  }

  @Override
  public Optional<Position> position(String nodeId) {
    return info.position(nodeId).map(p -> new Position(p.role(), p.committed(), p.applied(), p.lastSnapshotIndex()));
  }

  @Override
  public Map<String, Double> metrics(String nodeId) { return Map.of(); }

  @Override
  public long logBytes(Path dataDir) throws IOException { return ReplicaWatch.bytesOf(dataDir, "log_*"); }

  @Override
  public long snapshotBytes(Path dataDir) throws IOException { return ReplicaWatch.bytesOf(dataDir, "snapshot.*"); }

  /** A snapshot loaded since the start with an index beyond the node's own at the kill came from the leader. */
  @Override
  public Optional<Boolean> installedSnapshot(String nodeId, long snapshotIndexAtKill) {
    try {
      List<Long> loaded = info.snapshotsLoadedSinceStart(nodeId);
      return Optional.of(loaded.stream().anyMatch(i -> i > snapshotIndexAtKill));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
