package io.faultline.raft.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same log gives the same store on every engine, and a RocksDB checkpoint carries all of it. */
class MvccDeterminismTest {
  private static final long SEED = 20_240_909L;
  private static final String[] KEYS = {"a", "b", "c", "d", "a\u0000b", "a/b", "\u00e9"};
  @TempDir Path dir;

  /** Entries of a seeded random log: commands, txns with fresh and stale compares, retries, no-ops. */
  private static final class Workload {
    final Random random;
    final long[] seqs = new long[5];

    Workload(long seed) { random = new Random(seed); }

    /** The data of the next entry, given the store's view (every node computes it from the same log). */
    byte[] next(MvccStore view) {
      int pick = random.nextInt(10);
      if (pick == 0) return new byte[0];
      int client = random.nextInt(seqs.length);
      long seq = client == 0 ? 0 : (random.nextInt(6) == 0 ? Math.max(1, seqs[client] - random.nextInt(2)) : ++seqs[client]);
      if (pick <= 3) {
        Command.Kind kind = Command.Kind.values()[random.nextInt(4)];
        boolean withValue = kind == Command.Kind.WRITE || kind == Command.Kind.CAS;
        return new Command(kind, client, seq, key(), withValue ? value() : null, kind == Command.Kind.CAS && random.nextBoolean() ? value() : null).encode();
      }
      List<Compare> compares = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        String k = key();
        long mod = view.modIndex(k);
        compares.add(new Compare(k, random.nextInt(4) == 0 ? Math.max(0, mod - 1 - random.nextInt(3)) : mod));
      }
      List<Op> ops = new ArrayList<>();
      for (int i = 1 + random.nextInt(5); i > 0; i--) {
        switch (random.nextInt(5)) {
          case 0: ops.add(Op.get(key())); break;
          case 1: ops.add(Op.put(key(), value())); break;
          case 2: ops.add(Op.delete(key())); break;
          default: ops.add(Op.append(key(), random.nextInt(100))); break;
        }
      }
      return TxnCodec.encode(new TxnEntry(client, seq, new Txn(compares, ops)));
    }

    private String key() { return KEYS[random.nextInt(KEYS.length)]; }

