package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RaftRepair} on data directories laid out by hand, as a node leaves them. */
class RaftRepairTest {
  static final int SEGMENT_BYTES = 8192;
  static final String SEG1 = Wal.segmentName(1, 1);
  static final String SEG2 = Wal.segmentName(2, 6);
  static final HardState HARD_STATE = new HardState(3, 2, 9);
  static final Instant NOW = Instant.parse("2024-01-02T03:04:05Z");

  static byte[] record(long term, long index) {
    byte[] data = new byte[20];
    java.util.Arrays.fill(data, (byte) (index * 7 + 1));
    return LogCodec.entry(new Entry(term, index, data));
  }

  /** A segment with entries {@code from..to} (and a commit record, when {@code commit > 0}), preallocated with zeros. */
  static byte[] segment(long seq, long from, long to, long commit) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_BYTES).put(Wal.header(seq, from));
    for (long i = from; i <= to; i++) b.put(record(1, i));
    if (commit > 0) b.put(LogCodec.commit(commit));
    return b.array();
  }

  /** A node's data directory: hard state, entries 1..5 in one segment and 6..10 (commit 9) in the next. */
  static Path node(Path root) throws IOException {
    Path dir = root.resolve("data");
    Files.createDirectories(dir);
    Files.write(dir.resolve(HardStateFile.NAME), HardStateFile.encode(HARD_STATE));
    Files.write(dir.resolve(SEG1), segment(1, 1, 5, 0));
    Files.write(dir.resolve(SEG2), segment(2, 6, 10, 9));
    return dir;
  }

  /** Offset of entry {@code index}'s record in the segment that starts at {@code from}. */
  static int offsetOf(long from, long index) {
    int pos = Wal.HEADER_BYTES;
    for (long i = from; i < index; i++) pos += record(1, i).length;
    return pos;
  }

  static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().equals(RaftRepair.LOCK_FILE)) m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  static void flip(Path file, int offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[offset] ^= (byte) 0xFF;
    Files.write(file, b);
  }

  static RaftRepair.FileReport report(RaftRepair.Inspection ins, String file) {
    return ins.files().stream().filter(f -> f.file().equals(file)).findFirst().orElseThrow();
  }

  @Test
  void healthyDirectory_isReportedFileByFile_andLeftAlone(@TempDir Path root) throws IOException {
    Path dir = node(root);
    Map<String, byte[]> before = contents(dir);
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.HEALTHY, ins.verdict());
    assertNull(ins.damage());
    assertEquals(HARD_STATE, ins.hardState());
    RaftRepair.FileReport s1 = report(ins, SEG1);
    assertEquals(RaftRepair.FileStatus.OK, s1.status());
    assertEquals(1, s1.firstIndex());
    assertEquals(5, s1.lastIndex());
    assertEquals(offsetOf(1, 6), s1.recordsEnd(), "records end after the fifth entry");
    RaftRepair.FileReport s2 = report(ins, SEG2);
    assertEquals(6, s2.firstIndex());
    assertEquals(10, s2.lastIndex());
    assertTrue(s2.detail().contains("commit 9"), s2.detail());
    assertTrue(report(ins, HardStateFile.NAME).detail().contains("term 3, vote n2"));
    RaftRepair.Result r = RaftRepair.repair(dir, true, NOW);
    assertEquals(RaftRepair.Outcome.HEALTHY, r.outcome());
    assertEquals(0, r.outcome().exitCode());
    assertTrue(r.actions().isEmpty());
    assertEquals(before.keySet(), contents(dir).keySet());
    for (String f : before.keySet()) assertArrayEquals(before.get(f), contents(dir).get(f), f);
  }

  @Test
  void tornTail_isTruncated_asTheNodeWouldAtStart(@TempDir Path root) throws IOException {
    Path dir = node(root);
    byte[] seg = Files.readAllBytes(dir.resolve(SEG2));
    int end = offsetOf(6, 11) + LogCodec.commit(9).length;
    byte[] half = java.util.Arrays.copyOf(record(1, 11), 20);
    System.arraycopy(half, 0, seg, end, half.length); // entry 11's write stopped after 20 bytes
    Files.write(dir.resolve(SEG2), seg);
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.TORN_TAIL, ins.verdict());
    assertEquals(SEG2, ins.tornTail().file());
    assertEquals(end, ins.tornTail().offset());
    assertEquals(RaftRepair.FileStatus.TORN_TAIL, report(ins, SEG2).status());
    assertEquals(end, report(ins, SEG2).offset());
    RaftRepair.Result r = RaftRepair.repair(dir, false, NOW);
    assertEquals(RaftRepair.Outcome.REPAIRED, r.outcome());
    assertEquals(0, r.outcome().exitCode());
    assertEquals(13, ins.tornTail().bytesDropped(), "the written prefix up to its last non-zero byte (the term's high bytes are zero)");
    assertEquals(List.of("zeroed 13 bytes of " + SEG2 + " at offset " + end), r.actions());
    byte[] after = Files.readAllBytes(dir.resolve(SEG2));
    for (int i = end; i < after.length; i++) assertEquals(0, after[i], "zero at " + i);
    assertArrayEquals(java.util.Arrays.copyOf(seg, end), java.util.Arrays.copyOf(after, end), "the records before the tail are kept");
    assertEquals(RaftRepair.Verdict.HEALTHY, RaftRepair.inspect(dir).verdict());
  }

  @Test
  void byteFlippedMidLog_isReportedByFileAndOffset_andNothingChangesWithoutRebuild(@TempDir Path root) throws IOException {
    Path dir = node(root);
    int third = offsetOf(1, 3);
    flip(dir.resolve(SEG1), third + 20); // inside entry 3's body
    Map<String, byte[]> before = contents(dir);
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.CORRUPT, ins.verdict());
    assertEquals(new RaftRepair.Damage(SEG1, third, "checksum mismatch"), ins.damage());
    RaftRepair.FileReport s1 = report(ins, SEG1);
    assertEquals(RaftRepair.FileStatus.CORRUPT, s1.status());
    assertEquals(third, s1.offset());
    assertEquals(2, s1.lastIndex(), "entries 1 and 2 check out before it");
    assertEquals(RaftRepair.FileStatus.OK, report(ins, SEG2).status(), "each file is judged on its own");
    String text = RaftRepair.describe(ins);
    assertTrue(text.contains(SEG1 + "  CORRUPT at offset " + third + ": checksum mismatch"), text);
    assertTrue(text.contains("faultline raft repair " + dir + " --rebuild"), text);
    RaftRepair.Result r = RaftRepair.repair(dir, false, NOW);
    assertEquals(RaftRepair.Outcome.CORRUPT, r.outcome());
    assertEquals(1, r.outcome().exitCode());
    Map<String, byte[]> after = contents(dir);
    assertEquals(before.keySet(), after.keySet());
    for (String f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), f + " untouched");
  }

  @Test
  void aDamagedLengthWordInAnOlderSegment_isCorrupt(@TempDir Path root) throws IOException {
    Path dir = node(root);
    flip(dir.resolve(SEG1), offsetOf(1, 2)); // entry 2's length word
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.CORRUPT, ins.verdict());
    assertEquals(SEG1, ins.damage().file());
    assertEquals(offsetOf(1, 2), ins.damage().offset());
    assertTrue(ins.damage().problem().contains("check word"), ins.damage().problem());
  }

  @Test
  void missingSegment_isCorrupt(@TempDir Path root) throws IOException {
    Path dir = node(root);
    Files.write(dir.resolve(Wal.segmentName(4, 20)), segment(4, 20, 21, 0));
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.CORRUPT, ins.verdict());
    assertEquals(Wal.segmentName(4, 20), ins.damage().file());
    assertTrue(ins.damage().problem().contains("one is missing"), ins.damage().problem());
  }

  @Test
  void rebuild_movesLogAndSnapshotsAside_keepsTheHardState_andWritesTheMarkerFirst(@TempDir Path root) throws IOException {
    Path dir = node(root);
    Files.write(dir.resolve(SnapshotFile.name(4)), SnapshotFile.encode(4, 1, new byte[] {1, 2, 3}).bytes());
    flip(dir.resolve(SEG2), offsetOf(6, 8) + 15);
    byte[] hardState = Files.readAllBytes(dir.resolve(HardStateFile.NAME));
    Map<String, byte[]> before = contents(dir);
    RaftRepair.Result r = RaftRepair.repair(dir, true, NOW);
    assertEquals(RaftRepair.Outcome.REBUILT, r.outcome());
    assertEquals(0, r.outcome().exitCode());
    Path discarded = dir.resolve("discarded-20240102T030405Z");
    assertEquals(discarded, r.discardedTo());
    for (String f : List.of(SEG1, SEG2, SnapshotFile.name(4))) {
      assertFalse(Files.exists(dir.resolve(f)), f + " moved");
      assertArrayEquals(before.get(f), Files.readAllBytes(discarded.resolve(f)), f + " kept as it was, as evidence");
    }
    assertArrayEquals(hardState, Files.readAllBytes(dir.resolve(HardStateFile.NAME)), "term and vote kept");
    String marker = Files.readString(dir.resolve(RaftRepair.REBUILDING_MARKER));
    assertTrue(marker.startsWith("rebuilding since 2024-01-02T03:04:05Z"), marker);
    assertTrue(marker.contains(SEG2), marker);
    assertTrue(RaftRepair.rebuilding(dir));
    assertTrue(r.actions().get(0).startsWith("wrote rebuilding"), r.actions().toString());
    RaftRepair.Inspection again = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.HEALTHY, again.verdict(), "the node starts on it, and catches up");
    assertNotNull(again.rebuilding());
    assertEquals(RaftRepair.Outcome.HEALTHY, RaftRepair.repair(dir, true, NOW).outcome(), "nothing left to rebuild");
    RaftRepair.finishRebuild(dir);
    assertFalse(RaftRepair.rebuilding(dir));
  }

  @Test
  void lostHardState_cannotBeRebuilt(@TempDir Path root) throws IOException {
    Path dir = node(root);
    flip(dir.resolve(HardStateFile.NAME), 10);
    Map<String, byte[]> before = contents(dir);
    RaftRepair.Result r = RaftRepair.repair(dir, true, NOW);
    assertEquals(RaftRepair.Outcome.UNREPAIRABLE, r.outcome());
    assertEquals(1, r.outcome().exitCode());
    assertEquals(new RaftRepair.Damage(HardStateFile.NAME, 0, "hard state checksum mismatch"), r.inspection().damage());
    assertEquals(before.keySet(), contents(dir).keySet(), "nothing moved");
    assertTrue(RaftRepair.describe(r).contains("no rebuild is safe"), RaftRepair.describe(r));
  }

  @Test
  void snapshots_onlyTheNewestCounts(@TempDir Path root) throws IOException {
    Path dir = node(root);
    byte[] older = SnapshotFile.encode(2, 1, new byte[] {9}).bytes();
    older[5] ^= 1;
    Files.write(dir.resolve(SnapshotFile.name(2)), older);
    Files.write(dir.resolve(SnapshotFile.name(4)), SnapshotFile.encode(4, 1, new byte[] {1}).bytes());
    RaftRepair.Inspection ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.HEALTHY, ins.verdict());
    assertEquals(RaftRepair.FileStatus.DAMAGED_UNUSED, report(ins, SnapshotFile.name(2)).status());
    assertEquals(RaftRepair.FileStatus.OK, report(ins, SnapshotFile.name(4)).status());
    flip(dir.resolve(SnapshotFile.name(4)), 30);
    ins = RaftRepair.inspect(dir);
    assertEquals(RaftRepair.Verdict.CORRUPT, ins.verdict());
    assertEquals(new RaftRepair.Damage(SnapshotFile.name(4), 0, "snapshot checksum mismatch"), ins.damage());
  }

  @Test
  void leftoversOfUnfinishedWrites_areDeleted_asAtStart(@TempDir Path root) throws IOException {
    Path dir = node(root);
    Files.write(dir.resolve(Wal.TEMP_SEGMENT), new byte[100]);
    Files.write(dir.resolve(HardStateFile.TEMP), new byte[32]);
    RaftRepair.Result r = RaftRepair.repair(dir, false, NOW);
    assertEquals(RaftRepair.Outcome.REPAIRED, r.outcome());
    assertEquals(List.of("deleted " + HardStateFile.TEMP, "deleted " + Wal.TEMP_SEGMENT), r.actions());
    assertFalse(Files.exists(dir.resolve(Wal.TEMP_SEGMENT)));
  }

  @Test
  void badDirectories_areRefusedWithWhatTheyAre(@TempDir Path root) throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RaftRepair.inspect(root.resolve("nope")));
    assertEquals("no such directory: " + root.resolve("nope"), e.getMessage());
    Path file = Files.writeString(root.resolve("f"), "x");
    e = assertThrows(IllegalArgumentException.class, () -> RaftRepair.repair(file, true));
    assertEquals("not a directory: " + file, e.getMessage());
    Path empty = Files.createDirectories(root.resolve("empty"));
    e = assertThrows(IllegalArgumentException.class, () -> RaftRepair.inspect(empty));
    assertTrue(e.getMessage().startsWith("not a node data directory: " + empty), e.getMessage());
    assertFalse(Files.exists(empty.resolve(RaftRepair.LOCK_FILE)), "no lock file left in a directory that is not a node's");
    Path nodeDir = root.resolve("n1");
    node(nodeDir);
    e = assertThrows(IllegalArgumentException.class, () -> RaftRepair.inspect(nodeDir));
    assertTrue(e.getMessage().endsWith(nodeDir.resolve("data") + " is one: give that"), e.getMessage());
  }

  @Test
  void aRunningNode_isNeverRepairedUnderIt(@TempDir Path root) throws IOException {
    Path dir = node(root);
    flip(dir.resolve(SEG1), offsetOf(1, 3) + 20);
    List<String> before = new ArrayList<>(contents(dir).keySet());
    FileLock held = RaftRepair.lock(dir);
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RaftRepair.repair(dir, true));
      assertTrue(e.getMessage().contains("a node is running on " + dir), e.getMessage());
    } finally {
      held.close();
    }
    assertEquals(before, new ArrayList<>(contents(dir).keySet()));
    assertEquals(RaftRepair.Outcome.REBUILT, RaftRepair.repair(dir, true).outcome(), "once it is stopped");
  }
}
