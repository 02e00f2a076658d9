package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.raft.RaftBackup;
import io.faultline.raftadapter.RaftCluster;
import io.faultline.raftadapter.RaftSystem;
import io.faultline.sut.Backups;
import io.faultline.sut.ClusterSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nightly only ({@code -Dfaultline.nightly=true}): backup and restore of 1 GB of state. A one-node
 * cluster (snapshot every 50 000 entries, 256 MiB segments, 6 GiB heap: the node holds its state, its
 * snapshot and the export) is loaded with 1 GB of fresh keys (3 800-byte values, 16 writers); the
 * backup is taken through the leader and timed, the cluster stopped, and the backup restored into a new
 * one-node cluster, timed until that cluster leads (the restore's files, the node's start, the
 * snapshot's load into RocksDB, the entries' replay). The figures go to {@code backup-bench.json} in the
 * run directory and to standard output, for implementations/raft/README.md.
 */
class RaftBackupBenchIT {
  static final long STATE_BYTES = 1_000_000_000L;
  static final int VALUE_BYTES = 3_800;
  static final int WRITERS = 16;

  @Test
  @EnabledIfSystemProperty(named = "faultline.nightly", matches = "true")
  void backupAndRestoreOfOneGigabyte_nightly(@TempDir Path dir) throws Exception {
    Map<String, String> options = Map.of("snapshot-entries", "50000", "wal-segment-bytes", Long.toString(256L << 20), "node-heap-mb", "6144");
    Map<String, Object> figures = new LinkedHashMap<>();
    Backups.Backup backup;
    RaftCluster cluster = new RaftSystem().start(new ClusterSpec(1, dir.resolve("old"), 11, Set.of(), options));
    try {
      String api = "http://" + cluster.httpAddresses().get("n1") + "/api/v1/";
      long t0 = System.nanoTime();
      long written = preload(api);
      figures.put("preload_bytes", written);
      figures.put("preload_ms", (System.nanoTime() - t0) / 1_000_000);
      backup = cluster.backup(dir.resolve("backup"));
    } finally {
      cluster.close();
    }
    RaftBackup.Manifest m = RaftBackup.read(backup.dir());
    figures.put("backup_bytes", backup.bytes());
    figures.put("backup_ms", backup.durationMs());
    figures.put("snapshot_index", m.snapshotIndex());
    figures.put("last_index", m.lastIndex());
    Backups.Restored restored = cluster.restore(backup, new ClusterSpec(1, dir.resolve("new"), 12, Set.of(), options));
    figures.put("restore_ms", restored.durationMs());
    restored.cluster().close();
    figures.put("load_average", BenchLoad.loadAverage());
    String json = Json.writePretty(figures);
    Files.writeString(dir.resolve("backup-bench.json"), json + "\n", StandardCharsets.UTF_8);
    System.out.println("backup/restore of 1 GB: " + json);
    assertTrue(backup.bytes() >= 0.9 * STATE_BYTES, "the backup holds the state: " + figures);
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }

  /** Writes fresh keys with 3 800-byte values (16 random ones) from 16 threads until 1 GB of values is acknowledged. */
  private static long preload(String api) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    AtomicLong bytes = new AtomicLong();
    AtomicLong next = new AtomicLong();
    // letters and digits drawn from the seed: RocksDB compresses its files, and a repeated letter would make a 1 GB state a few MB of snapshot
    String[] values = BenchLoad.values(new java.util.SplittableRandom(11), 16, VALUE_BYTES);
    List<Thread> threads = new ArrayList<>();
    List<Exception> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < WRITERS; t++) {
      Thread th = new Thread(() -> {
        while (bytes.get() < STATE_BYTES && errors.size() < 100) {
          long k = next.getAndIncrement();
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "write")).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"big" + k + "\",\"value\":\"" + values[(int) (k % values.length)] + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) bytes.addAndGet(VALUE_BYTES);
          } catch (Exception e) {
            errors.add(e);
          }
        }
      });
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) th.join();
    assertTrue(errors.size() < 100, "the preload kept going: " + errors);
    return bytes.get();
  }
}
