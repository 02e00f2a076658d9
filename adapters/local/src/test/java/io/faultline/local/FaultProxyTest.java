package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.sut.LinkFaults;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy network of two nodes, each an echo server on its own loopback address. */
class FaultProxyTest {
  private static final List<String> IDS = List.of("n1", "n2");
  private final List<ServerSocket> servers = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private int[] ports;
  private LocalNetwork network;

  @BeforeEach
  void start() throws IOException {
    ports = Ports.allocate(2, 42);
    for (int i = 0; i < 2; i++) {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(HostsFile.nodeAddress(IDS, IDS.get(i)), ports[i]));
      servers.add(server);
      Thread echo = new Thread(() -> acceptEcho(server), "echo-" + i);
      echo.setDaemon(true);
      echo.start();
    }
    network = new LocalNetwork(IDS, ports, 42, true);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) s.close();
    network.close();
    for (ServerSocket s : servers) s.close();
    Ports.release(ports);
  }

  private static void acceptEcho(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) >= 0) out.write(b, 0, n);
          } catch (IOException e) {
            // The test closed or reset it.
          }
        });
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** A connection from node {@code from} to node {@code to}, through the link's proxy. */
  private Socket connect(String from, String to) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(HostsFile.linkAddress(IDS, from, to), ports[IDS.indexOf(to)]), 2_000);
    s.setTcpNoDelay(true);
    s.setSoTimeout(2_000);
    sockets.add(s);
    return s;
  }

  private static byte[] roundTrip(Socket s, byte[] message) throws IOException {
    s.getOutputStream().write(message);
    byte[] back = new byte[message.length];
    new DataInputStream(s.getInputStream()).readFully(back);
    return back;
  }

  @Test
  void bytesPassThroughUnchangedWithNoFault() throws IOException {
    Socket s = connect("n1", "n2");
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
    Thread writer = new Thread(() -> {
      try {
        s.getOutputStream().write(big);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    writer.start();
    byte[] back = new byte[big.length];
    new DataInputStream(s.getInputStream()).readFully(back);
    assertTrue(Arrays.equals(big, back));
    assertEquals("x", new String(roundTrip(connect("clients", "n1"), "x".getBytes())));
  }

  @Test
  void cutLinkHoldsOneDirectionAndHealDeliversHeldBytes() throws Exception {
    Socket s = connect("n1", "n2");
    assertEquals("a", new String(roundTrip(s, "a".getBytes())));
    network.setLink("n2", "n1", LinkFaults.NONE.withCut(true));
    // n1's bytes still reach n2, n2's echo back to n1 is held.
    s.getOutputStream().write("b".getBytes());
    s.setSoTimeout(300);
    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
    // The other direction, n1 -> n2 opened by n2, is held at once: n2's bytes never leave.
    Socket back = connect("n2", "n1");
    back.setSoTimeout(300);
    back.getOutputStream().write("c".getBytes());
    assertThrows(SocketTimeoutException.class, () -> back.getInputStream().read());
    network.setLink("n2", "n1", LinkFaults.NONE);
    s.setSoTimeout(2_000);
    back.setSoTimeout(2_000);
    assertEquals('b', s.getInputStream().read());
    assertEquals('c', back.getInputStream().read());
  }

  @Test
  void cutLinkHoldsNewConnectionsUntilHealed() throws Exception {
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    Socket s = connect("n1", "n2");
    s.setSoTimeout(300);
    s.getOutputStream().write("a".getBytes());
    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
    network.healAll();
    s.setSoTimeout(2_000);
    assertEquals('a', s.getInputStream().read());
  }

  @Test
  void delayAddsLatencyToEachDirection() throws IOException {
    Socket s = connect("n1", "n2");
    roundTrip(s, "warm".getBytes());
    network.setLink("n1", "n2", LinkFaults.NONE.withDelay(100, 10));
    network.setLink("n2", "n1", LinkFaults.NONE.withDelay(50, 0));
    long started = System.nanoTime();
    roundTrip(s, "x".getBytes());
    long ms = (System.nanoTime() - started) / 1_000_000;
    assertTrue(ms >= 140 && ms < 1_000, "round trip took " + ms + " ms, expected about 150");
    network.healAll();
    started = System.nanoTime();
    roundTrip(s, "y".getBytes());
    ms = (System.nanoTime() - started) / 1_000_000;
    assertTrue(ms < 50, "healed round trip took " + ms + " ms");
  }

  @Test
  void resetClosesConnectionsWithRst() throws Exception {
    Socket s = connect("n1", "n2");
    roundTrip(s, "a".getBytes());
    network.setLink("n1", "n2", LinkFaults.NONE.withResetAfter(0));
    IOException thrown = assertThrows(IOException.class, () -> {
      for (int i = 0; i < 50; i++) {
        roundTrip(s, "b".getBytes());
        Thread.sleep(20);
      }
    });
    assertTrue(thrown instanceof SocketException || thrown.getMessage() != null, thrown.toString());
    // A reset of 200 ms lets a new connection work until then.
    network.setLink("n1", "n2", LinkFaults.NONE.withResetAfter(200));
    Socket again = connect("n1", "n2");
    assertEquals("c", new String(roundTrip(again, "c".getBytes())));
    Thread.sleep(400);
    assertThrows(IOException.class, () -> roundTrip(again, "d".getBytes()));
  }

  @Test
  void bandwidthLimitsTheByteRate() throws IOException {
    Socket s = connect("n1", "n2");
    network.setLink("n1", "n2", LinkFaults.NONE.withBandwidth(100_000));
    byte[] message = new byte[30_000];
    long started = System.nanoTime();
    roundTrip(s, message);
    long ms = (System.nanoTime() - started) / 1_000_000;
    assertTrue(ms >= 250, "30 kB at 100 kB/s took " + ms + " ms");
  }

  @Test
  void slowCloseDelaysTheEndOfStream() throws IOException {
    network.setLink("n1", "n2", LinkFaults.NONE.withSlowClose(300));
    Socket s = connect("n1", "n2");
    roundTrip(s, "a".getBytes());
    long started = System.nanoTime();
    s.shutdownOutput();
    assertEquals(-1, s.getInputStream().read());
    long ms = (System.nanoTime() - started) / 1_000_000;
    assertTrue(ms >= 280, "close passed on after " + ms + " ms");
  }

  @Test
  void proxyWithoutFaults_forwardsBytes_andCloseResetsItsConnections() throws IOException {
    InetSocketAddress target = new InetSocketAddress(HostsFile.nodeAddress(IDS, "n2"), ports[1]);
    InetSocketAddress listen = new InetSocketAddress(HostsFile.linkAddress(IDS, "n2", "n1"), ports[1]);
    Socket s;
    try (FaultProxy proxy = FaultProxy.withoutFaults("standalone", listen, target)) {
      s = new Socket();
      sockets.add(s);
      s.connect(listen, 2_000);
      s.setSoTimeout(2_000);
      assertEquals("hello", new String(roundTrip(s, "hello".getBytes())));
      assertEquals(1, proxy.connectionCount());
    }
    assertThrows(IOException.class, () -> {
      for (int i = 0; i < 50; i++) roundTrip(s, "again".getBytes());
    });
    try (Socket late = new Socket()) {
      assertThrows(IOException.class, () -> late.connect(listen, 500));
    }
  }

  /** The proxy's own cost: round trips of 64 bytes direct and through the proxy. */
  @Test
  void proxyOverheadPerRoundTripIsSmall() throws IOException {
    Socket direct = new Socket();
    direct.connect(new InetSocketAddress(HostsFile.nodeAddress(IDS, "n2"), ports[1]));
    direct.setTcpNoDelay(true);
    sockets.add(direct);
    Socket proxied = connect("n1", "n2");
    byte[] message = new byte[64];
    int rounds = 2_000;
    for (int i = 0; i < rounds; i++) {
      roundTrip(direct, message);
      roundTrip(proxied, message);
    }
    long directNs = timeRoundTrips(direct, message, rounds);
    long proxiedNs = timeRoundTrips(proxied, message, rounds);
    System.out.printf("[figure] round trip of 64 B: direct %.1f us, through the proxy %.1f us, overhead %.1f us%n",
        directNs / 1e3, proxiedNs / 1e3, (proxiedNs - directNs) / 1e3);
    assertTrue(proxiedNs - directNs < 2_000_000, "proxy overhead " + (proxiedNs - directNs) + " ns per round trip");
  }

  private static long timeRoundTrips(Socket s, byte[] message, int rounds) throws IOException {
    long started = System.nanoTime();
    for (int i = 0; i < rounds; i++) roundTrip(s, message);
    return (System.nanoTime() - started) / rounds;
  }
}
