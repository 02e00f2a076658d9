package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Snapshots: the state's encoding, the file, WAL compaction and restart, and InstallSnapshot in the core. */
class SnapshotTest {
  private static KvStateMachine machineWithState() {
    KvStateMachine sm = new KvStateMachine(3);
    long i = 0;
    sm.apply(++i, new byte[0]);
    for (int k = 0; k < 6; k++) sm.apply(++i, new Command(Command.Kind.WRITE, k + 1, 1, "k" + k, k % 2 == 0 ? (Object) (long) k : "v" + k, null).encode());
    sm.apply(++i, new Command(Command.Kind.DELETE, 9, 1, "k1", null, null).encode());
    sm.apply(++i, new Command(Command.Kind.CAS, 9, 2, "k0", 42L, 0L).encode());
    return sm;
  }

  @Test
  void stateMachineRestoresFromItsSnapshot_andTheEncodingIsDeterministic() {
    KvStateMachine a = machineWithState();
    byte[] state = a.snapshotState();
    assertArrayEquals(state, machineWithState().snapshotState());
    KvStateMachine b = new KvStateMachine(3);
    b.restore(state);
    assertEquals(a.appliedIndex(), b.appliedIndex());
    assertEquals(a.contents(), b.contents());
    assertArrayEquals(state, b.snapshotState());
    // the session table came along: a retried command gets its first result, not a second apply
    KvStateMachine.Result retry = b.apply(b.appliedIndex() + 1, new Command(Command.Kind.CAS, 9, 2, "k0", 43L, 0L).encode());
    assertTrue(retry.ok());
    assertEquals(42L, b.read("k0"));
  }

  @Test
  void snapshotFileRefusesEveryFlippedBit() {
    Snapshot s = SnapshotFile.encode(9, 3, machineWithState().snapshotState());
    String[] problem = new String[1];
    assertEquals(s, SnapshotFile.decode(s.bytes(), problem));
    for (int bit = 0; bit < s.bytes().length * 8; bit++) {
      byte[] b = s.bytes().clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      assertNull(SnapshotFile.decode(b, problem), "bit " + bit);
    }
  }

  @Test
  void walDeletesSegmentsBelowTheSnapshot_andReplaysFromARestartRecord() {
    WalTest.Machine m = new WalTest.Machine(3, 0);
    Wal wal = m.open(WalTest.SMALL);
    WalTest.appendInTurn(wal, 60, 5);
    m.settle();
    int before = m.storage().list().size();
    int deleted = wal.compact(200);
    m.settle();
    assertTrue(deleted > 0, "segments deleted");
    assertEquals(before - deleted, m.storage().list().size());
    m.crashAndRestart();
    wal = m.open(WalTest.SMALL);
    assertTrue(wal.recoveredBase() > 0 && wal.recoveredBase() <= 200, "base " + wal.recoveredBase());
    assertEquals(300, wal.recoveredBase() + wal.recoveredEntries().size());
    boolean[] durable = {false};
    wal.append(new Snapshot(350, 2, new byte[1]), WalTest.entries(2, 351, 353), 351, true, () -> durable[0] = true);
    m.settle();
    assertTrue(durable[0]);
    m.crashAndRestart();
    wal = m.open(WalTest.SMALL);
    assertEquals(350, wal.recoveredBase());
    assertEquals(WalTest.entries(2, 351, 353), wal.recoveredEntries());
    assertEquals(351, wal.recoveredCommit());
  }

  @Test
  void aNodeWithSnapshotsComesBackWithItsStateAfterACrashAtAnyMoment() {
    WalConfig wal = WalNodeTest.SMALL.withSnapshots(new WalConfig.SnapshotPolicy(20, 0, 0, 0));
    long deleted = 0;
    long taken = 0;
    long appliedMax = 0;
    for (long crashUs = 505_000; crashUs <= 700_000; crashUs += 1_700) {
      WalNodeTest.Single s = new WalNodeTest.Single(wal);
      s.runMs(500);
      long[] before = new long[2];
      s.world.at(crashUs * 1000, () -> {
        RaftNode n = s.node();
        before[0] = n.stateMachine().appliedIndex();
        Object v = n.stateMachine().read("1");
        before[1] = v == null ? 0 : (Long) v;
        s.world.crash("n1");
      });
      for (int i = 1; i <= 250 && s.world.isUp("n1"); i++) {
        s.node().core().propose(WalNodeTest.write(i));
        s.runMs(1);
      }
      s.runMs(300);
      appliedMax = Math.max(appliedMax, before[0]);
      taken += s.node().snapshotsTaken();
      deleted += s.node().walSegmentsDeleted();
      s.world.restart("n1");
      s.runMs(300);
      RaftNode n = s.node();
      assertNotNull(n.core(), "crash at " + crashUs + " us: " + n.quarantine());
      assertTrue(n.stateMachine().appliedIndex() >= before[0], "crash at " + crashUs + " us: applied " + n.stateMachine().appliedIndex()
          + " < " + before[0]);
      Object v = n.stateMachine().read("1");
      assertTrue((v == null ? 0 : (Long) v) >= before[1], "crash at " + crashUs + " us: value " + v + " < " + before[1]);
    }
    assertTrue(taken > 0 && deleted > 0, "snapshots " + taken + ", segments deleted " + deleted);
    assertTrue(appliedMax > 150, "crashes came late enough to follow snapshots: " + appliedMax);
  }

