package io.faultline.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.faultline.local.LocalDeployment;
import io.faultline.local.ToxiproxyNetwork;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toxiproxy network backend against a real Toxiproxy server (a container with host networking):
 * bytes flow through a link's proxy, stop under a cut, flow again after the heal. Needs a Docker
 * engine, so it skips on these machines; the nightly workflow's containers job runs it.
 */
class ToxiproxyBackendDockerTest {
  static final int READ_TIMEOUT_MS = 1_000;

  @Test
  void aCutLinkCarriesNothing_andAHealedOneCarriesAgain(@TempDir Path runs) throws IOException {
    Assumptions.assumeTrue(DockerEngine.available(), () -> "no Docker engine: " + DockerEngine.unavailableReason().orElse(""));
    try (PeerContainers peers = PeerContainers.start(List.of("toxiproxy"), PeerImages.DEFAULTS)) {
      System.setProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY, peers.endpoint("toxiproxy"));
      try (LocalDeployment d = LocalDeployment.create(runs.resolve("tp"), List.of("n1", "n2"), 11, true,
          LocalDeployment.NetworkBackend.TOXIPROXY);
          ServerSocket echo = new ServerSocket()) {
        echo.bind(new InetSocketAddress(d.nodeAddress("n2"), d.port("n2")));
        Thread t = new Thread(() -> serve(echo), "echo");
        t.setDaemon(true);
        t.start();
        String[] hostPort = d.harnessAddress("n2").split(":");
        assertEquals("ping", roundTrip(hostPort[0], Integer.parseInt(hostPort[1])));
        d.network().setLink(NetworkControl.CLIENTS, "n2", LinkFaults.NONE.withCut(true));
        assertThrows(IOException.class, () -> roundTrip(hostPort[0], Integer.parseInt(hostPort[1])));
        d.network().healAll();
        assertEquals("ping", roundTrip(hostPort[0], Integer.parseInt(hostPort[1])));
      } finally {
        System.clearProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY);
      }
    }
  }

  private static String roundTrip(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MS);
      s.setSoTimeout(READ_TIMEOUT_MS);
      s.getOutputStream().write("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] buf = s.getInputStream().readNBytes(4);
      if (buf.length < 4) throw new SocketTimeoutException("short read: " + buf.length + " bytes");
      return new String(buf, java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  private static void serve(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
          } catch (IOException e) {
            // the client went away
          }
        }, "echo-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
