package io.faultline.raft.mvcc;

import io.faultline.raft.Command;
import io.faultline.raft.KvStateMachine;
import io.faultline.raft.Membership;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The replicated key-value state as a multi-version store over a {@link KvEngine}: every write is a
 * new version stamped with the Raft index of its entry and that entry's hybrid logical timestamp, so
 * reads can be at an index or a timestamp; multi-key {@link Txn}s commit when their compares hold;
 * the client session table and the last configuration entry live in the same engine, changed in the
 * same atomic batch as the data, so the applied index on disk always matches the contents.
 *
 * <p>Determinism: the contents after a sequence of applies and compactions depend only on that
 * sequence (every node applies the same log), never on the engine, the clock or the thread, so
 * {@link #digest()} agrees across nodes that applied the same prefix and compacted to the same horizon.
 *
 * <p>Time: an entry's timestamp is {@code max(hlcMs, lastHlcMs + 1)}, so the store's clock never runs
 * backwards (a new leader's clock may be behind) and the timestamp order is the index order; a read
 * at a timestamp no later than {@link #lastHlcMs()} is therefore final. At more than one entry per
 * millisecond the store's clock runs ahead of the wall clock until the rate drops.
 *
 * <p>Sessions: as {@link KvStateMachine}'s. A client's command or txn with the sequence number of its
 * last one returns the first result without applying again; an older one is refused; at most
 * {@code sessionsMax} clients are kept, evicting the one whose last command applied longest ago.
 *
 * <p>Compaction: {@link #compact} drops every version that no read at or above the horizon can see;
 * reads below it fail with {@link VersionCompactedException} rather than answer from what is left.
 *
 * <p>Planted bug {@code raft.mvcc-skip-conflict-check} ({@code skipConflictCheck}): a txn commits
 * without evaluating its compares, which admits lost updates and write skew.
 *
 * <p>Not thread safe: one thread applies, compacts and reads.
 */
public final class MvccStore {
  /** Records a compaction visits per batch it writes. */
  static final int COMPACT_CHUNK_RECORDS = 4_096;
  /** Characters of a key quoted in a failure message. */
  static final int KEY_CHARS_QUOTED_MAX = 64;
  private static final byte META_VERSION = 1;
  private static final int META_BYTES = 1 + 5 * 8;
  private static final byte SESSION_COMMAND = 1;
  private static final byte SESSION_TXN = 2;
  private static final byte TOMBSTONE_FLAG = 1;
  private static final Object TOMBSTONE = new Object();

  private record Version(long index, long hlcMs, boolean tombstone, Object value) {}

  private record Session(long seq, long lastIndex, byte kind, byte[] result) {}

  private final KvEngine engine;
  private final int sessionsMax;
  private final boolean skipConflictCheck;
  private long appliedIndex;
  private long lastHlcMs;
  private long horizonIndex;
  private long horizonHlcMs;
  private long sessionCount;

  /** A store over {@code engine}, resuming from what the engine holds (an empty engine is index 0). */
  public MvccStore(KvEngine engine, int sessionsMax, boolean skipConflictCheck) {
    if (engine == null) throw new IllegalArgumentException("engine is required");
    if (sessionsMax < 1) throw new IllegalArgumentException("sessionsMax must be >= 1, got " + sessionsMax);
    this.engine = engine;
    this.sessionsMax = sessionsMax;
    this.skipConflictCheck = skipConflictCheck;
    byte[] meta = engine.get(MvccKeys.META_STATE);
    if (meta == null) return;
    if (meta.length != META_BYTES || meta[0] != META_VERSION) {
      throw new IllegalStateException("store state record of " + meta.length + " bytes, version " + (meta.length == 0 ? "missing" : meta[0])
          + ": expected " + META_BYTES + " bytes, version " + META_VERSION);
    }
    ByteBuffer b = ByteBuffer.wrap(meta, 1, META_BYTES - 1);
    appliedIndex = b.getLong();
    lastHlcMs = b.getLong();
    horizonIndex = b.getLong();
    horizonHlcMs = b.getLong();
    sessionCount = b.getLong();
  }

  /** Whether an engine record key is the store's configuration record (for finding it in a dump). */
  public static boolean isMembershipKey(byte[] key) { return Arrays.equals(key, MvccKeys.META_MEMBERSHIP); }

  public long appliedIndex() { return appliedIndex; }
  /**
   * Makes an empty engine a store that claims to have applied {@code appliedIndex} and holds nothing
   * (only the planted bug raft.truncate-committed ships such a state).
   */
  public static void initializeEmpty(KvEngine engine, long appliedIndex) {
    if (engine.get(MvccKeys.META_STATE) != null) throw new IllegalStateException("engine is not empty");
    engine.write(new KvBatch().put(MvccKeys.META_STATE, encodeMeta(appliedIndex, 0, 0, 0, 0)));
  }

  /** The newest value of every key that has one (tombstones left out), in key order: for tests and tools. */
  public Map<String, Object> latest() {
    Map<String, Object> out = new LinkedHashMap<>();
    byte[][] last = {null};
    engine.scan(MvccKeys.DATA, MvccKeys.DATA_END, (k, v) -> {
      byte[] versions = MvccKeys.versionsOf(k);
      if (last[0] != null && Arrays.equals(last[0], versions)) return true; // an older version of the same key
      last[0] = versions;
      Version ver = decodeVersion(k, v);
      if (!ver.tombstone()) out.put(MvccKeys.userKey(versions), ver.value());
      return true;
    });
    return out;
  }


  /** The timestamp of the last entry applied (0 before any). */
  public long lastHlcMs() { return lastHlcMs; }

  /** The oldest index reads may ask for (0 until a compaction). */
  public long horizonIndex() { return horizonIndex; }

  /** The oldest timestamp reads may ask for (0 until a compaction). */
  public long horizonHlcMs() { return horizonHlcMs; }

  // ---- applying the log ----------------------------------------------------------------------

  /**
   * Applies a Raft entry's data: nothing for a no-op (empty), the configuration for a configuration
   * entry, else a txn or a {@link Command}. Returns null, a {@link TxnResult} or a
   * {@link KvStateMachine.Result}; IllegalArgumentException when the data does not parse.
   */
  public Object applyEntry(long index, long hlcMs, byte[] entryData) {
    if (entryData.length == 0) {
      applyNoop(index, hlcMs);
      return null;
    }
    if (Membership.isEntry(entryData)) {
      applyMembership(index, hlcMs, entryData);
      return null;
    }
    if (TxnCodec.isEntry(entryData)) return apply(index, hlcMs, TxnCodec.decode(entryData));
    return apply(index, hlcMs, Command.decode(entryData));
  }

  /** Applies an entry that changes no data (a leader's no-op): only the applied index and clock move. */
  public void applyNoop(long index, long hlcMs) {
    long hlc = admit(index, hlcMs);
    commit(new KvBatch(), index, hlc, sessionCount);
  }

  /** Applies a configuration entry: it becomes {@link #membership()}. */
  public void applyMembership(long index, long hlcMs, byte[] entryData) {
    Membership.decode(entryData);
    long hlc = admit(index, hlcMs);
    commit(new KvBatch().put(MvccKeys.META_MEMBERSHIP, entryData), index, hlc, sessionCount);
  }

  /** Applies a single-key command, with the results {@link KvStateMachine} gives. */
  public KvStateMachine.Result apply(long index, long hlcMs, Command c) {
    long hlc = admit(index, hlcMs);
    KvBatch batch = new KvBatch();
    Session s = c.clientId() == 0 ? null : loadSession(c.clientId());
    if (s != null && c.seq() <= s.seq()) {
      boolean same = c.seq() == s.seq() && s.kind() == SESSION_COMMAND;
      commit(batch, index, hlc, sessionCount);
      return same ? decodeCommandResult(s.result()) : new KvStateMachine.Result(false, null);
    }
    KvStateMachine.Result r = execute(c, index, hlc, batch);
    long sessions = c.clientId() == 0 ? sessionCount : recordSession(batch, c.clientId(), s, c.seq(), index, SESSION_COMMAND, encodeCommandResult(r));
    commit(batch, index, hlc, sessions);
    return r;
  }

  /** Applies a txn: all of its ops at version {@code index}, or, when a compare or an op fails, none. */
  public TxnResult apply(long index, long hlcMs, TxnEntry entry) {
    long hlc = admit(index, hlcMs);
    KvBatch batch = new KvBatch();
    long client = entry.clientId();
    Session s = client == 0 ? null : loadSession(client);
    if (s != null && entry.seq() <= s.seq()) {
      TxnResult r;
      if (entry.seq() < s.seq()) r = TxnResult.refused("seq " + entry.seq() + " of client " + client + " is older than its last, " + s.seq());
      else if (s.kind() != SESSION_TXN) r = TxnResult.refused("seq " + entry.seq() + " of client " + client + " was a single-key command, not a txn");
      else r = TxnCodec.decodeResult(s.result());
      commit(batch, index, hlc, sessionCount);
      return r;
    }
    TxnResult r = execute(entry.txn(), index, hlc, batch);
    long sessions = client == 0 ? sessionCount : recordSession(batch, client, s, entry.seq(), index, SESSION_TXN, TxnCodec.encodeResult(r));
    commit(batch, index, hlc, sessions);
    return r;
  }

  private long admit(long index, long hlcMs) {
    if (index != appliedIndex + 1) throw new IllegalStateException("apply " + index + " after " + appliedIndex);
    if (hlcMs < 0) throw new IllegalArgumentException("hlcMs must be >= 0, got " + hlcMs);
    return Math.max(hlcMs, lastHlcMs + 1);
  }

  private void commit(KvBatch batch, long index, long hlc, long sessions) {
    batch.put(MvccKeys.META_STATE, encodeMeta(index, hlc, horizonIndex, horizonHlcMs, sessions));
    engine.write(batch);
    appliedIndex = index;
    lastHlcMs = hlc;
    sessionCount = sessions;
  }

  private KvStateMachine.Result execute(Command c, long index, long hlc, KvBatch batch) {
    switch (c.kind()) {
      case READ:
        return new KvStateMachine.Result(true, get(c.key()).value());
      case WRITE:
        putVersion(batch, c.key(), index, hlc, c.value());
        return new KvStateMachine.Result(true, null);
      case DELETE:
        if (get(c.key()).exists()) putVersion(batch, c.key(), index, hlc, TOMBSTONE);
        return new KvStateMachine.Result(true, null);
      case CAS:
        Object current = get(c.key()).value();
        if (!Objects.equals(current, c.expected())) return new KvStateMachine.Result(false, current);
        putVersion(batch, c.key(), index, hlc, c.value());
        return new KvStateMachine.Result(true, null);
      default:
        throw new IllegalStateException("unknown kind " + c.kind());
    }
  }

  private TxnResult execute(Txn txn, long index, long hlc, KvBatch batch) {
    if (!skipConflictCheck) {
      for (int i = 0; i < txn.compares().size(); i++) {
        Compare c = txn.compares().get(i);
        long mod = modIndex(c.key());
        if (mod != c.expectedModIndex()) {
          return TxnResult.compareFailed(i, "compare " + i + ": key " + quote(c.key()) + " was last written at index " + mod
              + ", not " + c.expectedModIndex());
        }
      }
    }
    Map<String, Object> written = new LinkedHashMap<>();
    List<TxnResult.Read> reads = new ArrayList<>();
    for (int i = 0; i < txn.ops().size(); i++) {
      Op op = txn.ops().get(i);
      Versioned current;
      if (!written.containsKey(op.key())) current = get(op.key());
      else if (written.get(op.key()) == TOMBSTONE) current = Versioned.ABSENT;
      else current = new Versioned(written.get(op.key()), index, hlc);
      switch (op.kind()) {
        case GET:
          reads.add(new TxnResult.Read(op.key(), current.value(), current.modIndex()));
          break;
        case PUT:
          written.put(op.key(), op.value());
          break;
        case DELETE:
          written.put(op.key(), TOMBSTONE);
          break;
        case APPEND:
          Object list = current.value();
          if (list == null) {
            written.put(op.key(), List.of((Long) op.value()));
          } else if (!(list instanceof List)) {
            return TxnResult.opFailed(i, "op " + i + ": APPEND to key " + quote(op.key()) + ", which holds "
                + (list instanceof Long ? "an integer" : "a string") + ", not a list");
          } else if (((List<?>) list).size() >= Txn.LIST_LENGTH_MAX) {
            return TxnResult.opFailed(i, "op " + i + ": APPEND to key " + quote(op.key()) + ", whose list is full (" + Txn.LIST_LENGTH_MAX + " elements)");
          } else {
            List<Object> longer = new ArrayList<>((List<?>) list);
            longer.add(op.value());
            written.put(op.key(), List.copyOf(longer));
          }
          break;
        default:
          throw new IllegalStateException("unknown op kind " + op.kind());
      }
    }
    for (Map.Entry<String, Object> w : written.entrySet()) {
      if (w.getValue() == TOMBSTONE && !get(w.getKey()).exists()) continue;
      putVersion(batch, w.getKey(), index, hlc, w.getValue());
    }
    return TxnResult.committed(reads);
  }

  private static String quote(String key) {
    return key.length() <= KEY_CHARS_QUOTED_MAX ? '"' + key + '"' : '"' + key.substring(0, KEY_CHARS_QUOTED_MAX) + "...\"";
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The newest version of {@code key}. */
  public Versioned get(String key) {
    Txn.requireKey("key", key);
    return visible(newestAtOrBelow(MvccKeys.versions(key), Long.MAX_VALUE));
  }

  /**
   * {@code key} as of index {@code atIndex}: IllegalArgumentException beyond the applied index,
   * VersionCompactedException below the retention horizon.
   */
  public Versioned get(String key, long atIndex) {
    Txn.requireKey("key", key);
    if (atIndex < 0 || atIndex > appliedIndex) throw new IllegalArgumentException("index " + atIndex + " is not in 0.." + appliedIndex + ", the applied index");
    if (atIndex < horizonIndex) throw new VersionCompactedException("index", atIndex, horizonIndex);
    return visible(newestAtOrBelow(MvccKeys.versions(key), atIndex));
  }

  /**
   * {@code key} as of timestamp {@code hlcMs}, that is after every entry stamped at or before it:
   * IllegalArgumentException after the last applied entry's timestamp (later entries could still
   * change the answer), VersionCompactedException below the retention horizon.
   */
  public Versioned getAtTimestamp(String key, long hlcMs) {
    Txn.requireKey("key", key);
    if (hlcMs > lastHlcMs) throw new IllegalArgumentException("timestamp " + hlcMs + " is after the last applied entry's, " + lastHlcMs);
    if (hlcMs < horizonHlcMs) throw new VersionCompactedException("timestamp", hlcMs, horizonHlcMs);
    byte[] versions = MvccKeys.versions(key);
    Version[] found = {null};
    engine.scan(versions, MvccKeys.end(versions), (k, v) -> {
      Version version = decodeVersion(k, v);
      if (version.hlcMs() > hlcMs) return true;
      found[0] = version;
      return false;
    });
    return visible(found[0]);
  }

  /** The index that wrote {@code key}'s current value; 0 when it has none (never written, or deleted). */
  public long modIndex(String key) { return get(key).modIndex(); }

  /** The last configuration applied, or null when none was. */
  public Membership membership() {
    byte[] m = engine.get(MvccKeys.META_MEMBERSHIP);
    return m == null ? null : Membership.decode(m);
  }

  private Version newestAtOrBelow(byte[] versions, long atIndex) {
    Version[] found = {null};
    engine.scan(MvccKeys.version(versions, atIndex), MvccKeys.end(versions), (k, v) -> {
      found[0] = decodeVersion(k, v);
      return false;
    });
    return found[0];
  }

  private static Versioned visible(Version v) {
    return v == null || v.tombstone() ? Versioned.ABSENT : new Versioned(v.value(), v.index(), v.hlcMs());
  }

  // ---- compaction and digest -----------------------------------------------------------------

  /**
   * Drops what no read at index {@code horizonIndex} or later can see: for every key, the versions
   * older than its newest at or below the horizon, and that one too when it is a deletion. Reads
   * below the horizon fail from then on. The horizon only moves forward; compacting again to the
   * same horizon finishes a compaction a crash cut short.
   */
  public void compact(long horizonIndex) {
    if (horizonIndex > appliedIndex) throw new IllegalArgumentException("horizon " + horizonIndex + " is beyond the applied index " + appliedIndex);
    if (horizonIndex < this.horizonIndex) {
      throw new IllegalArgumentException("horizon " + horizonIndex + " is below the current one, " + this.horizonIndex + ": it only moves forward");
    }
    CompactionPass pass = new CompactionPass(horizonIndex, horizonHlcMs);
    byte[] from = MvccKeys.DATA;
    while (true) {
      KvBatch batch = new KvBatch();
      pass.visited = 0;
      engine.scan(from, MvccKeys.DATA_END, (k, v) -> pass.visit(k, v, batch));
      // The horizon goes in with the first deletions: a read below it never sees a half-compacted key.
      batch.put(MvccKeys.META_STATE, encodeMeta(appliedIndex, lastHlcMs, horizonIndex, pass.horizonHlcMs, sessionCount));
      engine.write(batch);
      this.horizonIndex = horizonIndex;
      this.horizonHlcMs = pass.horizonHlcMs;
      if (pass.visited < COMPACT_CHUNK_RECORDS) return;
      from = MvccKeys.successor(pass.lastKey);
    }
  }

  /**
   * One walk over the versions, newest first within each key. The timestamp horizon is the latest
   * timestamp of any version at or below the index horizon: a read at that timestamp or later sees,
   * for every key, a version no compaction removed.
   */
  private final class CompactionPass {
    final long horizonIndex;
    long horizonHlcMs;
    byte[] versions;
    boolean keptOne;
    int visited;
    byte[] lastKey;

    CompactionPass(long horizonIndex, long horizonHlcMs) {
      this.horizonIndex = horizonIndex;
      this.horizonHlcMs = horizonHlcMs;
    }

    boolean visit(byte[] key, byte[] value, KvBatch batch) {
      byte[] prefix = MvccKeys.versionsOf(key);
      if (!Arrays.equals(prefix, versions)) {
        versions = prefix;
        keptOne = false;
      }
      Version v = decodeVersion(key, value);
      if (v.index() <= horizonIndex) {
        horizonHlcMs = Math.max(horizonHlcMs, v.hlcMs());
        if (keptOne || v.tombstone()) batch.delete(key);
        keptOne = true;
      }
      lastKey = key;
      return ++visited < COMPACT_CHUNK_RECORDS;
    }
  }

  /**
   * A SHA-256 of every record the store holds (versions, sessions, configuration, applied index,
   * clock and horizon), in key order, as hex.
   */
  public String digest() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    engine.scan(new byte[0], new byte[] {(byte) 0xFF}, (k, v) -> {
      sha.update(ByteBuffer.allocate(4).putInt(k.length).array());
      sha.update(k);
      sha.update(ByteBuffer.allocate(4).putInt(v.length).array());
      sha.update(v);
      return true;
    });
    return HexFormat.of().formatHex(sha.digest());
  }

  // ---- records -------------------------------------------------------------------------------

  private void putVersion(KvBatch batch, String key, long index, long hlc, Object value) {
    boolean tombstone = value == TOMBSTONE;
    Object stored = tombstone ? null : value;
    ByteBuffer b = ByteBuffer.allocate(8 + 8 + 1 + Command.valueBytes(stored)).putLong(index).putLong(hlc).put(tombstone ? TOMBSTONE_FLAG : 0);
    Command.putValue(b, stored);
    batch.put(MvccKeys.version(MvccKeys.versions(key), index), b.array());
  }

  private static Version decodeVersion(byte[] key, byte[] value) {
    try {
      ByteBuffer b = ByteBuffer.wrap(value);
      long index = b.getLong();
      long hlc = b.getLong();
      boolean tombstone = (b.get() & TOMBSTONE_FLAG) != 0;
      Object v = Command.getValue(b);
      if (index != MvccKeys.indexOf(key) || b.hasRemaining() || tombstone != (v == null)) {
        throw new IllegalStateException("version record of index " + MvccKeys.indexOf(key) + " holds index " + index + ", tombstone " + tombstone
            + " and " + b.remaining() + " trailing bytes");
      }
      return new Version(index, hlc, tombstone, v);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IllegalStateException("corrupt version record of " + value.length + " bytes: " + e.getMessage(), e);
    }
  }

  private static byte[] encodeMeta(long applied, long hlc, long horizon, long horizonHlc, long sessions) {
    return ByteBuffer.allocate(META_BYTES).put(META_VERSION).putLong(applied).putLong(hlc).putLong(horizon).putLong(horizonHlc).putLong(sessions).array();
  }

  private Session loadSession(long clientId) {
    byte[] v = engine.get(MvccKeys.session(clientId));
    if (v == null) return null;
    ByteBuffer b = ByteBuffer.wrap(v);
    try {
      long seq = b.getLong();
      long lastIndex = b.getLong();
      byte kind = b.get();
      byte[] result = new byte[b.remaining()];
      b.get(result);
      return new Session(seq, lastIndex, kind, result);
    } catch (BufferUnderflowException e) {
      throw new IllegalStateException("corrupt session record of client " + clientId + " (" + v.length + " bytes)", e);
    }
  }

  /** Writes the client's session and evicts the clients applied longest ago beyond the limit; returns the new count. */
  private long recordSession(KvBatch batch, long clientId, Session old, long seq, long index, byte kind, byte[] result) {
    long count = sessionCount;
    if (old != null) batch.delete(MvccKeys.sessionOrder(old.lastIndex()));
    else count++;
    batch.put(MvccKeys.session(clientId),
        ByteBuffer.allocate(8 + 8 + 1 + result.length).putLong(seq).putLong(index).put(kind).put(result).array());
    batch.put(MvccKeys.sessionOrder(index), ByteBuffer.allocate(8).putLong(clientId).array());
    if (count > sessionsMax) {
      long[] excess = {count - sessionsMax};
      engine.scan(MvccKeys.SESSION_ORDER, MvccKeys.SESSION_ORDER_END, (k, v) -> {
        long victim = ByteBuffer.wrap(v).getLong();
        if (victim == clientId) return true;
        batch.delete(k);
        batch.delete(MvccKeys.session(victim));
        return --excess[0] > 0;
      });
      count = sessionsMax + excess[0];
    }
    return count;
  }

  private static byte[] encodeCommandResult(KvStateMachine.Result r) {
    ByteBuffer b = ByteBuffer.allocate(1 + Command.valueBytes(r.value())).put((byte) (r.ok() ? 1 : 0));
    Command.putValue(b, r.value());
    return b.array();
  }

  private static KvStateMachine.Result decodeCommandResult(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    return new KvStateMachine.Result(b.get() != 0, Command.getValue(b));
  }
}