  @Test
  void afterRotationPolicyKeepsTheWalWithinAboutOneSegment() {
    WalNodeTest.Single s = new WalNodeTest.Single(WalNodeTest.SMALL.withSnapshots(new WalConfig.SnapshotPolicy(0, 0, 0, 0, true)));
    s.runMs(500);
    long walBytesMax = 0;
    for (int i = 1; i <= 400; i++) {
      s.node().core().propose(WalNodeTest.write(i));
      s.runMs(2);
      walBytesMax = Math.max(walBytesMax, s.node().walBytes());
    }
    s.runMs(100);
    assertTrue(s.node().snapshotsTaken() >= 3, "snapshots " + s.node().snapshotsTaken());
    assertTrue(s.node().walSegmentsDeleted() >= 3, "segments deleted " + s.node().walSegmentsDeleted());
    assertTrue(walBytesMax <= 3 * 4096, "WAL at most " + walBytesMax + " bytes with 4 KiB segments");
    long applied = s.node().stateMachine().appliedIndex();
    s.crashAndRestart();
    assertEquals(applied, s.node().core().commitIndex(), "commit index back from the WAL");
    s.runMs(100);
    assertTrue(s.node().stateMachine().appliedIndex() >= applied);
    assertEquals(400L, s.node().stateMachine().read("1"));
  }

  private static TestCluster cluster() {
    TestCluster c = new TestCluster();
    for (int i = 1; i <= 3; i++) c.add(TestCluster.config(i, 3, false), 0, List.of());
    return c;
  }

  /** Node 1 leads and commits 10 entries with node 2 while node 3 hears nothing: node 3 lags by all of them. */
  private static void leadWithoutNodeThree(TestCluster c) {
    c.elect(1, m -> m.to() != 3 && m.from() != 3);
    for (int i = 0; i < 10; i++) {
      c.get(1).propose(new byte[] {(byte) i});
      c.pump(m -> m.to() != 3 && m.from() != 3);
    }
  }

  @Test
  void laggingFollowerGetsTheSnapshotInChunks_resumingAfterALostChunk() {
    TestCluster c = cluster();
    leadWithoutNodeThree(c);
    RaftCore leader = c.get(1);
    long s = leader.commitIndex();
    assertEquals(11, s);
    byte[] state = new byte[3 * RaftCore.SNAPSHOT_CHUNK_BYTES + 3_000];
    new Random(1).nextBytes(state);
    Snapshot snap = SnapshotFile.encode(s, leader.termAt(s), state);
    leader.compact(snap, 0);
    assertEquals(s, leader.logBase());
    List<Long> offsets = new ArrayList<>();
    boolean[] droppedOne = {false};
    for (int t = 0; t < 50 && c.get(3).commitIndex() < s; t++) {
      leader.tick();
      c.pumpRewriting(m -> {
        if (m.type() == Message.Type.SNAPSHOT) {
          offsets.add(m.hint());
          if (m.hint() == RaftCore.SNAPSHOT_CHUNK_BYTES && !droppedOne[0]) {
            droppedOne[0] = true;
            return null;
          }
        }
        return m;
      });
    }
    RaftCore f = c.get(3);
    assertTrue(droppedOne[0]);
    assertEquals(s, f.commitIndex());
    assertEquals(s, f.logBase());
    assertEquals(1, f.snapshotsInstalled());
    assertNotNull(f.snapshot());
    assertArrayEquals(snap.bytes(), f.snapshot().bytes());
    assertEquals(1, leader.snapshotsSent());
    assertTrue(leader.catchUpTicksLast() >= 1, "catch-up took the lost chunk's heartbeat: " + leader.catchUpTicksLast());
    assertEquals(0, offsets.get(0));
    assertTrue(offsets.stream().filter(o -> o == RaftCore.SNAPSHOT_CHUNK_BYTES).count() >= 2, "lost chunk sent again: " + offsets);
    leader.propose(new byte[] {99});
    c.pump();
    leader.tick();
    c.pump();
    assertEquals(leader.lastIndex(), f.lastIndex());
    assertEquals(leader.commitIndex(), f.commitIndex());
  }

