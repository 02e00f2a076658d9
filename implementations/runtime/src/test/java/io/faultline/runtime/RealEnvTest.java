package io.faultline.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealEnvTest {
  @TempDir Path dir;

  static final TcpTransport.Codec<String> STRINGS = new TcpTransport.Codec<>() {
    @Override public byte[] encode(String m) { return m.getBytes(StandardCharsets.UTF_8); }
    @Override public String decode(byte[] p) { return new String(p, StandardCharsets.UTF_8); }
  };

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void transport_deliversByName_onTheLoop_andReconnectsAfterThePeerRestarts() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    // "localhost" stands in for node names: in a deployment each node's hosts file resolves them.
    try (EventLoop loop1 = new EventLoop("l1"); EventLoop loop2 = new EventLoop("l2")) {
      BlockingQueue<String> got = new LinkedBlockingQueue<>();
      TcpTransport<String> a = new TcpTransport<>("a", "127.0.0.1", p1, Map.of("localhost", p2), STRINGS, loop1);
      TcpTransport<String> b = new TcpTransport<>("b", "127.0.0.1", p2, Map.of(), STRINGS, loop2);
      b.setHandler((from, m) -> got.add(from + ":" + m + ":" + loop2.inLoop()));
      a.send("localhost", "hello");
      assertEquals("a:hello:true", got.poll(5, TimeUnit.SECONDS));
      b.close();
      a.send("localhost", "lost or delivered, never duplicated in order");
      Thread.sleep(200);
      TcpTransport<String> b2 = new TcpTransport<>("b", "127.0.0.1", p2, Map.of(), STRINGS, loop2);
      b2.setHandler((from, m) -> got.add(m));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      String seen = null;
      while (!"again".equals(seen) && System.nanoTime() < deadline) {
        a.send("localhost", "again");
        seen = got.poll(200, TimeUnit.MILLISECONDS);
        while (seen != null && !seen.equals("again")) seen = got.poll(200, TimeUnit.MILLISECONDS);
      }
      assertEquals("again", seen);
      a.close();
      b2.close();
    }
  }

  @Test
  void frame_withAFlippedBit_isRefused() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TcpTransport.writeFrame(new DataOutputStream(bytes), "payload".getBytes(StandardCharsets.UTF_8));
    byte[] frame = bytes.toByteArray();
    assertArrayEquals("payload".getBytes(StandardCharsets.UTF_8),
        TcpTransport.readFrame(new DataInputStream(new ByteArrayInputStream(frame)), 100));
    frame[frame.length - 1] ^= 1;
    assertThrows(IOException.class, () -> TcpTransport.readFrame(new DataInputStream(new ByteArrayInputStream(frame)), 100));
    assertThrows(IOException.class, () -> TcpTransport.readFrame(new DataInputStream(new ByteArrayInputStream(frame)), 3));
  }

  @Test
  void fileStorage_appendsTruncatesAndCompletesFsyncsInOrderOnTheLoop() throws Exception {
    try (EventLoop loop = new EventLoop("s"); FileStorage s = new FileStorage(dir.resolve("data"), loop)) {
      assertNull(s.read("log"));
      s.append("log", new byte[] {1, 2, 3});
      s.append("log", new byte[] {4});
      BlockingQueue<String> done = new LinkedBlockingQueue<>();
      s.fsync("log", () -> done.add("file " + loop.inLoop()));
      s.fsyncDirectory(() -> done.add("dir " + loop.inLoop()));
      assertEquals("file true", done.poll(5, TimeUnit.SECONDS));
      assertEquals("dir true", done.poll(5, TimeUnit.SECONDS));
      assertArrayEquals(new byte[] {1, 2, 3, 4}, s.read("log"));
      s.truncate("log", 2);
      assertArrayEquals(new byte[] {1, 2}, s.read("log"));
      assertEquals(List.of("log"), s.list());
      s.delete("log");
      assertEquals(List.of(), s.list());
      assertThrows(IllegalArgumentException.class, () -> s.append("../escape", new byte[1]));
    }
  }

  @Test
  void clock_rateScalesTimers_andMonotonicTimeNeverGoesBack() throws Exception {
    RealClock clock = new RealClock();
    try (EventLoop loop = new EventLoop("c")) {
      RealTimers timers = new RealTimers(loop, clock);
      clock.setRate(10);
      long t0 = System.nanoTime();
      CountDownLatch fired = new CountDownLatch(1);
      timers.schedule(TimeUnit.MILLISECONDS.toNanos(1_000), fired::countDown);
      assertTrue(fired.await(5, TimeUnit.SECONDS));
      long realMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(realMs < 500, "1 s of a 10x clock took " + realMs + " ms");
      long before = clock.monotonicNs();
      clock.setRate(0.5);
      assertTrue(clock.monotonicNs() >= before);
      clock.setOffsetNs(TimeUnit.SECONDS.toNanos(60));
      assertTrue(clock.wallNs() - System.currentTimeMillis() * 1_000_000L > TimeUnit.SECONDS.toNanos(59));
      assertThrows(IllegalArgumentException.class, () -> clock.setRate(0));
    }
  }
}
