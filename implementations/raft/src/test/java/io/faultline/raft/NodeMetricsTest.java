package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real one-node server: its {@code /metrics} in Prometheus' format, and the storage admin endpoint. */
class NodeMetricsTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  private HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void metricsEndpoint_servesPrometheusText_withCommitElectionWalAndFsyncMetrics(@TempDir Path dir) throws Exception {
    RaftServer.Config config = RaftServerMain.parse(new String[] {"n1", "n1:" + freePort(), "127.0.0.1", "0",
        dir.resolve("data").toString(), "--tick-ms", "20"});
    try (RaftServer server = RaftServer.start(config)) {
      String base = "http://127.0.0.1:" + server.httpPort();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!send("GET", base + "/api/v1/cluster/status", null).body().contains("\"LEADER\"")) {
        assertTrue(System.nanoTime() < deadline, "a one-node cluster elects itself");
        Thread.sleep(20);
      }
      for (int seq = 1; seq <= 3; seq++) {
        HttpResponse<String> w = send("POST", base + "/api/v1/write", "{\"key\":1,\"value\":" + seq + ",\"client_id\":1,\"seq\":" + seq + "}");
        assertEquals(200, w.statusCode(), w.body());
      }
      Thread.sleep(100); // a few polls of the election metrics
      HttpResponse<String> m = send("GET", base + "/metrics", null);
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
    RaftServer.Config config = RaftServerMain.parse(new String[] {"n1", "n1:" + freePort(), "127.0.0.1", "0", dir.resolve("data").toString()});
    try (RaftServer server = RaftServer.start(config)) {
      String base = "http://127.0.0.1:" + server.httpPort();
      HttpResponse<String> set = send("POST", base + "/admin/storage?mode=lose-unsynced", null);
      assertEquals(200, set.statusCode(), set.body());
      assertTrue(set.body().contains("\"mode\":\"lose-unsynced\""), set.body());
      assertEquals(io.faultline.runtime.StorageFaultControl.Mode.LOSE_UNSYNCED, server.storage().faultMode());
      HttpResponse<String> bad = send("POST", base + "/admin/storage?mode=melt", null);
      assertEquals(400, bad.statusCode());
      assertTrue(bad.body().contains("'melt'") && bad.body().contains("fsync-stall"), bad.body());
      assertEquals(400, send("POST", base + "/admin/storage", null).statusCode());
      assertEquals(200, send("POST", base + "/admin/storage?mode=none", null).statusCode());
      assertEquals(io.faultline.runtime.StorageFaultControl.Mode.NONE, server.storage().faultMode());
    }
  }
}