  @Test
  void chunksSentAgainOnHeartbeats_doNotStartChainsOfTheirOwn() {
    TestCluster c = cluster();
    leadWithoutNodeThree(c);
    RaftCore leader = c.get(1);
    long s = leader.commitIndex();
    leader.compact(SnapshotFile.encode(s, leader.termAt(s), new byte[9 * RaftCore.SNAPSHOT_CHUNK_BYTES + 10_000]), 0);
    List<Message> held = new ArrayList<>();
    for (int t = 0; t < 10; t++) {
      leader.tick();
      c.pumpRewriting(m -> {
        if (m.type() != Message.Type.SNAPSHOT) return m;
        held.add(m);
        return null;
      });
    }
    assertTrue(held.size() >= 3, "the first chunk went again on heartbeat responses: " + held.size());
    for (Message m : held) c.get(3).step(m);
    java.util.Map<Long, Integer> sends = new java.util.TreeMap<>();
    for (int t = 0; t < 50 && c.get(3).commitIndex() < s; t++) {
      c.pumpRewriting(m -> {
        if (m.type() == Message.Type.SNAPSHOT) sends.merge(m.hint(), 1, Integer::sum);
        return m;
      });
      leader.tick();
    }
    assertEquals(s, c.get(3).commitIndex());
    assertTrue(sends.size() >= 9, "the whole snapshot went: " + sends);
    assertTrue(sends.values().stream().allMatch(n -> n <= 2), "each chunk once, or twice with a heartbeat: " + sends);
  }

  @Test
  void transferUnderWayKeepsItsSnapshot_whenTheLeaderTakesANewerOne() {
    TestCluster c = cluster();
    leadWithoutNodeThree(c);
    RaftCore leader = c.get(1);
    long a = leader.commitIndex();
    leader.compact(SnapshotFile.encode(a, leader.termAt(a), new byte[4 * RaftCore.SNAPSHOT_CHUNK_BYTES + 30_000]), 0);
    List<long[]> sent = new ArrayList<>(); // {snapshot index, offset}
    java.util.function.UnaryOperator<Message> record = m -> {
      if (m.type() == Message.Type.SNAPSHOT) sent.add(new long[] {m.index(), m.hint()});
      return m;
    };
    leader.tick();
    c.pumpRewriting(record);
    assertTrue(sent.size() >= 2, "the transfer of " + a + " is under way");
    // a newer snapshot while chunks of the first are still travelling to node 3
    for (int i = 0; i < 5; i++) {
      leader.propose(new byte[] {(byte) (20 + i)});
      c.pump(m -> m.to() != 3 && m.from() != 3);
    }
    long b = leader.commitIndex();
    leader.compact(SnapshotFile.encode(b, leader.termAt(b), new byte[RaftCore.SNAPSHOT_CHUNK_BYTES + 35_000]), 0);
    for (int t = 0; t < 50 && c.get(3).commitIndex() < b; t++) {
      leader.tick();
      c.pumpRewriting(record);
    }
    RaftCore f = c.get(3);
    assertEquals(b, f.commitIndex());
    assertEquals(2, f.snapshotsInstalled(), "the first transfer finished, then the newer snapshot went");
    long lastOffsetOfA = -1;
    for (long[] chunk : sent) {
      if (chunk[0] != a) continue;
      assertTrue(chunk[1] > lastOffsetOfA, "the first snapshot's transfer never started over: offset " + chunk[1] + " after " + lastOffsetOfA);
      lastOffsetOfA = chunk[1];
    }
    assertEquals(SnapshotFile.encode(a, 1, new byte[4 * RaftCore.SNAPSHOT_CHUNK_BYTES + 30_000]).bytes().length / RaftCore.SNAPSHOT_CHUNK_BYTES * RaftCore.SNAPSHOT_CHUNK_BYTES,
        lastOffsetOfA, "all of it went");
  }

  @Test
  void snapshotEncodedStraightFromTheMachineEqualsTheCopiedState_andItsConfigurationIsFoundWithoutRestoring() {
    KvStateMachine sm = machineWithState();
    sm.apply(sm.appliedIndex() + 1, Membership.ofVoters(List.of(1, 2, 3)).encode());
    Snapshot direct = SnapshotFile.encode(12, 2, sm);
    assertEquals(SnapshotFile.encode(12, 2, sm.snapshotState()), direct);
    assertEquals(Membership.ofVoters(List.of(1, 2, 3)), KvStateMachine.membershipIn(SnapshotFile.state(direct)));
    KvStateMachine b = new KvStateMachine(3);
    b.restore(SnapshotFile.state(direct));
    assertEquals(sm.contents(), b.contents());
    assertNull(KvStateMachine.membershipIn(SnapshotFile.state(SnapshotFile.encode(9, 1, machineWithState()))), "none applied, none found");
  }

