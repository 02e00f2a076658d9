package io.faultline.raft.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.Command;
import io.faultline.raft.KvStateMachine;
import io.faultline.raft.Membership;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MvccStoreTest {
  @TempDir Path dir;
  private KvEngine engine;
  private MvccStore store;

  private MvccStore open(EngineType type, int sessionsMax, boolean skipConflictCheck) {
    engine = type.open(dir);
    store = new MvccStore(engine, sessionsMax, skipConflictCheck);
    return store;
  }

  @AfterEach
  void close() {
    if (engine != null) engine.close();
  }

  /** Applies at the next index, stamped 100 ms per index. */
  private TxnResult txn(long client, long seq, Txn t) {
    long i = store.appliedIndex() + 1;
    return store.apply(i, 100 * i, new TxnEntry(client, seq, t));
  }

  private TxnResult txn(Txn t) { return txn(0, 0, t); }

  private KvStateMachine.Result cmd(Command c) {
    long i = store.appliedIndex() + 1;
    return store.apply(i, 100 * i, c);
  }

  private static Command write(String key, Object value) { return new Command(Command.Kind.WRITE, 0, 0, key, value, null); }

  /** Index of every version the engine holds for key, newest first. */
  private List<Long> versionIndexes(String key) {
    byte[] p = MvccKeys.versions(key);
    List<Long> out = new ArrayList<>();
    engine.scan(p, MvccKeys.end(p), (k, v) -> out.add(MvccKeys.indexOf(k)));
    return out;
  }

  // ---- txns ----------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void txnAppliesAllOpsAtItsIndex_andGetsSeeTheEarlierOpsOfTheTxn(EngineType type) {
    open(type, 10, false);
    cmd(write("x", 1L));
    TxnResult r = txn(Txn.of(Op.get("x"), Op.put("x", 2L), Op.put("y", "why"), Op.get("x"), Op.delete("x"), Op.get("x"), Op.get("y")));
    assertTrue(r.succeeded());
    assertEquals(List.of(new TxnResult.Read("x", 1L, 1), new TxnResult.Read("x", 2L, 2), new TxnResult.Read("x", null, 0),
        new TxnResult.Read("y", "why", 2)), r.reads());
    assertEquals(Versioned.ABSENT, store.get("x"), "the txn's last op on x deleted it");
    assertEquals(new Versioned("why", 2, 200), store.get("y"));
    assertEquals(new Versioned(1L, 1, 100), store.get("x", 1));
    assertEquals(List.of(2L, 1L), versionIndexes("x"), "one version per key per txn: the tombstone at 2");
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void staleCompareFailsTheTxn_namesTheCompare_andAppliesNothing(EngineType type) {
    open(type, 10, false);
    cmd(write("x", 1L));
    long readAt = store.modIndex("x");
    cmd(write("x", 5L));
    String before = dataDigest();
    TxnResult r = txn(new Txn(List.of(new Compare("y", 0), new Compare("x", readAt)), List.of(Op.put("x", 2L), Op.put("y", 1L), Op.get("x"))));
    assertEquals(TxnResult.Status.COMPARE_FAILED, r.status());
    assertFalse(r.succeeded());
    assertEquals(1, r.failedAt(), "the second compare, on x");
    assertTrue(r.failure().contains("\"x\" was last written at index 2, not 1"), r.failure());
    assertEquals(List.of(), r.reads());
    assertEquals(before, dataDigest(), "no data changed");
    assertEquals(3, store.appliedIndex(), "but the entry is applied");
    assertTrue(txn(new Txn(List.of(new Compare("x", 2), new Compare("y", 0)), List.of(Op.put("y", 1L)))).succeeded(), "fresh compares hold");
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void compareOfZeroHoldsForKeysNeverWrittenOrDeleted(EngineType type) {
    open(type, 10, false);
    Txn absent = new Txn(List.of(new Compare("k", 0)), List.of(Op.get("k")));
    assertTrue(txn(absent).succeeded(), "never written");
    cmd(write("k", "v"));
    assertEquals(TxnResult.Status.COMPARE_FAILED, txn(absent).status(), "exists");
    cmd(new Command(Command.Kind.DELETE, 0, 0, "k", null, null));
    assertTrue(txn(absent).succeeded(), "deleted");
  }

  /** Two clients read counter x, both commit x+1 with a compare on what they read. */
  private List<TxnResult> twoIncrements() {
    cmd(write("x", 0L));
    long mod = store.modIndex("x");
    long read = (Long) store.get("x").value();
    List<TxnResult> results = new ArrayList<>();
    for (int client = 1; client <= 2; client++) {
      results.add(txn(client, 1, new Txn(List.of(new Compare("x", mod)), List.of(Op.put("x", read + 1)))));
    }
    return results;
  }

  @Test
  void secondOfTwoConcurrentIncrementsFails() {
    open(EngineType.MEMORY, 10, false);
    List<TxnResult> r = twoIncrements();
    assertTrue(r.get(0).succeeded());
    assertEquals(TxnResult.Status.COMPARE_FAILED, r.get(1).status());
    assertEquals(1L, store.get("x").value());
  }

  @Test
  void skipConflictCheck_commitsBothIncrements_aLostUpdate() {
    open(EngineType.MEMORY, 10, true);
    List<TxnResult> r = twoIncrements();
    assertTrue(r.get(0).succeeded() && r.get(1).succeeded(), "the planted bug commits both");
    assertEquals(1L, store.get("x").value(), "two acknowledged increments of 0, and x is 1: one update lost");
  }

  /** On-call rule x + y >= 1; each txn reads both, and takes one off call if the other is on. */
  private List<TxnResult> writeSkew() {
    cmd(write("x", 1L));
    cmd(write("y", 1L));
    List<Compare> read = List.of(new Compare("x", store.modIndex("x")), new Compare("y", store.modIndex("y")));
    return List.of(txn(1, 1, new Txn(read, List.of(Op.put("x", 0L)))), txn(2, 1, new Txn(read, List.of(Op.put("y", 0L)))));
  }

  @Test
  void writeSkewIsRefused() {
    open(EngineType.MEMORY, 10, false);
    List<TxnResult> r = writeSkew();
    assertTrue(r.get(0).succeeded());
    assertEquals(TxnResult.Status.COMPARE_FAILED, r.get(1).status());
    assertEquals(1L, store.get("y").value());
  }

  @Test
  void skipConflictCheck_admitsWriteSkew() {
    open(EngineType.MEMORY, 10, true);
    List<TxnResult> r = writeSkew();
    assertTrue(r.get(0).succeeded() && r.get(1).succeeded());
    assertEquals(0L, (Long) store.get("x").value() + (Long) store.get("y").value(), "x + y >= 1 broken");
  }

  // ---- APPEND --------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void appendCreatesAListThenExtendsIt(EngineType type) {
    open(type, 10, false);
    TxnResult r = txn(Txn.of(Op.append("l", 1), Op.append("l", 2), Op.get("l")));
    assertEquals(List.of(new TxnResult.Read("l", List.of(1L, 2L), 1)), r.reads());
    txn(Txn.of(Op.append("l", 3)));
    assertEquals(List.of(1L, 2L, 3L), store.get("l").value());
    assertEquals(List.of(1L, 2L), store.get("l", 1).value());
    txn(Txn.of(Op.put("m", List.of(7L)), Op.append("m", 8)));
    assertEquals(List.of(7L, 8L), store.get("m").value());
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void appendToANonListFailsTheWholeTxn(EngineType type) {
    open(type, 10, false);
    cmd(write("n", 5L));
    String before = dataDigest();
    TxnResult r = txn(Txn.of(Op.put("a", 1L), Op.append("l", 1), Op.append("n", 2)));
    assertEquals(TxnResult.Status.OP_FAILED, r.status());
    assertEquals(2, r.failedAt());
    assertTrue(r.failure().contains("holds an integer, not a list"), r.failure());
    assertEquals(before, dataDigest());
    assertEquals(Versioned.ABSENT, store.get("a"));
  }

  @Test
  void appendToAFullListFails() {
    open(EngineType.MEMORY, 10, false);
    List<Long> full = new ArrayList<>();
    for (long i = 0; i < Txn.LIST_LENGTH_MAX; i++) full.add(i);
    assertTrue(txn(Txn.of(Op.put("l", full))).succeeded());
    TxnResult r = txn(Txn.of(Op.append("l", 1)));
    assertEquals(TxnResult.Status.OP_FAILED, r.status());
    assertTrue(r.failure().contains("full"), r.failure());
  }

  // ---- single-key commands and sessions ------------------------------------------------------

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void commandsGiveKvStateMachinesResults_onARandomSequence(EngineType type) {
    open(type, 3, false);
    KvStateMachine reference = new KvStateMachine(3);
    java.util.Random random = new java.util.Random(42);
    long[] seqs = new long[6];
    for (long i = 1; i <= 2_000; i++) {
      int client = random.nextInt(6);
      long seq = client == 0 ? 0 : (random.nextInt(5) == 0 ? Math.max(1, seqs[client] - random.nextInt(2)) : ++seqs[client]);
      Command.Kind kind = Command.Kind.values()[random.nextInt(4)];
      String key = "k" + random.nextInt(4);
      Object value = kind == Command.Kind.WRITE || kind == Command.Kind.CAS ? (random.nextBoolean() ? (Object) (long) random.nextInt(3) : "s" + random.nextInt(3)) : null;
      Object expected = kind == Command.Kind.CAS && random.nextBoolean() ? (Object) (long) random.nextInt(3) : null;
      Command c = new Command(kind, client, seq, key, value, expected);
      assertEquals(reference.apply(i, c.encode()), store.applyEntry(i, 10 * i, c.encode()), "entry " + i + ": " + c);
    }
    for (int k = 0; k < 4; k++) assertEquals(reference.read("k" + k), store.get("k" + k).value());
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void retriedTxnAppliesOnceAndReturnsItsFirstResult_olderSeqIsRefused(EngineType type) {
    open(type, 10, false);
    Txn append = Txn.of(Op.append("l", 1), Op.get("l"));
    TxnResult first = txn(7, 1, append);
    assertEquals(first, txn(7, 1, append), "the retry gets the remembered result");
    assertEquals(List.of(1L), store.get("l").value(), "and does not apply again");
    txn(7, 2, Txn.of(Op.append("l", 2)));
    TxnResult stale = txn(7, 1, append);
    assertEquals(TxnResult.Status.REFUSED, stale.status());
    assertEquals(List.of(1L, 2L), store.get("l").value());
    assertEquals(new KvStateMachine.Result(false, null), cmd(new Command(Command.Kind.WRITE, 7, 2, "l", 3L, null)),
        "a command reusing the txn's seq is refused, not given the txn's result");
    assertEquals(TxnResult.Status.COMPARE_FAILED, txn(8, 1, new Txn(List.of(new Compare("l", 0)), List.of())).status());
    assertEquals(TxnResult.Status.COMPARE_FAILED, txn(8, 1, new Txn(List.of(new Compare("l", 0)), List.of())).status(),
        "a failed txn's retry gets the failure");
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void sessionTableEvictsTheClientAppliedLongestAgo(EngineType type) {
    open(type, 2, false);
    Txn a = Txn.of(Op.append("l", 1));
    txn(1, 1, a);
    txn(2, 1, Txn.of(Op.append("l", 2)));
    txn(1, 2, Txn.of(Op.append("l", 3)));
    txn(3, 1, Txn.of(Op.append("l", 4)));
    txn(1, 2, Txn.of(Op.append("l", 3)));
    assertEquals(List.of(1L, 2L, 3L, 4L), store.get("l").value(), "client 1 was applied after client 2, so it was kept");
    txn(2, 1, Txn.of(Op.append("l", 2)));
    assertEquals(List.of(1L, 2L, 3L, 4L, 2L), store.get("l").value(), "client 2 was evicted, so its retry applied again");
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void storeResumesFromWhatTheEngineHolds(EngineType type) {
    open(type, 10, false);
    cmd(write("x", 1L));
    txn(5, 1, Txn.of(Op.append("l", 1)));
    Membership m = Membership.ofVoters(List.of(1, 2, 3));
    store.applyEntry(3, 300, m.encode());
    MvccStore again = new MvccStore(engine, 10, false);
    assertEquals(store.digest(), again.digest());
    assertEquals(3, again.appliedIndex());
    assertEquals(m, again.membership());
    assertEquals(300, again.lastHlcMs());
    assertEquals(TxnResult.Status.COMMITTED, again.apply(4, 400, new TxnEntry(5, 1, Txn.of(Op.append("l", 1)))).status());
    assertEquals(List.of(1L), again.get("l").value(), "the session came back too");
  }

  @Test
  void applyOutOfOrderIsRefused() {
    open(EngineType.MEMORY, 10, false);
    assertThrows(IllegalStateException.class, () -> store.applyNoop(2, 0));
    assertThrows(IllegalArgumentException.class, () -> store.applyNoop(1, -1));
  }

  // ---- versions and time ---------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void readsAtAnIndexAndAtATimestamp(EngineType type) {
    open(type, 10, false);
    store.apply(1, 1_000, write("x", "a"));
    store.apply(2, 2_000, write("x", "b"));
    store.apply(3, 3_000, new Command(Command.Kind.DELETE, 0, 0, "x", null, null));
    store.apply(4, 4_000, write("x", "d"));
    assertEquals(Versioned.ABSENT, store.get("x", 0));
    assertEquals(new Versioned("a", 1, 1_000), store.get("x", 1));
    assertEquals("b", store.get("x", 2).value());
    assertEquals(Versioned.ABSENT, store.get("x", 3));
    assertEquals("d", store.get("x", 4).value());
    assertEquals(Versioned.ABSENT, store.getAtTimestamp("x", 999));
    assertEquals("a", store.getAtTimestamp("x", 1_000).value());
    assertEquals("b", store.getAtTimestamp("x", 2_999).value());
    assertEquals(Versioned.ABSENT, store.getAtTimestamp("x", 3_500));
    assertEquals("d", store.getAtTimestamp("x", 4_000).value());
    assertThrows(IllegalArgumentException.class, () -> store.get("x", 5), "not applied yet");
    assertThrows(IllegalArgumentException.class, () -> store.getAtTimestamp("x", 4_001), "later entries may still come at that time");
  }

  @Test
  void theClockNeverRunsBackwards() {
    open(EngineType.MEMORY, 10, false);
    store.apply(1, 1_000, write("x", 1L));
    store.apply(2, 500, write("x", 2L));
    store.applyNoop(3, 1_001);
    assertEquals(1_001, store.get("x").hlcMs(), "a clock behind the last entry's moves to one after it");
    assertEquals(1_002, store.lastHlcMs());
    assertEquals(1L, store.getAtTimestamp("x", 1_000).value());
  }

  // ---- compaction ----------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void compactionKeepsTheNewestVersionAtOrBelowTheHorizon_andDropsDeletedKeys(EngineType type) {
    open(type, 10, false);
    txn(Txn.of(Op.put("x", 1L), Op.put("y", 1L)));                 // 1
    txn(Txn.of(Op.put("x", 2L)));                                  // 2
    txn(Txn.of(Op.delete("y"), Op.put("w", 3L)));                  // 3
    txn(Txn.of(Op.put("x", 4L), Op.delete("w")));                  // 4
    txn(Txn.of(Op.put("z", 5L), Op.put("y", 5L)));                 // 5
    store.compact(3);
    assertEquals(List.of(4L, 2L), versionIndexes("x"), "x: 1 is shadowed by 2 at or below the horizon");
    assertEquals(List.of(5L), versionIndexes("y"), "y: the delete at 3 and the write it deleted are gone");
    assertEquals(List.of(4L, 3L), versionIndexes("w"), "w: deleted above the horizon, so kept");
    assertEquals(List.of(5L), versionIndexes("z"));
    assertEquals(2L, store.get("x", 3).value());
    assertEquals(Versioned.ABSENT, store.get("y", 3));
    assertEquals(3L, store.get("w", 3).value());
    assertEquals(3, store.horizonIndex());
    assertEquals(300, store.horizonHlcMs());
    VersionCompactedException e = assertThrows(VersionCompactedException.class, () -> store.get("x", 2));
    assertEquals(2, e.requested());
    assertEquals(3, e.horizon());
    assertThrows(VersionCompactedException.class, () -> store.getAtTimestamp("z", 299));
    assertEquals(2L, store.getAtTimestamp("x", 300).value());
    assertThrows(IllegalArgumentException.class, () -> store.compact(2), "the horizon only moves forward");
    assertThrows(IllegalArgumentException.class, () -> store.compact(6), "not beyond the applied index");
    String once = store.digest();
    store.compact(3);
    assertEquals(once, store.digest(), "compacting again to the same horizon changes nothing");
    store.compact(5);
    assertEquals(List.of(4L), versionIndexes("x"));
    assertEquals(List.of(), versionIndexes("w"));
  }

  @Test
  void compactionOverManyChunks_keepsWhatReadsAtTheHorizonSee() {
    open(EngineType.MEMORY, 10, false);
    int keys = 3_000;
    for (int round = 0; round < 3; round++) {
      for (int from = 0; from < keys; from += Txn.OPS_MAX) {
        List<Op> ops = new ArrayList<>();
        for (int k = from; k < Math.min(keys, from + Txn.OPS_MAX); k++) ops.add(round == 1 && k % 3 == 0 ? Op.delete("k" + k) : Op.put("k" + k, (long) round));
        txn(new Txn(List.of(), ops));
      }
    }
    long horizon = store.appliedIndex() - 1;
    Map<String, Versioned> atHorizon = new TreeMap<>();
    for (int k = 0; k < keys; k++) atHorizon.put("k" + k, store.get("k" + k, horizon));
    store.compact(horizon);
    int versions = 0;
    for (int k = 0; k < keys; k++) {
      assertEquals(atHorizon.get("k" + k), store.get("k" + k, horizon));
      versions += versionIndexes("k" + k).size();
    }
    assertTrue(versions < keys * 2, "at most the newest version and one above the horizon per key, got " + versions);
    assertTrue(keys * 3 > MvccStore.COMPACT_CHUNK_RECORDS * 2, "the test spans several chunks");
  }

  @Test
  void membershipEntryIsKept() {
    open(EngineType.MEMORY, 10, false);
    assertNull(store.membership());
    Membership m = Membership.ofVoters(List.of(1, 2));
    assertNull(store.applyEntry(1, 0, m.encode()));
    assertNull(store.applyEntry(2, 0, new byte[0]));
    assertEquals(m, store.membership());
  }

  @Test
  void limitsAreNamedInTheirErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Op.get("k".repeat(Txn.KEY_BYTES_MAX + 1)));
    assertTrue(e.getMessage().contains("more than " + Txn.KEY_BYTES_MAX), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Op.put("k", "v".repeat(Txn.VALUE_BYTES_MAX + 1)));
    assertTrue(e.getMessage().contains("more than " + Txn.VALUE_BYTES_MAX), e.getMessage());
    List<Long> tooLong = new ArrayList<>();
    for (long i = 0; i <= Txn.LIST_LENGTH_MAX; i++) tooLong.add(i);
    e = assertThrows(IllegalArgumentException.class, () -> Op.put("k", tooLong));
    assertTrue(e.getMessage().contains("more than " + Txn.LIST_LENGTH_MAX), e.getMessage());
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i <= Txn.OPS_MAX; i++) ops.add(Op.get("k"));
    e = assertThrows(IllegalArgumentException.class, () -> new Txn(List.of(), ops));
    assertTrue(e.getMessage().contains("more than " + Txn.OPS_MAX), e.getMessage());
    List<Op> big = new ArrayList<>();
    for (int i = 0; i < 20; i++) big.add(Op.put("k" + i, "v".repeat(Txn.VALUE_BYTES_MAX)));
    e = assertThrows(IllegalArgumentException.class, () -> new Txn(List.of(), big));
    assertTrue(e.getMessage().contains("more than " + Txn.BYTES_MAX), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Txn(List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> new Op(Op.Kind.APPEND, "k", "x"));
    assertThrows(IllegalArgumentException.class, () -> new Compare("k", -1));
    assertThrows(IllegalArgumentException.class, () -> new MvccStore(new MemoryEngine(), 0, false));
  }

  /** A digest of the data versions only (the applied index and sessions change with every entry). */
  private String dataDigest() {
    StringBuilder sb = new StringBuilder();
    engine.scan(MvccKeys.DATA, MvccKeys.DATA_END, (k, v) -> {
      sb.append(java.util.HexFormat.of().formatHex(k)).append('=').append(java.util.HexFormat.of().formatHex(v)).append('\n');
      return true;
    });
    return sb.toString();
  }
}
