package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The netns backend: runs as root with ip, nft and tc; skips otherwise, saying why. */
class NetnsNetworkTest {
  @TempDir Path runs;

  @BeforeEach
  void requireRoot() {
    assumeTrue(NetnsNetwork.unavailableReason().isEmpty(), () -> "skipped: " + NetnsNetwork.unavailableReason().orElse(""));
  }

  /** Whether a TCP connection opens within a second, from namespace {@code ns} (null: the harness's). */
  private static boolean connects(String ns, String address, int port) throws Exception {
    if (ns == null) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, port), 1_000);
        return true;
      } catch (java.io.IOException e) {
        return false;
      }
    }
    Process p = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "1", "bash", "-c",
        "exec 3<>/dev/tcp/" + address + "/" + port).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    return p.exitValue() == 0;
  }

  /** Milliseconds for one echo of a line from namespace {@code ns}, connect included. */
  private static long echoMs(String ns, String address, int port) throws Exception {
    long started = System.nanoTime();
    Process p = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "3", "bash", "-c",
        "exec 3<>/dev/tcp/" + address + "/" + port + "; echo x >&3; read -t 3 line <&3; [ \"$line\" = x ]")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "echo through " + address + ":" + port + " failed: " + out);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  private static void awaitReady(NodeProcess node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (Files.exists(node.logFile()) && Files.readString(node.logFile()).contains("ready")) return;
      Thread.sleep(50);
    }
    throw new AssertionError("node never ready: " + Files.readString(node.logFile()));
  }

  @Test
  void nodesInNamespaces_cutAndHealByNftables_bandwidthByTbf_andCloseLeavesNothing() throws Exception {
    String n1Namespace;
    String bridge;
    try (LocalDeployment d = LocalDeployment.create(runs.resolve("netns"), List.of("n1", "n2"), 5, true,
        LocalDeployment.NetworkBackend.NETNS)) {
      NetworkControl net = d.network();
      NetnsNetwork kernel = ((LayeredNetwork) net).kernel();
      n1Namespace = kernel.namespace("n1");
      bridge = kernel.bridge();
      assertTrue(n1Namespace.length() <= 15 && n1Namespace.startsWith("fl"), n1Namespace);
      for (String id : d.nodeIds()) {
        awaitReady(d.launch(id, EchoMain.class.getName(), List.of(d.nodeAddress(id), Integer.toString(d.port(id))), List.of()));
      }
      String n2 = d.nodeAddress("n2");
      int p2 = d.port("n2");
      assertTrue(connects(null, d.nodeAddress("n1"), d.port("n1")), "the harness reaches n1");
      assertTrue(connects(n1Namespace, n2, p2), "n1 reaches n2");

      net.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
      assertFalse(connects(n1Namespace, n2, p2), "n1's packets are dropped at n2");
      net.setLink(NetworkControl.CLIENTS, "n1", LinkFaults.NONE.withCut(true));
      assertFalse(connects(null, d.nodeAddress("n1"), d.port("n1")), "the clients are cut from n1");
      net.healAll();
      assertTrue(connects(n1Namespace, n2, p2), "healed");
      assertTrue(connects(null, d.nodeAddress("n1"), d.port("n1")), "healed for the clients");

      net.setLink("n1", "n2", LinkFaults.NONE.withBandwidth(125_000));
      String qdisc = NetnsNetwork.output("ip", "netns", "exec", n1Namespace, "tc", "qdisc", "show");
      assertTrue(qdisc.contains("tbf") && qdisc.contains("1Mbit"), qdisc);
      net.healAll();
      assertFalse(NetnsNetwork.output("ip", "netns", "exec", n1Namespace, "tc", "qdisc", "show").contains("tbf"));
      UnsupportedOperationException noDelay = assertThrows(UnsupportedOperationException.class,
          () -> kernel.setLink("n1", "n2", LinkFaults.NONE.withDelay(50, 0)));
      assertTrue(noDelay.getMessage().contains("proxy"), noDelay.getMessage());

      // Delay comes from the proxy layered on the namespaces: n1 reaches n2 at the link's address.
      String link = kernel.linkAddress("n1", "n2");
      long quietMs = echoMs(n1Namespace, link, p2);
      net.setLink("n1", "n2", LinkFaults.NONE.withDelay(300, 0));
      long delayedMs = echoMs(n1Namespace, link, p2);
      assertTrue(delayedMs - quietMs >= 250, "echo through the link took " + delayedMs + " ms delayed, " + quietMs + " ms not");
      net.setLink("n1", "n2", LinkFaults.NONE.withDelay(300, 0).withCut(true));
      assertFalse(connects(n1Namespace, n2, p2), "a cut still drops n1's packets, at the kernel");
      net.healAll();
      assertTrue(echoMs(n1Namespace, link, p2) < quietMs + 250, "healed");
    }
    assertFalse(NetnsNetwork.output("ip", "netns", "list").contains(n1Namespace), "namespaces deleted");
    assertFalse(NetnsNetwork.output("ip", "-o", "link", "show").contains(bridge), "bridge deleted");
  }

  @Test
  void killedHarness_leavesNamespaces_thatTheSweeperRemoves() throws Exception {
    Process harness = new ProcessBuilder(NodeProcess.javaBinary(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        NetnsHarnessMain.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String line = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertTrue(line != null && line.startsWith("up "), "harness said " + line);
      String namespace = line.split(" ")[1];
      String bridge = line.split(" ")[2];
      harness.destroyForcibly();
      assertTrue(harness.waitFor(5, TimeUnit.SECONDS));
      assertTrue(NetnsNetwork.output("ip", "netns", "list").contains(namespace), "a killed harness leaves its namespaces");
      List<String> removed = Sweeper.sweepNetns();
      assertTrue(removed.contains(namespace) && removed.contains(bridge), removed.toString());
      assertTrue(removed.stream().anyMatch(r -> r.startsWith(NetnsNetwork.TABLE + "fl")), "the clients' table: " + removed);
      assertFalse(NetnsNetwork.output("ip", "netns", "list").contains(namespace));
      assertEquals(List.of(), Sweeper.sweepNetns(), "nothing left for a second sweep");
    } finally {
      harness.destroyForcibly();
    }
  }
}
