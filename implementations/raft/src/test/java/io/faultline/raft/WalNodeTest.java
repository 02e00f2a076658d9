package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.runtime.Env;
import io.faultline.runtime.SimWorld;
import io.faultline.runtime.Storage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RaftNode on its WAL: what survives a crash, what a damaged log does to a start, and the server's flag. */
class WalNodeTest {
  static final long TICK_NS = 10_000_000;
  static final WalConfig SMALL = new WalConfig(WalConfig.SyncPolicy.SAFE, 10, 4096, 4096);

  /** A one-node cluster in a simulated world. */
  static final class Single {
    final SimWorld<Wire> world = new SimWorld<>(1, new SimWorld.NetworkConfig(0, 0, 1_000, 1_000, 0, 1_000));
    final List<RaftNode> boots = new ArrayList<>();
    final List<Env<Wire>> envs = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    Single(WalConfig wal) {
      RaftConfig cfg = RaftConfig.defaults(1, List.of(1)).withWal(wal);
      world.addNode("n1", new SimWorld.ClockConfig(1.0, 0), new SimWorld.DiskConfig(50_000, 500_000, 0, 0, 0.5), env -> {
        envs.add(env);
        boots.add(new RaftNode(env, cfg, TICK_NS, null, log::add));
      });
    }

    RaftNode node() { return boots.get(boots.size() - 1); }

    Storage storage() { return envs.get(envs.size() - 1).storage(); }

    void runMs(long ms) {
      long until = world.nowNs() + ms * 1_000_000;
      world.at(until, () -> { });
      while (world.nextEventNs() <= until && world.step()) { }
    }

    void crashAndRestart() {
      world.crash("n1");
      world.restart("n1");
    }
  }

  static byte[] write(long seq) {
    return new Command(Command.Kind.WRITE, 1, seq, 1, seq, null).encode();
  }

  @Test
  void aNodeComesBackWithItsLogTermVoteAndCommit_acrossRotations() {
    Single s = new Single(SMALL);
    s.runMs(500);
    assertTrue(s.node().core().isLeader());
    for (int i = 1; i <= 200; i++) {
      s.node().core().propose(write(i));
      s.runMs(2);
    }
    s.runMs(100);
    RaftCore before = s.node().core();
    long last = before.lastIndex();
    long term = before.term();
    assertEquals(last, before.commitIndex());
    assertTrue(Wal.newestSegmentName(s.storage().list()).compareTo("wal-0000000003") > 0, "rotated: " + s.storage().list());
    long bytes = s.node().walBytes();
    assertTrue(bytes >= 2 * 4096, "bytes " + bytes);
    s.crashAndRestart();
    RaftCore after = s.node().core();
    assertNotNull(after, s.node().quarantine());
    assertEquals(last, after.lastIndex());
    assertEquals(term, after.term());
    assertEquals(1, after.vote());
    assertEquals(last, after.commitIndex(), "the commit index came back from the WAL");
    assertEquals(bytes, s.node().walBytes());
    for (long i = 1; i <= last; i++) assertTrue(before.entryAt(i).sameAs(after.entryAt(i)), "entry " + i);
  }

  @Test
  void aTornTailIsTruncatedReportedAndCounted() {
    Single s = new Single(SMALL);
    s.runMs(500);
    s.node().core().propose(write(1));
    s.runMs(100);
    String seg = Wal.newestSegmentName(s.storage().list());
    byte[] buf = s.storage().read(seg);
    int end = LogCodec.dataEnd(buf, 0, buf.length);
    s.storage().write(seg, end, new byte[] {0, 0, 0, 40, (byte) 0xff, (byte) 0xff}); // a record's first bytes
    s.storage().fsync(seg, () -> { });
    s.runMs(10);
    long last = s.node().core().lastIndex();
    s.crashAndRestart();
    assertEquals(1, s.node().walTornTailsTruncated());
    assertEquals(new Wal.TornTail(seg, end, 6), s.node().walTornTail());
    assertEquals(last, s.node().core().lastIndex());
    assertTrue(s.log.stream().anyMatch(l -> l.contains("torn tail in " + seg + " at offset " + end + ": 6 bytes dropped")), s.log.toString());
  }

  @Test
  void aFlippedBitBeforeTheTailKeepsTheNodeDown_namingFileAndOffset() {
    Single s = new Single(SMALL);
    s.runMs(500);
    for (int i = 1; i <= 3; i++) s.node().core().propose(write(i));
    s.runMs(100);
    String seg = Wal.newestSegmentName(s.storage().list());
    byte[] buf = s.storage().read(seg);
    int at = Wal.HEADER_BYTES + 20;
    s.storage().write(seg, at, new byte[] {(byte) (buf[at] ^ 0x10)});
    s.storage().fsync(seg, () -> { });
    s.runMs(10);
    s.crashAndRestart();
    assertNull(s.node().core());
    String why = s.node().quarantine();
    assertTrue(why.contains(seg + " at offset " + Wal.HEADER_BYTES), why);
    s.runMs(1000);
    assertNull(s.node().core(), "still down");
  }

  @Test
  void serverMain_takesTheWalSyncPolicyFlag() {
    RaftServer.Config c = RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d", "--wal-sync", "every-write"});
    assertEquals(WalConfig.SyncPolicy.EVERY_WRITE, c.walSync());
    assertEquals(WalConfig.SyncPolicy.EVERY_WRITE, c.raftConfig().wal().sync());
    assertEquals(WalConfig.SyncPolicy.SAFE, RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d"}).raftConfig().wal().sync());
    assertEquals(WalConfig.SyncPolicy.INTERVAL, RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d", "--wal-sync", "interval"}).walSync());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d", "--wal-sync", "sometimes"}));
    assertTrue(e.getMessage().contains("'sometimes'"), e.getMessage());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The real process: a corrupt segment makes it exit 1 with one line naming the file and offset, no stack trace. */
  @Test
  void serverMain_exitsOneOnACorruptLog_namingFileAndOffset(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    byte[] seg = new byte[4096];
    System.arraycopy(Wal.header(1, 1), 0, seg, 0, Wal.HEADER_BYTES);
    byte[] rec = LogCodec.entry(new Entry(1, 1, new byte[0]));
    System.arraycopy(rec, 0, seg, Wal.HEADER_BYTES, rec.length);
    System.arraycopy(rec, 0, seg, Wal.HEADER_BYTES + rec.length, rec.length);
    seg[Wal.HEADER_BYTES + 14] ^= 1;
    String name = Wal.segmentName(1, 1);
    Files.write(data.resolve(name), seg);
    assertEquals(data.resolve(name), RaftNode.newestSegment(data).orElseThrow());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RaftServerMain.class.getName(), "n1",
        "n1:" + freePort(), "127.0.0.1", "0", data.toString()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exited");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("n1 refuses to start: data " + data + ": log corrupt: " + name + " at offset " + Wal.HEADER_BYTES), out);
    assertTrue(!out.contains("\tat "), "no stack trace: " + out);
  }
}