    private Object value() { return random.nextBoolean() ? (Object) (long) random.nextInt(5) : "v" + random.nextInt(5); }
  }

  /** Applies {@code count} entries, with a clock that now and then steps back, compacting now and then; the results, as text. */
  private static List<String> run(Workload w, MvccStore s, long count, long hlcStartMs) {
    List<String> results = new ArrayList<>();
    long first = s.appliedIndex() + 1;
    for (long i = first; i < first + count; i++) {
      byte[] entry = w.next(s);
      results.add(String.valueOf(s.applyEntry(i, Math.max(0, hlcStartMs + 3 * i - (i % 7 == 0 ? 50 : 0)), entry)));
      if (w.random.nextInt(50) == 0) s.compact(Math.max(s.horizonIndex(), i - w.random.nextInt(20)));
    }
    return results;
  }

  @Test
  void memoryAndRocksEnginesGiveEqualDigests_forTheSameSeededLog() throws IOException {
    try (MemoryEngine memory = new MemoryEngine(); RocksEngine rocks = RocksEngine.open(dir.resolve("db"))) {
      MvccStore m = new MvccStore(memory, 3, false);
      MvccStore r = new MvccStore(rocks, 3, false);
      Workload wm = new Workload(SEED);
      Workload wr = new Workload(SEED);
      java.util.Set<String> seen = new java.util.TreeSet<>();
      for (int round = 0; round < 10; round++) {
        List<String> results = run(wm, m, 300, 1_000);
        assertEquals(results, run(wr, r, 300, 1_000), "round " + round);
        assertEquals(m.digest(), r.digest(), "round " + round + ", at index " + m.appliedIndex());
        for (String result : results) for (TxnResult.Status st : TxnResult.Status.values()) if (result.contains("status=" + st + ",")) seen.add(st.name());
      }
      assertEquals(TxnResult.Status.values().length, seen.size(), "the log reaches every txn outcome, got " + seen);
      assertTrue(m.horizonIndex() > 0, "the log compacted");
    }
  }

  @Test
  void aDifferentLogGivesADifferentDigest() {
    MvccStore a = new MvccStore(new MemoryEngine(), 3, false);
    MvccStore b = new MvccStore(new MemoryEngine(), 3, false);
    run(new Workload(1), a, 200, 0);
    run(new Workload(2), b, 200, 0);
    assertFalse(a.digest().equals(b.digest()));
  }

  @Test
  void compactionNeverChangesAnAnswerAtOrAboveTheHorizon() {
    MvccStore full = new MvccStore(new MemoryEngine(), 3, false);
    MvccStore compacted = new MvccStore(new MemoryEngine(), 3, false);
    Workload w = new Workload(SEED);
    for (long i = 1; i <= 600; i++) {
      byte[] entry = w.next(full);
      long hlc = 10 * i;
      full.applyEntry(i, hlc, entry);
      compacted.applyEntry(i, hlc, entry);
      if (i % 97 == 0) compacted.compact(i - 30);
    }
    long horizon = compacted.horizonIndex();
    assertTrue(horizon > 0);
    for (String k : KEYS) {
      for (long i = horizon; i <= 600; i++) assertEquals(full.get(k, i), compacted.get(k, i), k + " at " + i);
      for (long t = compacted.horizonHlcMs(); t <= compacted.lastHlcMs(); t += 3) assertEquals(full.getAtTimestamp(k, t), compacted.getAtTimestamp(k, t), k + " at " + t + " ms");
      assertThrows(VersionCompactedException.class, () -> compacted.get(k, horizon - 1));
    }
  }

  @Test
  void rocksCheckpoint_opensWithTheSameDigest_andGoesOnInStep() throws IOException {
    Path checkpoint = dir.resolve("checkpoint");
    Workload w = new Workload(SEED);
    try (RocksEngine rocks = RocksEngine.open(dir.resolve("db"))) {
      MvccStore s = new MvccStore(rocks, 3, false);
      run(w, s, 500, 0);
      List<Checkpointable.CheckpointFile> files = rocks.checkpoint(checkpoint);
      assertThrows(IOException.class, () -> rocks.checkpoint(checkpoint), "an existing directory is refused");
      assertEquals(RocksEngine.listFiles(checkpoint), files);
      assertTrue(files.stream().anyMatch(f -> f.name().endsWith(".sst")), "the memtable was flushed to an SST: " + files);
      assertTrue(files.stream().anyMatch(f -> f.name().equals("CURRENT")), files.toString());
      for (Checkpointable.CheckpointFile f : files) assertEquals(Files.size(checkpoint.resolve(f.name())), f.sizeBytes(), f.name());
      List<String> names = files.stream().map(Checkpointable.CheckpointFile::name).sorted().toList();
      assertEquals(names, files.stream().map(Checkpointable.CheckpointFile::name).toList(), "in name order");

      try (RocksEngine restored = RocksEngine.open(checkpoint)) {
        MvccStore t = new MvccStore(restored, 3, false);
        assertEquals(s.digest(), t.digest());
        assertEquals(s.appliedIndex(), t.appliedIndex());
        Workload w2 = new Workload(SEED);
        run(w2, new MvccStore(new MemoryEngine(), 3, false), 500, 0);
        assertEquals(run(w, s, 200, 0), run(w2, t, 200, 0));
        assertEquals(s.digest(), t.digest());
      }
    }
  }

  @Test
  void checkpointFileCrcIsTheFilesCrc32c() throws IOException {
    try (RocksEngine rocks = RocksEngine.open(dir.resolve("db"))) {
      new MvccStore(rocks, 3, false).apply(1, 1, new Command(Command.Kind.WRITE, 0, 0, "k", "v", null));
      for (Checkpointable.CheckpointFile f : rocks.checkpoint(dir.resolve("cp"))) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(Files.readAllBytes(dir.resolve("cp").resolve(f.name())));
        assertEquals((int) crc.getValue(), f.crc32c(), f.name());
      }
    }
  }
}
