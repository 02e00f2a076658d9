package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.raft.RaftBackup;
import io.faultline.raft.RaftConfig;
import io.faultline.raft.RaftServer;
import io.faultline.raft.WalConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for point-in-time backup and restore of our Raft as real processes: the backup-restore
 * workload under kills (writes, a backup mid-run, more writes, a restore into a new cluster, every key
 * read there: valid, with backup size and time and restore time in result.json); then the run's backup
 * restored to an index inside its entries serves exactly the state of the snapshot plus the entries up
 * to that index, no more.
 */
class RaftBackupIT {
  /** Keys per snapshot-read request (its body is bounded). */
  static final int READ_KEYS_MAX = 500;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @SuppressWarnings("unchecked")
  void backupRestoreUnderKills_isValid_andARestoreToAnIndexServesExactlyThatPrefix(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    int code = Main.execute("run", "--system", "raft", "--workload", "backup-restore", "--nemesis", "kill", "--time", "30s",
        "--seed", "10", "--system-option", "snapshot-entries=500", "--out", run.toString(), "--no-progress");
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(run.resolve("result.json")));
    assertEquals(0, code, () -> "result: " + Json.writePretty(r));
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
    Map<String, Object> backup = (Map<String, Object>) r.get("backup");
    Map<String, Object> restore = (Map<String, Object>) r.get("restore");
    assertTrue((Long) backup.get("bytes") > 0 && (Long) backup.get("ms") >= 0, "backup size and time: " + backup);
    assertTrue((Long) restore.get("ms") > 0, "restore time: " + restore);
    Map<String, Object> checker = (Map<String, Object>) ((Map<String, Object>) r.get("checkers")).get("backup-restore");
    assertTrue((Long) checker.get("before_backup") > 0 && (Long) checker.get("after_backup") > 0, "writes on both sides: " + checker);

    Path b = run.resolve("backup");
    RaftBackup.Manifest m = RaftBackup.read(b);
    assertTrue(m.lastIndex() > m.snapshotIndex() + 1, "entries after the snapshot to restore into: " + m.toJsonText());
    long index = m.snapshotIndex() + (m.lastIndex() - m.snapshotIndex()) / 2;
    while (index < m.lastIndex() && RaftBackup.stateAt(b, index).equals(RaftBackup.stateAt(b, index + 1))) index++;
    Map<String, Object> expected = RaftBackup.stateAt(b, index);
    Map<String, Object> all = RaftBackup.stateAt(b, m.lastIndex());
    assertNotEquals(expected, RaftBackup.stateAt(b, index + 1), "the entry after the point changes the state");

    Path data = dir.resolve("pitr");
    RaftBackup.restore(b, data, "n1", java.util.List.of("n1"), new RaftBackup.Point(index, null), "pitr-1");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RaftServer.Config cfg = new RaftServer.Config("n1", Map.of("n1", port), "127.0.0.1", 0, data, 20, RaftConfig.ReadMode.READ_INDEX, Set.of(), 1,
        WalConfig.SyncPolicy.SAFE, WalConfig.SnapshotPolicy.OFF);
    try (RaftServer server = RaftServer.start(cfg)) {
      String base = "http://127.0.0.1:" + server.httpPort() + "/api/v1/";
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!get(base + "cluster/status").contains("\"LEADER\"") || appliedIndex(base) <= index) {
        assertTrue(System.nanoTime() < deadline, "the restored node leads and applied its log");
        Thread.sleep(20);
      }
      // every key the backup holds at its end, read at one version: what the restore to the index must give
      java.util.List<String> keys = new java.util.ArrayList<>(all.keySet());
      for (int from = 0; from < keys.size(); from += READ_KEYS_MAX) {
        java.util.List<String> chunk = keys.subList(from, Math.min(keys.size(), from + READ_KEYS_MAX));
        Map<?, ?> reply = (Map<?, ?>) Json.parse(post(base + "snapshot-read", Json.write(Map.of("keys", chunk))));
        java.util.List<?> reads = (java.util.List<?>) reply.get("reads");
        assertEquals(chunk.size(), reads.size(), "one read per key: " + reply.get("error"));
        for (Object o : reads) {
          Map<?, ?> read = (Map<?, ?>) o;
          String key = String.valueOf(read.get("key"));
          assertEquals(expected.get(key), read.get("value"), "key " + key + " after a restore to index " + index);
        }
      }
    }
  }

  private long appliedIndex(String base) throws Exception {
    return (Long) ((Map<?, ?>) Json.parse(get(base + "cluster/status"))).get("applied");
  }

  private String post(String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private String get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