  @Test
  void leaderKeepsEntriesForALaggardWithinTheBound_andSendsTheSnapshotBeyondIt() {
    for (long retain : new long[] {20, 5}) {
      TestCluster c = cluster();
      leadWithoutNodeThree(c);
      RaftCore leader = c.get(1);
      long s = leader.commitIndex();
      leader.compact(SnapshotFile.encode(s, leader.termAt(s), new byte[8]), retain);
      List<Message.Type> toLaggard = new ArrayList<>();
      for (int t = 0; t < 20; t++) {
        leader.tick();
        c.pumpRewriting(m -> {
          if (m.to() == 3) toLaggard.add(m.type());
          return m;
        });
      }
      assertEquals(leader.commitIndex(), c.get(3).commitIndex(), "retain " + retain);
      assertEquals(retain == 5, toLaggard.contains(Message.Type.SNAPSHOT), "retain " + retain + ": " + toLaggard);
      assertEquals(retain == 5 ? s : 0, leader.logBase(), "retain " + retain);
    }
  }

  @Test
  void snapshotAtOrBelowTheCommitIndexIsAcknowledgedNotInstalled() {
    TestCluster c = cluster();
    c.elect(1, m -> true);
    c.get(1).propose(new byte[] {1});
    c.pump();
    RaftCore f = c.get(2);
    Snapshot snap = SnapshotFile.encode(1, 1, new byte[16]);
    f.step(new Message(Message.Type.SNAPSHOT, 1, 2, f.term(), 1, 1, List.of(), 0, false, 0, snap.bytes().length, snap.bytes()));
    Ready rd = f.ready();
    assertNull(rd.snapshot());
    assertEquals(0, f.logBase());
    assertEquals(Message.Type.SNAPSHOT_RESP, rd.messages().get(0).type());
    assertEquals(snap.bytes().length, rd.messages().get(0).hint());
  }

  private static Message chunk(RaftCore f, Snapshot s, int offset) {
    byte[] all = s.bytes();
    byte[] data = java.util.Arrays.copyOfRange(all, offset, Math.min(all.length, offset + RaftCore.SNAPSHOT_CHUNK_BYTES));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(data);
    return new Message(Message.Type.SNAPSHOT, 1, 2, f.term(), s.term(), s.index(), List.of(), crc.getValue(), false, offset, all.length, data);
  }

  @Test
  void secondSnapshotRestartsTheTransfer_andOneBeyondTheLogEndReplacesTheLog() {
    TestCluster c = cluster();
    c.elect(1, m -> true);
    RaftCore f = c.get(2);
    long term = f.term();
    Snapshot a = SnapshotFile.encode(40, term, new byte[RaftCore.SNAPSHOT_CHUNK_BYTES + 35_000]);
    Snapshot b = SnapshotFile.encode(50, term, new byte[RaftCore.SNAPSHOT_CHUNK_BYTES + 25_000]);
    f.step(chunk(f, a, 0));
    assertEquals(RaftCore.SNAPSHOT_CHUNK_BYTES, f.ready().messages().get(0).hint());
    f.step(chunk(f, b, RaftCore.SNAPSHOT_CHUNK_BYTES)); // mid-way into a snapshot it never started: start over
    assertEquals(0, f.ready().messages().get(0).hint());
    f.step(chunk(f, b, 0));
    Message bad = chunk(f, b, RaftCore.SNAPSHOT_CHUNK_BYTES);
    f.step(new Message(bad.type(), 1, 2, bad.term(), bad.logTerm(), bad.index(), List.of(), bad.commit() ^ 1, false, bad.hint(),
        bad.round(), bad.data()));
    assertEquals(RaftCore.SNAPSHOT_CHUNK_BYTES, f.ready().messages().get(0).hint(), "a chunk failing its checksum is asked for again");
    f.step(chunk(f, b, RaftCore.SNAPSHOT_CHUNK_BYTES));
    Ready rd = f.ready();
    assertEquals(b, rd.snapshot());
    assertEquals(b.bytes().length, rd.messages().get(0).hint());
    assertEquals(50, f.logBase());
    assertEquals(50, f.lastIndex());
    assertEquals(50, f.commitIndex());
    assertTrue(rd.entries().isEmpty(), "the log beyond which the snapshot lay is gone");
    f.step(chunk(f, a, 0)); // the older one arriving late is only acknowledged
    rd = f.ready();
    assertNull(rd.snapshot());
    assertEquals(a.bytes().length, rd.messages().get(0).hint());
  }

  @Test
  void wireCodecCarriesSnapshotChunks() {
    WireCodec codec = new WireCodec();
    Message m = new Message(Message.Type.SNAPSHOT, 1, 2, 3, 4, 5, List.of(), 6, false, 7, 8, new byte[] {1, 2, 3});
    assertEquals(m, codec.decode(codec.encode(m)));
  }
}
