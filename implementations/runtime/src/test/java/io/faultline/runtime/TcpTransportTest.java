package io.faultline.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The non-blocking transport: batching, big frames, foreign connections, corrupt frames. */
class TcpTransportTest {
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void manyMessages_andOneBiggerThanTheBuffer_arriveInOrder() throws Exception {
    int pa = freePort();
    int pb = freePort();
    try (EventLoop la = new EventLoop("la"); EventLoop lb = new EventLoop("lb");
        TcpTransport<String> a = new TcpTransport<>("a", "127.0.0.1", pa, Map.of("localhost", pb), RealEnvTest.STRINGS, la);
        TcpTransport<String> b = new TcpTransport<>("b", "127.0.0.1", pb, Map.of(), RealEnvTest.STRINGS, lb)) {
      BlockingQueue<String> got = new LinkedBlockingQueue<>();
      b.setHandler((from, m) -> got.add(m));
      a.send("localhost", "first"); // connects; the burst below then goes out in batches
      assertEquals("first", got.poll(5, TimeUnit.SECONDS));
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        String m = i == 1_000 ? "x".repeat(3 * TcpTransport.BUFFER_BYTES) : "m" + i;
        sent.add(m);
        a.send("localhost", m);
      }
      List<String> received = new ArrayList<>();
      while (received.size() < sent.size()) {
        String m = got.poll(5, TimeUnit.SECONDS);
        if (m == null) break;
        received.add(m);
      }
      assertEquals(sent, received);
      assertEquals(0, a.dropped());
    }
  }

  @Test
  void aForeignConnection_isHandedOver_withNothingConsumed() throws Exception {
    int port = freePort();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    TcpTransport.ForeignConnections echo = (socket, in) -> {
      try (socket) {
        byte[] buf = new byte[4];
        int n = in.readNBytes(buf, 0, 4);
        lines.add(new String(buf, 0, n, StandardCharsets.US_ASCII));
        socket.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        lines.add("error " + e);
      }
    };
    try (EventLoop loop = new EventLoop("l");
        TcpTransport<String> t = new TcpTransport<>("a", "127.0.0.1", port, Map.of(), RealEnvTest.STRINGS, loop, echo);
        Socket client = new Socket("127.0.0.1", port)) {
      assertEquals("a", t.self());
      client.getOutputStream().write("GET ".getBytes(StandardCharsets.US_ASCII));
      assertEquals("GET ", lines.poll(5, TimeUnit.SECONDS));
      client.setSoTimeout(5_000);
      assertEquals("pong", new String(client.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void aCorruptFrame_endsTheConnection_andDeliversNothing() throws Exception {
    int port = freePort();
    try (EventLoop loop = new EventLoop("l");
        TcpTransport<String> t = new TcpTransport<>("b", "127.0.0.1", port, Map.of(), RealEnvTest.STRINGS, loop);
        Socket raw = new Socket("127.0.0.1", port)) {
      BlockingQueue<String> got = new LinkedBlockingQueue<>();
      t.setHandler((from, m) -> got.add(from + ":" + m));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      TcpTransport.writeFrame(out, "a".getBytes(StandardCharsets.UTF_8));
      TcpTransport.writeFrame(out, "good".getBytes(StandardCharsets.UTF_8));
      int badAt = bytes.size();
      TcpTransport.writeFrame(out, "bad".getBytes(StandardCharsets.UTF_8));
      byte[] frames = bytes.toByteArray();
      frames[badAt + TcpTransport.HEADER_BYTES] ^= 1;
      OutputStream o = raw.getOutputStream();
      o.write(frames);
      o.flush();
      assertEquals("a:good", got.poll(5, TimeUnit.SECONDS));
      raw.setSoTimeout(5_000);
      InputStream in = raw.getInputStream();
      assertEquals(-1, in.read(), "the transport closes a connection that sent a corrupt frame");
      assertTrue(got.isEmpty());
    }
  }
}
