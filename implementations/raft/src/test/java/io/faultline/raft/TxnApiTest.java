package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real one-node server with its RocksDB state: {@code POST /api/v1/txn} (committed, a stale compare
 * failing and applying nothing, a session retry applying once), {@code POST /api/v1/snapshot-read},
 * reads at a version and at a timestamp, bad input refused by field; and the state back after a
 * restart (snapshots every 5 entries, so from a snapshot restored into a fresh RocksDB plus the WAL).
 */
class TxnApiTest {
  private static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
    assertTrue(m.find(), name + " in " + json);
    return Long.parseLong(m.group(1));
  }

  @Test
  void txnsCommitOrFailWhole_readsAtAVersion_andTheStateSurvivesARestart(@TempDir Path dir) throws Exception {
    String[] args = {"n1", "n1:" + NodeHttp.freePort(), "127.0.0.1", "0", dir.resolve("data").toString(), "--tick-ms", "20", "--snapshot-entries", "5"};
    long xWrittenAt;
    try (RaftServer server = RaftServer.start(RaftServerMain.parse(args))) {
      String base = NodeHttp.awaitLeader(server);
      HttpResponse<String> t1 = NodeHttp.send("POST", base + "/api/v1/txn",
          "{\"client_id\":1,\"seq\":1,\"ops\":[{\"op\":\"append\",\"key\":\"x\",\"value\":1},{\"op\":\"put\",\"key\":\"y\",\"value\":\"a\"},"
              + "{\"op\":\"get\",\"key\":\"x\"}]}");
      assertEquals(200, t1.statusCode(), t1.body());
      assertTrue(t1.body().contains("\"status\":\"committed\"") && t1.body().contains("\"value\":[1]"), t1.body());
      xWrittenAt = field(t1.body(), "mod_index");

      HttpResponse<String> read = NodeHttp.send("POST", base + "/api/v1/snapshot-read", "{\"keys\":[\"x\",\"y\",\"nope\"]}");
      assertEquals(200, read.statusCode(), read.body());
      assertTrue(read.body().contains("{\"key\":\"x\",\"value\":[1],\"mod_index\":" + xWrittenAt + "}"), read.body());
      assertTrue(read.body().contains("{\"key\":\"nope\",\"value\":null,\"mod_index\":0}"), read.body());

      // the same session and seq again: its first result, not a second append
      HttpResponse<String> retry = NodeHttp.send("POST", base + "/api/v1/txn",
          "{\"client_id\":1,\"seq\":1,\"ops\":[{\"op\":\"append\",\"key\":\"x\",\"value\":1},{\"op\":\"put\",\"key\":\"y\",\"value\":\"a\"},"
              + "{\"op\":\"get\",\"key\":\"x\"}]}");
      assertEquals(t1.body(), retry.body());

      HttpResponse<String> t2 = NodeHttp.send("POST", base + "/api/v1/txn",
          "{\"compares\":[{\"key\":\"x\",\"mod_index\":" + xWrittenAt + "}],\"ops\":[{\"op\":\"append\",\"key\":\"x\",\"value\":2}]}");
      assertTrue(t2.body().contains("\"status\":\"committed\""), t2.body());
      // a compare on the version read before t2: fails, and its put is not applied
      HttpResponse<String> stale = NodeHttp.send("POST", base + "/api/v1/txn",
          "{\"compares\":[{\"key\":\"x\",\"mod_index\":" + xWrittenAt + "}],\"ops\":[{\"op\":\"put\",\"key\":\"y\",\"value\":\"b\"}]}");
      assertEquals(200, stale.statusCode(), stale.body());
      assertTrue(stale.body().contains("\"status\":\"compare_failed\"") && stale.body().contains("\"succeeded\":false"), stale.body());
      assertTrue(NodeHttp.send("GET", base + "/api/v1/read/y", null).body().contains("\"value\":\"a\""));

      HttpResponse<String> old = NodeHttp.send("GET", base + "/api/v1/read/x?version=" + xWrittenAt, null);
      assertTrue(old.body().contains("\"value\":[1]"), "x as of the first txn: " + old.body());
      assertTrue(NodeHttp.send("GET", base + "/api/v1/read/x", null).body().contains("\"value\":[1,2]"));
      long nowMs = System.currentTimeMillis();
      HttpResponse<String> atTime = NodeHttp.send("GET", base + "/api/v1/read/x?timestamp=" + (nowMs - 3_600_000), null);
      assertTrue(atTime.body().contains("\"value\":null"), "nothing an hour ago: " + atTime.body());

      for (String[] bad : new String[][] {
          {"{\"ops\":[]}", "ops"}, {"{\"ops\":[{\"op\":\"bump\",\"key\":\"x\"}]}", "ops[0].op"},
          {"{\"ops\":[{\"op\":\"append\",\"key\":\"x\",\"value\":\"s\"}]}", "ops[0].value"},
          {"{\"compares\":[{\"key\":\"x\",\"mod_index\":-1}],\"ops\":[{\"op\":\"get\",\"key\":\"x\"}]}", "compares[0].mod_index"}}) {
        HttpResponse<String> r = NodeHttp.send("POST", base + "/api/v1/txn", bad[0]);
        assertEquals(400, r.statusCode(), bad[0] + " → " + r.body());
        assertTrue(r.body().contains(bad[1]), bad[1] + " named in " + r.body());
      }
      HttpResponse<String> future = NodeHttp.send("GET", base + "/api/v1/read/x?version=999999", null);
      assertEquals(504, future.statusCode(), "a version not applied yet is waited for: " + future.body());
      for (int seq = 2; seq <= 12; seq++) {
        assertEquals(200, NodeHttp.send("POST", base + "/api/v1/txn", "{\"client_id\":1,\"seq\":" + seq + ",\"ops\":[{\"op\":\"append\",\"key\":\"x\",\"value\":"
            + (seq + 1) + "}]}").statusCode());
      }
    }
    assertTrue(Files.isDirectory(dir.resolve("data").resolve(RaftServer.STATE_DIR)), "RocksDB under data/state");
    // the snapshots are RocksDB checkpoint archives (the default format), and the restart restores from one
    java.util.List<Path> snaps;
    try (java.util.stream.Stream<Path> l = Files.list(dir.resolve("data"))) {
      snaps = l.filter(p -> SnapshotFile.NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
    assertTrue(!snaps.isEmpty(), "snapshots taken");
    Snapshot newest = SnapshotFile.decode(Files.readAllBytes(snaps.get(snaps.size() - 1)), new String[1]);
    assertTrue(newest != null && SnapshotArchive.isArchive(newest), "a checkpoint archive: " + newest);
    assertTrue(Files.notExists(dir.resolve("data").resolve(RaftServer.CHECKPOINT_DIR)), "no checkpoint left behind");
    try (RaftServer server = RaftServer.start(RaftServerMain.parse(args))) {
      String base = NodeHttp.awaitLeader(server);
      HttpResponse<String> x = NodeHttp.send("GET", base + "/api/v1/read/x", null);
      assertTrue(x.body().contains("\"value\":[1,2,3,4,5,6,7,8,9,10,11,12,13]"), "every append after the restart: " + x.body());
      assertTrue(NodeHttp.send("GET", base + "/api/v1/read/x?version=" + xWrittenAt, null).body().contains("\"value\":[1]"),
          "old versions came back too");
    }
  }
}
