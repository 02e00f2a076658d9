package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** For tests of a real in-process node: HTTP to its API, a free port, and waiting for a one-node cluster to elect itself. */
final class NodeHttp {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  private NodeHttp() {}

  static HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The node's API base URL once it leads (a one-node cluster elects itself within seconds). */
  static String awaitLeader(RaftServer server) throws Exception {
    String base = "http://127.0.0.1:" + server.httpPort();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!send("GET", base + "/api/v1/cluster/status", null).body().contains("\"LEADER\"")) {
      assertTrue(System.nanoTime() < deadline, "a one-node cluster elects itself");
      Thread.sleep(20);
    }
    return base;
  }
}
