package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.raft.RaftBackup;
import io.faultline.raftadapter.RaftCluster;
import io.faultline.raftadapter.RaftSystem;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
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
 * The quorum-loss procedure of implementations/raft/README.md as a test, on real processes: three nodes
 * take acknowledged writes and settle; two of them are killed and their data directories deleted for
 * good; {@code faultline raft force-new-cluster} on the survivor (a follower) makes it the one voter
 * of a new cluster; started again, it serves every acknowledged write and takes new ones.
 */
class RaftQuorumLossIT {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  private Map<?, ?> call(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return (Map<?, ?>) Json.parse(http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  @Test
  void twoOfThreeDestroyed_forceNewClusterOnTheSurvivor_losesNoAcknowledgedWrite(@TempDir Path dir) throws Exception {
    int acknowledged = 200;
    try (RaftCluster cluster = new RaftSystem().start(new ClusterSpec(3, dir, 7, Set.of(), Map.of()))) {
      String leader = cluster.leader().orElseThrow();
      String leaderApi = "http://" + cluster.httpAddresses().get(leader) + "/api/v1/";
      for (int i = 1; i <= acknowledged; i++) {
        Map<?, ?> r = call("POST", leaderApi + "write", "{\"key\":\"k" + i + "\",\"value\":" + i + "}");
        assertEquals(Boolean.TRUE, r.get("ok"), "write " + i + ": " + r);
      }
      long commit = (Long) call("GET", leaderApi + "cluster/status", null).get("commit");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (String api : cluster.httpAddresses().values()) {
        while ((Long) call("GET", "http://" + api + "/api/v1/cluster/status", null).get("applied") < commit) {
          assertTrue(System.nanoTime() < deadline, "settled");
          Thread.sleep(20);
        }
      }
      Node survivor = cluster.nodes().stream().filter(n -> !n.id().equals(leader)).findFirst().orElseThrow();
      for (Node n : cluster.nodes()) ((Killable) n).kill();
      for (Node n : cluster.nodes()) if (n != survivor) RaftBackup.deleteTree(n.dataDir());

      // the procedure: force-new-cluster on the survivor's data directory, then start it
      int code = Main.execute("raft", "force-new-cluster", survivor.dataDir().toString(), "--node", survivor.id(), "--cluster-id", "rescued");
      assertEquals(0, code);
      assertEquals("rescued", Files.readString(survivor.dataDir().resolve("cluster-id")).trim());
      ((Killable) survivor).start();
      String api = "http://" + cluster.httpAddresses().get(survivor.id()) + "/api/v1/";
      deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        Map<?, ?> st;
        try {
          st = call("GET", api + "cluster/status", null);
        } catch (java.io.IOException e) {
          st = Map.of();
        }
        if ("LEADER".equals(st.get("role"))) break;
        assertTrue(System.nanoTime() < deadline, "the survivor leads its new cluster: " + st);
        Thread.sleep(50);
      }
      for (int i = 1; i <= acknowledged; i++) {
        Map<?, ?> r = call("GET", api + "read/k" + i, null);
        assertEquals((long) i, r.get("value"), "acknowledged write k" + i + " after the quorum loss: " + r);
      }
      Map<?, ?> w = call("POST", api + "write", "{\"key\":\"after\",\"value\":1}");
      assertEquals(Boolean.TRUE, w.get("ok"), "the new cluster takes writes: " + w);
    }
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }
}
