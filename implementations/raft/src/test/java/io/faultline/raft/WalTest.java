package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.runtime.Env;
import io.faultline.runtime.SimWorld;
import io.faultline.runtime.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WAL on the simulated disk, whose crashes keep exactly what the Storage contract promises. */
class WalTest {
  static final SimWorld.NetworkConfig QUIET = new SimWorld.NetworkConfig(0, 0, 1_000, 1_000, 0, 1_000);
  static final SimWorld.ClockConfig CLOCK = new SimWorld.ClockConfig(1.0, 0);
  /** Small segments, so a few dozen entries rotate several times. */
  static final WalConfig SMALL = new WalConfig(WalConfig.SyncPolicy.SAFE, 10, 4096, 4096);

  /** One simulated machine whose disk keeps a random prefix of unsynced writes on a crash ({@code torn} of the time). */
  static final class Machine {
    final SimWorld<String> world;
    final List<Env<String>> boots = new ArrayList<>();
    final List<String> reports = new ArrayList<>();

    Machine(long seed, double torn) {
      world = new SimWorld<>(seed, QUIET);
      world.addNode("n", CLOCK, new SimWorld.DiskConfig(10_000, 200_000, 0, 0, torn), boots::add);
    }

    Env<String> env() { return boots.get(boots.size() - 1); }

    Storage storage() { return env().storage(); }

    Wal open(WalConfig cfg) { return Wal.open(storage(), env().timers(), cfg, reports::add); }

    void settle() {
      while (world.step()) { }
    }

    /** Runs events up to {@code ns} of virtual time from now (for a log whose interval timer never stops). */
    void runFor(long ns) {
      long until = world.nowNs() + ns;
      while (world.nextEventNs() <= until && world.step()) { }
    }

    /** Puts a file on the disk durably, as an earlier incarnation would have left it. */
    void plant(String name, byte[] bytes) {
      storage().write(name, 0, bytes);
      storage().fsync(name, () -> { });
      storage().fsyncDirectory(() -> { });
      settle();
    }

    void crashAndRestart() {
      world.crash("n");
      world.restart("n");
    }
  }

  static Entry entry(long term, long index) {
    byte[] data = new byte[(int) (index % 7) * 5];
    Arrays.fill(data, (byte) index);
    return new Entry(term, index, data);
  }

  static List<Entry> entries(long term, long from, long to) {
    List<Entry> l = new ArrayList<>();
    for (long i = from; i <= to; i++) l.add(entry(term, i));
    return l;
  }

