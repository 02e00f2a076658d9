package io.faultline.raft;

import io.faultline.raft.mvcc.KvBatch;
import io.faultline.raft.mvcc.KvEngine;
import io.faultline.raft.mvcc.MemoryEngine;
import io.faultline.raft.mvcc.MvccStore;
import io.faultline.raft.mvcc.TxnResult;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Supplier;

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
 * length, value. Restoring replaces the engine with a fresh one ({@code engines}) filled from it.
 */
public final class KvStateMachine implements AutoCloseable {
  /** A command's outcome: {@code ok} false only for a failed CAS; {@code value} a read's or CAS's current value (a Long or a String). */
  public record Result(boolean ok, Object value) {}

  /** Bytes per batch while restoring a snapshot into a fresh engine. */
  static final long RESTORE_BATCH_BYTES_MAX = 16L << 20;

  private final Supplier<KvEngine> engines;
  private final int sessionsMax;
  private final boolean skipConflictCheck;
  private KvEngine engine;
  private MvccStore store;

  /** A state machine in memory. */
  public KvStateMachine(int sessionsMax) {
    this(MemoryEngine::new, sessionsMax, false);
  }

  /**
   * @param engines           gives a fresh, empty engine: the first at once, another for each restore
   * @param skipConflictCheck the planted bug raft.mvcc-skip-conflict-check
   */
  public KvStateMachine(Supplier<KvEngine> engines, int sessionsMax, boolean skipConflictCheck) {
    if (sessionsMax < 1) throw new IllegalArgumentException("sessionsMax must be >= 1, got " + sessionsMax);
    this.engines = engines;
    this.sessionsMax = sessionsMax;
    this.skipConflictCheck = skipConflictCheck;
    this.engine = engines.get();
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

  /** The whole state (see the class comment); copied on the event thread, written by the caller in the background. */
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
    check(b); // before the current state is given up
    engine.close();
    engine = engines.get();
    int n = b.getInt();
    KvBatch batch = new KvBatch();
    long batchBytes = 0;
    for (int i = 0; i < n; i++) {
      byte[] k = new byte[b.getInt()];
      b.get(k);
      byte[] v = new byte[b.getInt()];
      b.get(v);
      batch.put(k, v);
      batchBytes += k.length + v.length;
      if (batch.size() >= KvBatch.MUTATIONS_MAX || batchBytes >= RESTORE_BATCH_BYTES_MAX) {
        engine.write(batch);
        batch = new KvBatch();
        batchBytes = 0;
      }
    }
    if (batch.size() > 0) engine.write(batch);
    store = new MvccStore(engine, sessionsMax, skipConflictCheck);
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
