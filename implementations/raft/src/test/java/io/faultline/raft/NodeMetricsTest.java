package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real one-node server: its {@code /metrics} in Prometheus' format, and the storage admin endpoint. */
class NodeMetricsTest {
  @Test
  void metricsEndpoint_servesPrometheusText_withCommitElectionWalAndFsyncMetrics(@TempDir Path dir) throws Exception {
    RaftServer.Config config = RaftServerMain.parse(new String[] {"n1", "n1:" + NodeHttp.freePort(), "127.0.0.1", "0",
        dir.resolve("data").toString(), "--tick-ms", "20"});
    try (RaftServer server = RaftServer.start(config)) {
      String base = NodeHttp.awaitLeader(server);
      for (int seq = 1; seq <= 3; seq++) {
        HttpResponse<String> w = NodeHttp.send("POST", base + "/api/v1/write", "{\"key\":1,\"value\":" + seq + ",\"client_id\":1,\"seq\":" + seq + "}");
        assertEquals(200, w.statusCode(), w.body());
      }
      Thread.sleep(100); // a few polls of the election metrics
      HttpResponse<String> m = NodeHttp.send("GET", base + "/metrics", null);
      assertEquals(200, m.statusCode());
      assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), m.headers().toString());
      String text = m.body();
      for (String name : List.of("raft_commit_latency_seconds_count{node=\"n1\",op=\"write\"} 3", "raft_commit_latency_seconds_bucket",
          "raft_elections_total{node=\"n1\"} 1", "raft_election_duration_seconds_count", "raft_elections_started_total",
          "raft_wal_bytes", "raft_fsync_latency_seconds_count", "raft_term", "raft_is_leader{node=\"n1\"} 1")) {
        assertTrue(text.contains(name), name + " in\n" + text);
      }
      assertTrue(text.contains("# TYPE raft_commit_latency_seconds histogram"), text);
      double walBytes = Double.parseDouble(text.lines().filter(l -> l.startsWith("raft_wal_bytes{")).findFirst().orElseThrow().split(" ")[1]);
      assertTrue(walBytes > 0, "the log has bytes: " + walBytes);
    }
  }

  @Test
  void storageAdminEndpoint_setsTheFaultMode_andRefusesABadModeByName(@TempDir Path dir) throws Exception {
    RaftServer.Config config = RaftServerMain.parse(new String[] {"n1", "n1:" + NodeHttp.freePort(), "127.0.0.1", "0", dir.resolve("data").toString()});
    try (RaftServer server = RaftServer.start(config)) {
      String base = "http://127.0.0.1:" + server.httpPort();
      HttpResponse<String> set = NodeHttp.send("POST", base + "/admin/storage?mode=lose-unsynced", null);
      assertEquals(200, set.statusCode(), set.body());
      assertTrue(set.body().contains("\"mode\":\"lose-unsynced\""), set.body());
      assertEquals(io.faultline.runtime.StorageFaultControl.Mode.LOSE_UNSYNCED, server.storage().faultMode());
      HttpResponse<String> bad = NodeHttp.send("POST", base + "/admin/storage?mode=melt", null);
      assertEquals(400, bad.statusCode());
      assertTrue(bad.body().contains("'melt'") && bad.body().contains("fsync-stall"), bad.body());
      assertEquals(400, NodeHttp.send("POST", base + "/admin/storage", null).statusCode());
      assertEquals(200, NodeHttp.send("POST", base + "/admin/storage?mode=none", null).statusCode());
      assertEquals(io.faultline.runtime.StorageFaultControl.Mode.NONE, server.storage().faultMode());
    }
  }
}