  /** Appends {@code batches} batches of {@code perBatch} entries, each after the one before is durable; returns how many were acknowledged. */
  static long[] appendInTurn(Wal wal, int batches, int perBatch) {
    long[] acked = {0};
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long from = acked[0] + 1;
      if (from > (long) batches * perBatch) return;
      long to = from + perBatch - 1;
      wal.append(entries(1, from, to), from - 1, true, () -> {
        acked[0] = to;
        next[0].run();
      });
    };
    next[0].run();
    return acked;
  }

  @Test
  void entriesAndCommitSurviveARestart_andALaterEntrySupersedes() {
    Machine m = new Machine(1, 0);
    Wal wal = m.open(SMALL);
    boolean[] durable = {false};
    wal.append(entries(1, 1, 3), -1, true, () -> { });
    wal.append(List.of(entry(2, 2)), 1, true, () -> durable[0] = true);
    m.settle();
    assertTrue(durable[0]);
    m.crashAndRestart();
    Wal again = m.open(SMALL);
    assertEquals(List.of(entry(1, 1), entry(2, 2)), again.recoveredEntries());
    assertEquals(1, again.recoveredCommit());
    assertNull(again.tornTail());
    assertTrue(m.reports.isEmpty());
  }

  @Test
  void segmentsRotateAtTheirBound_andReplayInOrder() {
    Machine m = new Machine(2, 0);
    Wal wal = m.open(SMALL);
    long[] acked = appendInTurn(wal, 60, 4);
    m.settle();
    assertEquals(240, acked[0]);
    List<String> segments = m.storage().list().stream().filter(n -> Wal.SEGMENT.matcher(n).matches()).toList();
    assertTrue(segments.size() >= 3, "rotated: " + segments);
    assertEquals(Wal.segmentName(1, 1), segments.get(0));
    assertEquals(segments.get(segments.size() - 1), Wal.newestSegmentName(m.storage().list()));
    for (String s : segments) assertTrue(m.storage().size(s) >= 4096, s + " preallocated");
    long sum = 0;
    for (String s : segments) sum += m.storage().size(s);
    assertEquals(sum, wal.bytes());
    m.crashAndRestart();
    Wal again = m.open(SMALL);
    assertEquals(entries(1, 1, 240), again.recoveredEntries());
    assertEquals(sum, again.bytes());
  }

  /** A segment with two synced batches; returns the machine, the segment and the offset of the last record. */
  private static Object[] twoBatches() {
    Machine m = new Machine(3, 0);
    Wal wal = m.open(SMALL);
    wal.append(entries(1, 1, 2), -1, true, () -> { });
    wal.append(List.of(entry(1, 3)), -1, true, () -> { });
    m.settle();
    String seg = Wal.newestSegmentName(m.storage().list());
    byte[] buf = m.storage().read(seg);
    int end = LogCodec.dataEnd(buf, 0, buf.length);
    int last = end - LogCodec.size(entry(1, 3));
    return new Object[] {m, seg, last, end, buf};
  }

  @Test
  void tornTailsOfEveryLengthAreTruncated_reported_andAppendedOver() {
    Object[] t = twoBatches();
    String seg = (String) t[1];
    int last = (int) t[2];
    int end = (int) t[3];
    byte[] whole = (byte[]) t[4];
    for (int kept = 1; kept < end - last; kept++) {
      for (boolean cutFile : new boolean[] {false, true}) {
        Machine m = new Machine(4, 0);
        byte[] torn = cutFile ? Arrays.copyOf(whole, last + kept) : whole.clone();
        if (!cutFile) Arrays.fill(torn, last + kept, torn.length, (byte) 0);
        m.plant(seg, torn);
        String what = "kept " + kept + (cutFile ? " of a cut file" : " of a zeroed tail");
        Wal wal = m.open(SMALL);
        assertEquals(entries(1, 1, 2), wal.recoveredEntries(), what);
        int nonZero = LogCodec.dataEnd(torn, last, torn.length) - last;
        if (nonZero == 0) {
          assertNull(wal.tornTail(), what);
          continue;
        }
        assertEquals(new Wal.TornTail(seg, last, nonZero), wal.tornTail(), what);
        assertEquals(1, wal.tornTailsTruncated());
        assertTrue(m.reports.get(0).contains(seg + " at offset " + last + ": " + nonZero + " bytes dropped"), m.reports.get(0));
        boolean[] durable = {false};
        wal.append(List.of(entry(2, 3)), 3, true, () -> durable[0] = true);
        m.settle();
        assertTrue(durable[0]);
        m.crashAndRestart();
        Wal again = m.open(SMALL);
        assertEquals(List.of(entry(1, 1), entry(1, 2), entry(2, 3)), again.recoveredEntries(), what);
        assertNull(again.tornTail(), what);
      }
    }
  }

  @Test
  void aFlippedBitBeforeTheTailIsRefused_namingFileAndOffset() {
    Object[] t = twoBatches();
    String seg = (String) t[1];
    int end = (int) t[3];
    byte[] whole = (byte[]) t[4];
    List<Integer> starts = new ArrayList<>();
    for (int pos = Wal.HEADER_BYTES; pos < end; ) {
      starts.add(pos);
      pos = LogCodec.read(whole, whole.length, pos, end, true).next();
    }
    for (int bit = 0; bit < 8 * end; bit++) {
      Machine m = new Machine(5, 0);
      byte[] flipped = whole.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      m.plant(seg, flipped);
      WalCorruptException e = assertThrows(WalCorruptException.class, () -> m.open(SMALL), "bit " + bit);
      int at = 0;
      for (int s : starts) if (s <= bit / 8) at = s;
      assertEquals(seg, e.file());
      assertEquals(at, e.offset(), "bit " + bit);
      assertTrue(e.getMessage().contains(seg + " at offset " + at), e.getMessage());
    }
  }

  @Test
  void aMissingSegmentIsRefused() {
    Machine m = new Machine(6, 0);
    Wal wal = m.open(SMALL);
    appendInTurn(wal, 60, 4);
    m.settle();
    List<String> segments = m.storage().list().stream().filter(n -> Wal.SEGMENT.matcher(n).matches()).toList();
    m.storage().delete(segments.get(1));
    WalCorruptException e = assertThrows(WalCorruptException.class, () -> m.open(SMALL));
    assertEquals(segments.get(2), e.file());
  }

  /**
   * The etcd robustness failpoints, exhaustively: a crash after every event of a run that appends
   * batch after batch across several rotations — after a temp segment is written, after it is synced,
   * after its rename, before and after the directory fsync, in the middle of a batch — with the disk
   * keeping a random prefix of what was not synced. Every acknowledged entry must come back, in order.
   */
  @Test
  void aCrashAtAnyPointLosesNoAcknowledgedWrite_aroundRotation() {
    Machine probe = new Machine(7, 1.0);
    appendInTurn(probe.open(SMALL), 40, 3);
    probe.settle();
    long events = probe.world.eventCount();
    int withTemp = 0;
    int renamedNotSynced = 0;
    int torn = 0;
    for (long seed = 1; seed <= 3; seed++) {
      for (long crashAt = 1; crashAt <= events; crashAt++) {
        Machine m = new Machine(seed * 1000 + crashAt, 1.0);
        long[] acked = appendInTurn(m.open(SMALL), 40, 3);
        while (m.world.eventCount() < crashAt && m.world.step()) { }
        if (m.storage().size(Wal.TEMP_SEGMENT) >= 0) withTemp++;
        List<String> before = m.storage().list();
        m.crashAndRestart();
        if (!m.storage().list().containsAll(before.stream().filter(n -> Wal.SEGMENT.matcher(n).matches()).toList())) renamedNotSynced++;
        Wal wal = m.open(SMALL);
        if (wal.tornTail() != null) torn++;
        List<Entry> got = wal.recoveredEntries();
        String at = "seed " + seed + " crash after event " + crashAt + " of " + events;
        assertTrue(got.size() >= acked[0], at + ": acknowledged " + acked[0] + ", recovered " + got.size());
        assertEquals(entries(1, 1, got.size()), got, at);
        // and the log goes on from there
        boolean[] durable = {false};
        wal.append(List.of(entry(2, got.size() + 1)), -1, true, () -> durable[0] = true);
        m.settle();
        assertTrue(durable[0], at);
      }
    }
    assertTrue(withTemp > 0, "crashed while a temp segment existed");
    assertTrue(renamedNotSynced > 0, "crashed after a rename before its directory fsync");
    assertTrue(torn > 0, "crashed with a torn tail");
  }

  /**
   * The same for the hard state: a crash after any event of a run of term and vote changes, each
   * acted on only once durable, leaves the last acknowledged one or a newer one — never an older one,
   * never a damaged file.
   */
  @Test
  void aCrashAtAnyPointKeepsTheLastAcknowledgedHardState() {
    int changes = 12;
    Machine probe = new Machine(8, 1.0);
    long[] ackedProbe = writeHardStates(probe, changes);
    probe.settle();
    assertEquals(changes, ackedProbe[0]);
    long events = probe.world.eventCount();
    int mid = 0;
    for (long crashAt = 1; crashAt <= events; crashAt++) {
      Machine m = new Machine(9000 + crashAt, 1.0);
      long[] acked = writeHardStates(m, changes);
      while (m.world.eventCount() < crashAt && m.world.step()) { }
      if (m.storage().size(HardStateFile.TEMP) >= 0) mid++;
      m.crashAndRestart();
      HardState hs = HardStateFile.load(m.storage());
      assertTrue(hs.term() >= acked[0], "crash after event " + crashAt + ": acknowledged term " + acked[0] + ", recovered " + hs);
      if (hs.term() > 0) assertEquals(new HardState(hs.term(), (int) hs.term() % 3 + 1, hs.term() - 1), hs);
      assertEquals(-1, m.storage().size(HardStateFile.TEMP), "an unfinished replacement is cleared");
    }
    assertTrue(mid > 0, "crashed with a temp hard state");
  }

  private static long[] writeHardStates(Machine m, int changes) {
    long[] acked = {0};
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long term = acked[0] + 1;
      if (term > changes) return;
      HardStateFile.write(m.storage(), new HardState(term, (int) term % 3 + 1, term - 1), () -> {
        acked[0] = term;
        next[0].run();
      });
    };
    next[0].run();
    return acked;
  }

  @Test
  void everyWriteSyncsEachRecord_intervalAcknowledgesAtOnceAndSyncsOnATimer() {
    Machine m = new Machine(10, 0);
    Wal each = m.open(SMALL.withSync(WalConfig.SyncPolicy.EVERY_WRITE));
    boolean[] durable = {false, false};
    each.append(entries(1, 1, 5), 2, true, () -> durable[0] = true);
    each.append(entries(1, 6, 7), 5, true, () -> durable[1] = durable[0]); // waits for the first chain
    m.settle();
    assertTrue(durable[1]);
    m.crashAndRestart();
    assertEquals(entries(1, 1, 7), m.open(SMALL).recoveredEntries());

    Machine i = new Machine(11, 0);
    Wal interval = i.open(SMALL.withSync(WalConfig.SyncPolicy.INTERVAL));
    assertTrue(interval.acknowledgesBeforeSync());
    interval.append(entries(1, 1, 3), -1, true, null);
    while (i.storage().size(Wal.TEMP_SEGMENT) >= 0 || Wal.newestSegmentName(i.storage().list()) == null) i.world.step();
    // the first segment is in place and the batch written, the timer's first fsync not yet run
    i.crashAndRestart();
    assertTrue(i.open(SMALL).recoveredEntries().size() < 3, "acknowledged, never synced, lost: the policy is unsafe");

    Machine j = new Machine(12, 0);
    Wal synced = j.open(SMALL.withSync(WalConfig.SyncPolicy.INTERVAL));
    synced.append(entries(1, 1, 3), -1, true, null);
    j.runFor(50_000_000L);
    j.crashAndRestart();
    assertEquals(entries(1, 1, 3), j.open(SMALL).recoveredEntries(), "synced by the timer");
  }

  @Test
  void aDamagedHeaderOfAnEmptyNewestSegmentIsATornCreation_withRecordsItIsCorruption() {
    Machine m = new Machine(13, 0);
    Wal wal = m.open(SMALL);
    wal.append(entries(1, 1, 2), -1, true, () -> { });
    m.settle();
    String seg = Wal.newestSegmentName(m.storage().list());
    m.storage().write(seg, 3, new byte[] {0x55});
    assertThrows(WalCorruptException.class, () -> m.open(SMALL));

    Machine e = new Machine(14, 0);
    e.plant(Wal.segmentName(1, 1), Arrays.copyOf(Wal.header(1, 1), 20));
    Wal empty = e.open(SMALL);
    assertNotNull(empty.tornTail());
    assertTrue(empty.recoveredEntries().isEmpty());
    assertFalse(e.storage().list().contains(Wal.segmentName(1, 1)));
  }
}
