package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.mvcc.Checkpointable.CheckpointFile;
import io.faultline.raft.mvcc.RocksEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint snapshots ({@link SnapshotArchive}): the archive, the delta of the files a follower lacks
 * and its assembly, the core's offer/answer/delta transfer, and RocksDB state machines snapshotting into
 * archives and restoring from them.
 */
class IncrementalSnapshotTest {
  @TempDir Path dir;

  /** A snapshot of an archive holding {@code files} (name to contents) and the configuration {@code membership}. */
  private Snapshot archive(long index, long term, Map<String, byte[]> files, Membership membership) throws IOException {
    Path d = Files.createTempDirectory(dir, "files");
    for (Map.Entry<String, byte[]> f : files.entrySet()) Files.write(d.resolve(f.getKey()), f.getValue());
    List<CheckpointFile> listed = RocksEngine.listFiles(d);
    byte[] m = membership == null ? new byte[0] : membership.encode();
    return SnapshotFile.encode(index, term, (int) SnapshotArchive.stateBytes(m, listed), b -> {
      try {
        SnapshotArchive.write(b, m, listed, d);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static byte[] random(int seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Map<String, byte[]> files(Object... nameAndContents) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < nameAndContents.length; i += 2) m.put((String) nameAndContents[i], (byte[]) nameAndContents[i + 1]);
    return m;
  }

  @Test
  void deltaCarriesOnlyTheFilesTheFollowerLacks_andAssemblesIntoTheLeadersExactSnapshot() throws IOException {
    byte[] a = random(1, 300_000);
    byte[] b = random(2, 200_000);
    Snapshot base = archive(10, 2, files("000007.sst", a, "000008.sst", b, "000009.sst", random(3, 50_000), "MANIFEST-000005", random(4, 900)), null);
    // the newer snapshot keeps 7 and 8, drops 9, adds 12, and has a file named like one of the base's with other contents
    Snapshot newer = archive(20, 3, files("000007.sst", a, "000008.sst", b, "000012.sst", random(5, 40_000), "MANIFEST-000005", random(6, 1_100)),
        Membership.ofVoters(List.of(1, 2, 3)));
    byte[] held = SnapshotArchive.held(SnapshotArchive.offer(newer), base);
    assertArrayEquals(new byte[] {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, held, "files 0 and 1 (7 and 8) are held; the manifest differs");
    byte[] delta = SnapshotArchive.delta(newer, held);
    assertTrue(SnapshotArchive.isDelta(delta));
    assertEquals(newer.bytes().length - a.length - b.length + 4 + 4 + 4 + 8, delta.length, "the delta leaves out exactly the held files");
    String[] problem = new String[1];
    Snapshot assembled = SnapshotArchive.assemble(delta, base, problem);
    assertNotNull(assembled, problem[0]);
    assertArrayEquals(newer.bytes(), assembled.bytes());
    assertEquals(Membership.ofVoters(List.of(1, 2, 3)), KvStateMachine.membershipIn(SnapshotFile.state(assembled)));
    // a follower without the base cannot assemble it, and says why
    assertNull(SnapshotArchive.assemble(delta, null, problem));
    assertTrue(problem[0].contains("no longer holds"), problem[0]);
    // nor with a base whose file 7 changed
    Snapshot other = archive(11, 2, files("000007.sst", random(9, 300_000), "000008.sst", b), null);
    assertNull(SnapshotArchive.assemble(delta, other, problem));
    assertTrue(problem[0].contains("000007.sst"), problem[0]);
  }

  @Test
  void followerHoldingNothing_getsTheWholeSnapshot() throws IOException {
    Snapshot s = archive(5, 1, files("000004.sst", random(1, 10_000), "CURRENT", "MANIFEST-000001\n".getBytes()), null);
    byte[] none = SnapshotArchive.held(SnapshotArchive.offer(s), null);
    assertArrayEquals(new byte[4], none);
    assertArrayEquals(s.bytes(), SnapshotArchive.delta(s, none), "the fallback is the full snapshot");
    byte[] logicalBase = SnapshotArchive.held(SnapshotArchive.offer(s), SnapshotFile.encode(3, 1, new KvStateMachine(1).snapshotState()));
    assertArrayEquals(new byte[4], logicalBase, "a logical snapshot holds no files");
    assertArrayEquals(s.bytes(), SnapshotArchive.delta(s, new byte[] {0, 0, 0, 1, 0, 0, 0, 9}), "an answer naming no file of the offer: all of it");
    assertNull(SnapshotArchive.offer(SnapshotFile.encode(3, 1, new KvStateMachine(1).snapshotState())), "logical snapshots are never offered");
  }

  @Test
  void corruptedDeltaIsRefusedByTheSnapshotsChecksum() throws IOException {
    byte[] a = random(1, 100_000);
    Snapshot base = archive(10, 2, files("000007.sst", a), null);
    Snapshot newer = archive(20, 2, files("000007.sst", a, "000010.sst", random(2, 5_000)), null);
    byte[] delta = SnapshotArchive.delta(newer, SnapshotArchive.held(SnapshotArchive.offer(newer), base));
    String[] problem = new String[1];
    for (int at : new int[] {delta.length - 100, delta.length - 5_000, 60}) {
      byte[] bad = delta.clone();
      bad[at] ^= 1;
      assertNull(SnapshotArchive.assemble(bad, base, problem), "flipped byte " + at);
    }
  }

  /** Three nodes with snapshots of {@code format}; node 1 leads and commits 10 entries with node 2 while node 3 hears nothing. */
  private static TestCluster leadingWithoutNodeThree(WalConfig.SnapshotPolicy.Format format) {
    TestCluster c = new TestCluster();
    for (int i = 1; i <= 3; i++) {
      RaftConfig cfg = TestCluster.config(i, 3, false);
      c.add(cfg.withWal(cfg.wal().withSnapshots(cfg.wal().snapshots().withFormat(format))), 0, List.of());
    }
    c.elect(1, m -> m.to() != 3 && m.from() != 3);
    writeWithoutNodeThree(c, 10);
    return c;
  }

  /** Node 1 commits {@code n} entries with node 2 while node 3 hears nothing. */
  private static void writeWithoutNodeThree(TestCluster c, int n) {
    for (int i = 0; i < n; i++) {
      c.get(1).propose(new byte[] {(byte) i});
      c.pump(m -> m.to() != 3 && m.from() != 3);
    }
  }

  /** Ticks the leader until node 3 has caught up with its commit index; the SNAPSHOT messages' data bytes sent to node 3. */
  private static long catchUp(TestCluster c, List<Message> seen) {
    long bytes = 0;
    long target = c.get(1).commitIndex();
    for (int t = 0; t < 100 && c.get(3).commitIndex() < target; t++) {
      c.get(1).tick();
      List<Message> round = new ArrayList<>();
      c.pumpRewriting(m -> {
        if (m.type() == Message.Type.SNAPSHOT || m.type() == Message.Type.SNAPSHOT_RESP) round.add(m);
        return m;
      });
      seen.addAll(round);
      for (Message m : round) if (m.type() == Message.Type.SNAPSHOT && !m.reject()) bytes += m.data().length;
    }
    assertEquals(target, c.get(3).commitIndex(), "node 3 caught up");
    return bytes;
  }

  @Test
  void laggingFollowerWithAnEarlierSnapshot_receivesOnlyTheNewFiles() throws IOException {
    TestCluster c = leadingWithoutNodeThree(WalConfig.SnapshotPolicy.Format.INCREMENTAL);
    RaftCore leader = c.get(1);
    byte[] big = random(7, 3 * RaftCore.SNAPSHOT_CHUNK_BYTES + 1_000);
    long s1 = leader.commitIndex();
    Snapshot first = archive(s1, leader.termAt(s1), files("000010.sst", big, "MANIFEST-000003", random(1, 500)), Membership.ofVoters(List.of(1, 2, 3)));
    leader.compact(first, 0);
    List<Message> seen = new ArrayList<>();
    long sentFirst = catchUp(c, seen);
    RaftCore f = c.get(3);
    assertArrayEquals(first.bytes(), f.snapshot().bytes());
    assertEquals(first.bytes().length, sentFirst, "holding nothing, node 3 got the whole snapshot");
    assertEquals(first.bytes().length, f.snapshotReceivedLastBytes());
    assertTrue(seen.stream().anyMatch(m -> m.type() == Message.Type.SNAPSHOT && m.reject()), "the archive was offered first");

    writeWithoutNodeThree(c, 10);
    long s2 = leader.commitIndex();
    byte[] fresh = random(8, 20_000);
    Snapshot second = archive(s2, leader.termAt(s2), files("000010.sst", big, "000014.sst", fresh, "MANIFEST-000003", random(2, 600)),
        Membership.ofVoters(List.of(1, 2, 3)));
    leader.compact(second, 0);
    long sentSecond = catchUp(c, new ArrayList<>());
    assertArrayEquals(second.bytes(), f.snapshot().bytes(), "node 3 holds exactly the leader's snapshot");
    assertEquals(2, f.snapshotsInstalled());
    assertTrue(sentSecond < fresh.length + 2_000, "only the new files went: " + sentSecond + " bytes of " + second.bytes().length);
    assertEquals(sentSecond, f.snapshotReceivedLastBytes());
    assertEquals(2, leader.snapshotsSent());
  }

  @Test
  void checkpointFormatSendsArchivesWhole() throws IOException {
    TestCluster c = leadingWithoutNodeThree(WalConfig.SnapshotPolicy.Format.CHECKPOINT);
    RaftCore leader = c.get(1);
    long s = leader.commitIndex();
    Snapshot snap = archive(s, leader.termAt(s), files("000010.sst", random(3, 100_000)), null);
    leader.compact(snap, 0);
    List<Message> seen = new ArrayList<>();
    assertEquals(snap.bytes().length, catchUp(c, seen));
    assertTrue(seen.stream().noneMatch(Message::reject), "no offer, no answer");
    assertArrayEquals(snap.bytes(), c.get(3).snapshot().bytes());
  }

  @Test
  void deltaThatNoLongerAssembles_isOfferedAgain() throws IOException {
    TestCluster c = leadingWithoutNodeThree(WalConfig.SnapshotPolicy.Format.INCREMENTAL);
    RaftCore leader = c.get(1);
    byte[] big = random(7, 200_000);
    long s1 = leader.commitIndex();
    leader.compact(archive(s1, leader.termAt(s1), files("000010.sst", big), null), 0);
    catchUp(c, new ArrayList<>());
    writeWithoutNodeThree(c, 10);
    long s2 = leader.commitIndex();
    Snapshot second = archive(s2, leader.termAt(s2), files("000010.sst", big, "000011.sst", random(9, 1_000)), null);
    leader.compact(second, 0);
    // the delta is corrupted on its way once: node 3 cannot assemble it and asks for a new offer
    boolean[] corrupted = {false};
    int[] offers = {0};
    for (int t = 0; t < 100 && c.get(3).commitIndex() < s2; t++) {
      leader.tick();
      c.pumpRewriting(m -> {
        if (m.type() != Message.Type.SNAPSHOT) return m;
        if (m.reject()) offers[0]++;
        if (!m.reject() && !corrupted[0] && SnapshotArchive.isDelta(m.data())) {
          corrupted[0] = true;
          byte[] d = m.data().clone();
          d[d.length - 1] ^= 1;
          java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
          crc.update(d);
          return new Message(m.type(), m.from(), m.to(), m.term(), m.logTerm(), m.index(), m.entries(), crc.getValue(), false, m.hint(), m.round(), d);
        }
        return m;
      });
    }
    assertTrue(corrupted[0]);
    assertTrue(offers[0] >= 2, "offered again: " + offers[0]);
    assertArrayEquals(second.bytes(), c.get(3).snapshot().bytes());
  }

  // ---- state machines on RocksDB

  private KvStateMachine rocksMachine(String name) {
    return new KvStateMachine(new RaftServer.RocksEngines(dir.resolve(name)), true, 100, false);
  }

  private static void load(KvStateMachine sm, int keys, int from) {
    long i = sm.appliedIndex();
    for (int k = 0; k < keys; k++) {
      sm.apply(++i, Stamp.wrap(1_000 + i, new Command(Command.Kind.WRITE, 1, from + k + 1, "key" + (k % 500), "value-" + (from + k) + "-" + "x".repeat(100), null).encode()));
    }
  }

  @Test
  void rocksMachineSnapshotsIntoAnArchive_thatRocksAndMemoryMachinesRestore() {
    try (KvStateMachine a = rocksMachine("a"); KvStateMachine b = rocksMachine("b"); KvStateMachine mem = new KvStateMachine(100)) {
      a.apply(1, Membership.ofVoters(List.of(1, 2)).encode());
      load(a, 3_000, 0);
      Snapshot s = a.snapshot(a.appliedIndex(), 4);
      assertTrue(SnapshotArchive.isArchive(s), "an archive");
      assertEquals(Membership.ofVoters(List.of(1, 2)), KvStateMachine.membershipIn(SnapshotFile.state(s)));
      assertTrue(Files.notExists(dir.resolve("a").resolve(RaftServer.CHECKPOINT_DIR)), "the checkpoint directory went after the snapshot");
      b.restore(SnapshotFile.state(s));
      mem.restore(SnapshotFile.state(s));
      assertEquals(a.appliedIndex(), b.appliedIndex());
      assertEquals(a.store().digest(), b.store().digest());
      assertEquals(a.store().digest(), mem.store().digest());
      assertEquals(a.contents(), mem.contents());
      // both go on applying alike
      load(a, 200, 3_000);
      load(b, 200, 3_000);
      assertEquals(a.store().digest(), b.store().digest());
    }
  }

  @Test
  void checkpointThatCannotBeWritten_failsTheSnapshotOnly_andTheMachineGoesOn() {
    Path home = dir.resolve("home");
    boolean[] broken = {true};
    KvStateMachine.Engines engines = new KvStateMachine.Engines() {
      final RaftServer.RocksEngines rocks = new RaftServer.RocksEngines(home);

      @Override
      public io.faultline.raft.mvcc.KvEngine fresh() { return rocks.fresh(); }

      @Override
      public Path checkpointScratch() { return broken[0] ? home.resolve("missing").resolve("checkpoint") : rocks.checkpointScratch(); }
    };
    try (KvStateMachine sm = new KvStateMachine(engines, true, 100, false)) {
      load(sm, 50, 0);
      java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
          () -> sm.snapshot(sm.appliedIndex(), 1));
      assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());
      load(sm, 50, 50);
      broken[0] = false;
      Snapshot s = sm.snapshot(sm.appliedIndex(), 1);
      assertTrue(SnapshotArchive.isArchive(s));
      try (KvStateMachine copy = new KvStateMachine(100)) {
        copy.restore(SnapshotFile.state(s));
        assertEquals(sm.store().digest(), copy.store().digest());
      }
    }
  }

  @Test
  void memoryMachineSnapshotsIntoRecordChunks_thatLaterSnapshotsMostlyShare() {
    try (KvStateMachine a = new KvStateMachine(io.faultline.raft.mvcc.MemoryEngine::new, true, 100, false);
        KvStateMachine b = new KvStateMachine(100)) {
      a.apply(1, Membership.ofVoters(List.of(1, 2, 3)).encode());
      load(a, 2_000, 0);
      Snapshot first = a.snapshot(a.appliedIndex(), 2);
      assertTrue(SnapshotArchive.isChunks(SnapshotFile.state(first)), "chunks of records");
      assertEquals(Membership.ofVoters(List.of(1, 2, 3)), KvStateMachine.membershipIn(SnapshotFile.state(first)));
      SnapshotArchive.Table t = SnapshotArchive.table(SnapshotFile.state(first), true);
      assertTrue(t.files().size() > 20, "many chunks: " + t.files().size());
      load(a, 20, 2_000);
      Snapshot second = a.snapshot(a.appliedIndex(), 2);
      byte[] delta = SnapshotArchive.delta(second, SnapshotArchive.held(SnapshotArchive.offer(second), first));
      assertTrue(delta.length < second.bytes().length / 2, "20 writes change few chunks: delta " + delta.length + " of " + second.bytes().length);
      String[] problem = new String[1];
      Snapshot assembled = SnapshotArchive.assemble(delta, first, problem);
      assertNotNull(assembled, problem[0]);
      b.restore(SnapshotFile.state(assembled));
      assertEquals(a.store().digest(), b.store().digest());
      assertEquals(a.contents(), b.contents());
    }
  }

  @Test
  void successiveCheckpointsShareFiles_soAFollowerOfTheSameLineageLacksFew() {
    try (KvStateMachine leader = rocksMachine("leader"); KvStateMachine follower = rocksMachine("follower")) {
      load(leader, 20_000, 0);
      Snapshot first = leader.snapshot(leader.appliedIndex(), 2);
      follower.restore(SnapshotFile.state(first));
      load(leader, 300, 20_000);
      Snapshot second = leader.snapshot(leader.appliedIndex(), 2);
      byte[] held = SnapshotArchive.held(SnapshotArchive.offer(second), first);
      assertTrue(ByteBuffer.wrap(held).getInt() > 0, "some files are shared");
      byte[] delta = SnapshotArchive.delta(second, held);
      assertTrue(delta.length < second.bytes().length / 2, "delta " + delta.length + " of " + second.bytes().length + " bytes");
      String[] problem = new String[1];
      Snapshot assembled = SnapshotArchive.assemble(delta, first, problem);
      assertNotNull(assembled, problem[0]);
      follower.restore(SnapshotFile.state(assembled));
      assertEquals(leader.store().digest(), follower.store().digest());
    }
  }
}
