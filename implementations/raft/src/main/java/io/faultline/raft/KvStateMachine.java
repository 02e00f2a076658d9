package io.faultline.raft;

import io.faultline.raft.mvcc.KvBatch;
import io.faultline.raft.mvcc.KvEngine;
import io.faultline.raft.mvcc.MemoryEngine;
import io.faultline.raft.mvcc.MvccStore;
import io.faultline.raft.mvcc.TxnResult;
import io.faultline.raft.mvcc.Checkpointable;
import io.faultline.raft.mvcc.RocksEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The replicated state machine: the multi-version store ({@link MvccStore}) over an engine — in
 * memory for the simulator and tests, RocksDB on a real node — with the client session table inside
 * it (Ratis' retry cache, but replicated): a retried command or txn returns its first result instead
 * of applying twice.
 *
 * <p>Entries: a {@link Stamp}ed {@link Command} or txn ({@link io.faultline.raft.mvcc.TxnCodec}), a
 * configuration, or a no-op; each applies at its Raft index with the stamp's time.
 *
 * <p>Snapshots are the engine's records, all of them, in key order — a full, logical copy, so the
 * receiver may run another engine: u32 record count, then per record u32 key length, key, u32 value
 * length, value — or, when archives are asked for, a {@link SnapshotArchive} that a follower receives
 * only in part: the engine's checkpoint files when it can take checkpoints (RocksDB), else those records
 * in chunks. Restoring logical records or chunks replaces the engine with a fresh one
 * ({@link Engines#fresh}) filled from them; checkpoint files become the engine ({@link Engines#fromFiles}),
 * or, for an engine in memory, are read through a RocksDB opened on a scratch copy of them.
 */
public final class KvStateMachine implements AutoCloseable {
  /** A command's outcome: {@code ok} false only for a failed CAS; {@code value} a read's or CAS's current value (a Long or a String). */
  public record Result(boolean ok, Object value) {}

  /** Bytes per batch while restoring a snapshot into a fresh engine. */
  static final long RESTORE_BATCH_BYTES_MAX = 16L << 20;

  /** Where the state machine's engines come from. */
  @FunctionalInterface
  public interface Engines {
    /** A fresh, empty engine (the one before is closed first). */
    KvEngine fresh();

    /**
     * An engine whose files are exactly {@code files} (a checkpoint's, contents in {@code state}); null
     * when these engines keep no files (in memory).
     */
    default KvEngine fromFiles(List<SnapshotArchive.FileEntry> files, ByteBuffer state) { return null; }

    /** A directory, not existing, for a checkpoint of the current engine; null when these engines take none. */
    default Path checkpointScratch() { return null; }
  }

  private final Engines engines;
  private final boolean archives;
  private final int sessionsMax;
  private final boolean skipConflictCheck;
  private KvEngine engine;
  private MvccStore store;

  /** A state machine in memory. */
  public KvStateMachine(int sessionsMax) {
    this(MemoryEngine::new, sessionsMax, false);
  }

  /** A state machine writing logical snapshots. */
  public KvStateMachine(Engines engines, int sessionsMax, boolean skipConflictCheck) {
    this(engines, false, sessionsMax, skipConflictCheck);
  }

  /**
   * @param engines           gives a fresh, empty engine: the first at once, another for each restore
   * @param archives          snapshots are checkpoint archives when the engines can take checkpoints
   * @param skipConflictCheck the planted bug raft.mvcc-skip-conflict-check
   */
  public KvStateMachine(Engines engines, boolean archives, int sessionsMax, boolean skipConflictCheck) {
    if (sessionsMax < 1) throw new IllegalArgumentException("sessionsMax must be >= 1, got " + sessionsMax);
    this.engines = engines;
    this.archives = archives;
    this.sessionsMax = sessionsMax;
    this.skipConflictCheck = skipConflictCheck;
    this.engine = engines.fresh();
    this.store = new MvccStore(engine, sessionsMax, skipConflictCheck);
  }

  public long appliedIndex() { return store.appliedIndex(); }

  /** The store, for reads at a version or a timestamp. */
  public MvccStore store() { return store; }

  /** The newest value of {@code key}: null, a Long, a String or a list of Longs. */
  public Object read(String key) { return store.get(key).value(); }

  /** The newest value of every key (for tests and tools: it reads everything). */
  public Map<String, Object> contents() { return java.util.Collections.unmodifiableMap(store.latest()); }

  /** Applies the entry at {@code index}: a {@link Result} for a command, a {@link TxnResult} for a txn, null for a no-op or configuration. */
  public Object applyEntry(long index, byte[] entryData) {
    return store.applyEntry(index, Stamp.hlcMs(entryData), Stamp.payload(entryData));
  }

  /** {@link #applyEntry} for callers that only apply commands (tests): a txn's result is not a {@link Result}. */
  public Result apply(long index, byte[] entryData) {
    Object r = applyEntry(index, entryData);
    return r instanceof Result ? (Result) r : null;
  }

  /**
   * The state as of {@code index} as a snapshot: when archives are asked for, a checkpoint archive if
   * the engine can take one, else its records in chunks ({@link SnapshotArchive#chunked}); otherwise the
   * logical copy. Taken on the event thread (a checkpoint is a flush and hard links;
   * its files are then read into the snapshot's one buffer).
   */
  Snapshot snapshot(long index, long term) {
    if (!archives) return SnapshotFile.encode(index, term, snapshotStateBytes(), this::writeSnapshotState);
    Membership m = store.membership();
    byte[] membership = m == null ? new byte[0] : m.encode();
    Path scratch = engine instanceof Checkpointable ? engines.checkpointScratch() : null;
    if (scratch == null) return SnapshotFile.encode(index, term, SnapshotArchive.chunked(membership, engine));
    try {
      deleteTree(scratch);
      List<Checkpointable.CheckpointFile> files = ((Checkpointable) engine).checkpoint(scratch);
      long bytes = SnapshotArchive.stateBytes(membership, files);
      if (bytes > Integer.MAX_VALUE - 64) throw new IllegalStateException("checkpoint of " + bytes + " bytes is too large for one snapshot");
      return SnapshotFile.encode(index, term, (int) bytes, b -> {
        try {
          SnapshotArchive.write(b, membership, files, scratch);
        } catch (IOException e) {
          throw new UncheckedIOException("checkpoint " + scratch + " could not be read: " + e.getMessage(), e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint into " + scratch + " failed: " + e.getMessage(), e);
    } finally {
      deleteTree(scratch);
    }
  }

  /** The whole state, logically (see the class comment). */
  public byte[] snapshotState() {
    ByteBuffer b = ByteBuffer.allocate(snapshotStateBytes());
    writeSnapshotState(b);
    return b.array();
  }

  /** The length of {@link #snapshotState()}, so a caller can put it in a buffer of its own (one copy of a large state, not two). */
  public int snapshotStateBytes() {
    long[] size = {4};
    engine.scan(new byte[0], new byte[] {(byte) 0xFF}, (k, v) -> {
      size[0] += 4 + k.length + 4 + v.length;
      return true;
    });
    if (size[0] > Integer.MAX_VALUE - 64) throw new IllegalStateException("state of " + size[0] + " bytes is too large for one snapshot");
    return (int) size[0];
  }

  /** Puts {@link #snapshotState()} into {@code b} at its position ({@link #snapshotStateBytes()} of room). */
  public void writeSnapshotState(ByteBuffer b) {
    int countAt = b.position();
    b.putInt(0);
    int[] count = {0};
    engine.scan(new byte[0], new byte[] {(byte) 0xFF}, (k, v) -> {
      b.putInt(k.length).put(k).putInt(v.length).put(v);
      count[0]++;
      return true;
    });
    b.putInt(countAt, count[0]);
  }

  /** Replaces the whole state with a {@link #snapshotState()}; IllegalArgumentException when it does not parse. */
  public void restore(byte[] state) { restore(ByteBuffer.wrap(state)); }

  /** {@link #restore(byte[])} from the buffer's remaining bytes (a snapshot's state, read in place). */
  public void restore(ByteBuffer state) {
    ByteBuffer b = state.slice();
    if (SnapshotArchive.isArchive(b)) {
      restoreArchive(b);
      return;
    }
    check(b); // before the current state is given up
    engine.close();
    engine = engines.fresh();
    insertRecords(b);
    store = new MvccStore(engine, sessionsMax, skipConflictCheck);
  }

  /** Writes the records of a logical state (checked) into the engine, in batches. */
  private void insertRecords(ByteBuffer b) {
    Loader loader = new Loader(engine);
    int n = b.getInt();
    for (int i = 0; i < n; i++) {
      byte[] k = new byte[b.getInt()];
      b.get(k);
      byte[] v = new byte[b.getInt()];
      b.get(v);
      loader.put(k, v);
    }
    loader.flush();
  }

  /** Puts records into an engine in batches of at most {@link KvBatch#MUTATIONS_MAX} mutations and {@link #RESTORE_BATCH_BYTES_MAX} bytes. */
  private static final class Loader {
    private final KvEngine engine;
    private KvBatch batch = new KvBatch();
    private long batchBytes;

    Loader(KvEngine engine) { this.engine = engine; }

    void put(byte[] k, byte[] v) {
      batch.put(k, v);
      batchBytes += k.length + v.length;
      if (batch.size() >= KvBatch.MUTATIONS_MAX || batchBytes >= RESTORE_BATCH_BYTES_MAX) flush();
    }

    void flush() {
      if (batch.size() > 0) engine.write(batch);
      batch = new KvBatch();
      batchBytes = 0;
    }
  }

  private void restoreArchive(ByteBuffer state) {
    List<SnapshotArchive.FileEntry> files = SnapshotArchive.table(state, true).files(); // before the current state is given up
    if (SnapshotArchive.isChunks(state)) {
      for (SnapshotArchive.FileEntry f : files) check(SnapshotArchive.contents(state, f));
      engine.close();
      engine = engines.fresh();
      for (SnapshotArchive.FileEntry f : files) insertRecords(SnapshotArchive.contents(state, f));
      store = new MvccStore(engine, sessionsMax, skipConflictCheck);
      return;
    }
    engine.close();
    engine = engines.fromFiles(files, state);
    if (engine == null) {
      // an engine in memory: read the records through a RocksDB opened on a scratch copy of the files
      engine = engines.fresh();
      Path scratch = null;
      try {
        scratch = Files.createTempDirectory("faultline-archive-");
        writeFiles(scratch, files, state);
        Loader loader = new Loader(engine);
        try (RocksEngine rocks = RocksEngine.open(scratch)) {
          rocks.scan(new byte[0], new byte[] {(byte) 0xFF}, (k, v) -> {
            loader.put(k, v);
            return true;
          });
        }
        loader.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("archive could not be read: " + e.getMessage(), e);
      } finally {
        if (scratch != null) deleteTree(scratch);
      }
    }
    store = new MvccStore(engine, sessionsMax, skipConflictCheck);
  }

  /** Writes an archive's files into {@code dir} (existing, empty) and syncs them. */
  static void writeFiles(Path dir, List<SnapshotArchive.FileEntry> files, ByteBuffer state) throws IOException {
    for (SnapshotArchive.FileEntry f : files) {
      try (FileChannel ch = FileChannel.open(dir.resolve(f.name()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer c = SnapshotArchive.contents(state, f);
        while (c.hasRemaining()) ch.write(c);
        ch.force(true);
      }
    }
  }

  /** Deletes a directory tree if it exists. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Walks a state's records: IllegalArgumentException naming what is wrong. */
  private static void check(ByteBuffer state) {
    ByteBuffer b = state.duplicate();
    try {
      int n = b.getInt();
      if (n < 0) throw new IllegalArgumentException("bad record count " + n);
      for (int i = 0; i < n; i++) {
        for (String part : new String[] {"key", "value"}) {
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) throw new IllegalArgumentException("record " + i + ": bad " + part + " length " + len);
          b.position(b.position() + len);
        }
      }
      if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in snapshot state");
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("snapshot state cut short", e);
    }
  }

  /** The last configuration applied, or null when none was. */
  public Membership membership() { return store.membership(); }

  /** The configuration inside a {@link #snapshotState()}; null when it holds none or does not parse. */
  static Membership membershipIn(byte[] state) { return membershipIn(ByteBuffer.wrap(state)); }

  /** {@link #membershipIn(byte[])} from the buffer's remaining bytes, stepping over the other records without copying them. */
  static Membership membershipIn(ByteBuffer state) {
    ByteBuffer b = state.slice();
    if (SnapshotArchive.isArchive(b)) return SnapshotArchive.membershipIn(b);
    try {
      int n = b.getInt();
      for (int i = 0; i < n; i++) {
        int kl = b.getInt();
        if (kl < 0 || kl > b.remaining()) return null;
        byte[] k = new byte[kl];
        b.get(k);
        int vl = b.getInt();
        if (vl < 0 || vl > b.remaining()) return null;
        if (MvccStore.isMembershipKey(k)) {
          byte[] config = new byte[vl];
          b.get(config);
          return Membership.decode(config);
        }
        b.position(b.position() + vl);
      }
      return null;
    } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
      return null;
    }
  }

  /** The state of a machine that applied nothing, claiming index {@code index} (only the planted bug raft.truncate-committed sends it). */
  static byte[] emptyState(long index) {
    KvStateMachine m = new KvStateMachine(1);
    MvccStore.initializeEmpty(m.engine, index);
    return m.snapshotState();
  }

  @Override
  public void close() { engine.close(); }
}
