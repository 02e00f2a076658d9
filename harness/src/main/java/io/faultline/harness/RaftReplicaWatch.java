package io.faultline.harness;

import io.faultline.history.Json;
import io.faultline.raftadapter.RaftCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Our Raft's nodes as the recovery and catch-up benchmarks watch them: {@code GET
 * /api/v1/cluster/status} ({@code role}, {@code commit}, {@code applied}) and the snapshot gauges of
 * {@code GET /metrics}; on disk, {@code wal-*.seg} and {@code snapshot-*.snap}.
 */
final class RaftReplicaWatch implements ReplicaWatch {
  static final long REQUEST_TIMEOUT_MS = 1_000;
  /** The metrics the benchmarks report, by their Prometheus names. */
  static final Set<String> METRICS = Set.of("raft_snapshots_taken", "raft_snapshots_installed", "raft_snapshot_last_bytes", "raft_snapshot_installed_last_bytes",
      "raft_snapshot_received_last_bytes",
      "raft_snapshot_last_duration_seconds", "raft_snapshots_sent", "raft_follower_catchup_last_seconds",
      "raft_wal_segments_deleted", "raft_wal_bytes", "raft_commit_index");

  private final Map<String, String> addresses;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(REQUEST_TIMEOUT_MS)).build();

  RaftReplicaWatch(RaftCluster cluster) {
    this.addresses = cluster.httpAddresses();
  }

  @Override
  public Optional<Position> position(String nodeId) {
    Optional<String> body = get(nodeId, "/api/v1/cluster/status");
    if (body.isEmpty()) return Optional.empty();
    try {
      Object parsed = Json.parse(body.get());
      if (!(parsed instanceof Map)) return Optional.empty();
      Map<?, ?> status = (Map<?, ?>) parsed;
      Object role = status.get("role");
      Object commit = status.get("commit");
      Object applied = status.get("applied");
      if (!(role instanceof String) || !(commit instanceof Long) || !(applied instanceof Long)) {
        return Optional.of(new Position(role instanceof String ? (String) role : "UNKNOWN", -1, -1, -1));
      }
      return Optional.of(new Position((String) role, (Long) commit, (Long) applied, -1));
    } catch (Json.ParseException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public Map<String, Double> metrics(String nodeId) {
    Optional<String> body = get(nodeId, "/metrics");
    return body.isEmpty() ? Map.of() : parseMetrics(body.get(), METRICS);
  }

  /** Prometheus text lines {@code name{labels} value} or {@code name value}, for the names asked. */
  static Map<String, Double> parseMetrics(String text, Set<String> names) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) continue;
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
      String name = line.substring(0, end);
      if (!names.contains(name)) continue;
      int space = line.lastIndexOf(' ');
      try {
        m.put(name, Double.parseDouble(line.substring(space + 1).trim()));
      } catch (NumberFormatException e) {
        // not a sample line: skipped
      }
    }
    return m;
  }

  @Override
  public long logBytes(Path dataDir) throws IOException { return ReplicaWatch.bytesOf(dataDir, "wal-*.seg"); }

  @Override
  public long snapshotBytes(Path dataDir) throws IOException { return ReplicaWatch.bytesOf(dataDir, "snapshot-*.snap"); }

  /** {@code raft_snapshots_installed} counts from the node's start: above 0, it took one from the leader since. */
  @Override
  public Optional<Boolean> installedSnapshot(String nodeId, long snapshotIndexAtKill) {
    Double installed = metrics(nodeId).get("raft_snapshots_installed");
    return installed == null ? Optional.empty() : Optional.of(installed > 0);
  }

  private Optional<String> get(String nodeId, String path) {
    String address = addresses.get(nodeId);
    if (address == null) throw new IllegalArgumentException("no node " + nodeId + " in " + addresses.keySet());
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + path))
          .timeout(Duration.ofMillis(REQUEST_TIMEOUT_MS)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
