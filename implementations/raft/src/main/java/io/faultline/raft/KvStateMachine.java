package io.faultline.raft;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The replicated key-value map, with the client session table as part of its state (Ratis' retry
 * cache, but replicated): the last sequence number and result of each client, so a retried command
 * returns the first result instead of applying twice. The table keeps at most {@code sessionsMax}
 * clients, evicting the one applied longest ago — deterministically, since eviction follows the log.
 */
public final class KvStateMachine {
  /** A command's outcome: {@code ok} false only for a failed CAS; {@code value} a read's or CAS's current value (a Long or a String). */
  public record Result(boolean ok, Object value) {}

  private record Session(long seq, Result result) {}

  private final int sessionsMax;
  private final TreeMap<String, Object> data = new TreeMap<>();
  private final LinkedHashMap<Long, Session> sessions = new LinkedHashMap<>();
  private long appliedIndex;
  /** The last configuration entry applied (its data), empty when none: part of the state, so a snapshot carries it. */
  private byte[] membership = new byte[0];

  public KvStateMachine(int sessionsMax) {
    if (sessionsMax < 1) throw new IllegalArgumentException("sessionsMax must be >= 1, got " + sessionsMax);
    this.sessionsMax = sessionsMax;
  }

  public long appliedIndex() { return appliedIndex; }

  public Object read(String key) { return data.get(key); }

  public Map<String, Object> contents() { return java.util.Collections.unmodifiableMap(data); }

  /** Applies the entry at {@code index}; a no-op or configuration entry returns null. */
  public Result apply(long index, byte[] entryData) {
    if (index != appliedIndex + 1) throw new IllegalStateException("apply " + index + " after " + appliedIndex);
    appliedIndex = index;
    if (entryData.length == 0) return null;
    if (Membership.isEntry(entryData)) {
      membership = entryData.clone();
      return null;
    }
    Command c = Command.decode(entryData);
    if (c.clientId() != 0) {
      Session s = sessions.get(c.clientId());
      if (s != null && c.seq() <= s.seq()) return c.seq() == s.seq() ? s.result() : new Result(false, null);
    }
    Result r = execute(c);
    if (c.clientId() != 0) {
      sessions.remove(c.clientId());
      sessions.put(c.clientId(), new Session(c.seq(), r));
      if (sessions.size() > sessionsMax) {
        Iterator<Long> eldest = sessions.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    return r;
  }

  /**
   * The whole state, deterministically: applied index, the data in key order, the sessions in
   * eviction order (oldest first), then the last configuration applied (length and entry data) when
   * there is one. Copied on the event thread; the caller writes it in the background.
   */
  public byte[] snapshotState() {
    int size = 8 + 4 + 4 + (membership.length == 0 ? 0 : 4 + membership.length);
    for (Map.Entry<String, Object> e : data.entrySet()) size += 4 + utf8(e.getKey()).length + Command.valueBytes(e.getValue());
    for (Session s : sessions.values()) size += 8 + 8 + 1 + Command.valueBytes(s.result().value());
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size).putLong(appliedIndex).putInt(data.size());
    for (Map.Entry<String, Object> e : data.entrySet()) {
      byte[] k = utf8(e.getKey());
      b.putInt(k.length).put(k);
      Command.putValue(b, e.getValue());
    }
    b.putInt(sessions.size());
    for (Map.Entry<Long, Session> e : sessions.entrySet()) {
      b.putLong(e.getKey()).putLong(e.getValue().seq()).put((byte) (e.getValue().result().ok() ? 1 : 0));
      Command.putValue(b, e.getValue().result().value());
    }
    if (membership.length > 0) b.putInt(membership.length).put(membership);
    return b.array();
  }

  /** Replaces the whole state with a {@link #snapshotState()}; IllegalArgumentException when it does not parse. */
  public void restore(byte[] state) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(state);
    long index = b.getLong();
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("bad key count " + n);
    TreeMap<String, Object> d = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      int len = b.getInt();
      if (len < 0 || len > b.remaining()) throw new IllegalArgumentException("bad key length " + len);
      byte[] k = new byte[len];
      b.get(k);
      d.put(new String(k, java.nio.charset.StandardCharsets.UTF_8), Command.getValue(b));
    }
    int m = b.getInt();
    if (m < 0 || m > b.remaining()) throw new IllegalArgumentException("bad session count " + m);
    LinkedHashMap<Long, Session> ss = new LinkedHashMap<>();
    for (int i = 0; i < m; i++) {
      long client = b.getLong();
      long seq = b.getLong();
      boolean ok = b.get() != 0;
      ss.put(client, new Session(seq, new Result(ok, Command.getValue(b))));
    }
    byte[] config = new byte[0];
    if (b.hasRemaining()) {
      int len = b.getInt();
      if (len < 1 || len > b.remaining()) throw new IllegalArgumentException("bad configuration length " + len);
      config = new byte[len];
      b.get(config);
      Membership.decode(config);
    }
    if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in snapshot state");
    membership = config;
    data.clear();
    data.putAll(d);
    sessions.clear();
    sessions.putAll(ss);
    appliedIndex = index;
  }

  /** The last configuration applied, or null when none was. */
  public Membership membership() { return membership.length == 0 ? null : Membership.decode(membership); }

  /** The configuration inside a {@link #snapshotState()}; null when it holds none or does not parse. */
  static Membership membershipIn(byte[] state) {
    KvStateMachine m = new KvStateMachine(1);
    try {
      m.restore(state);
    } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
      return null;
    }
    return m.membership();
  }

  /** The state of a machine that applied nothing, claiming index {@code index} (only the planted bug raft.truncate-committed sends it). */
  static byte[] emptyState(long index) {
    return java.nio.ByteBuffer.allocate(16).putLong(index).putInt(0).putInt(0).array();
  }

  private static byte[] utf8(String s) { return s.getBytes(java.nio.charset.StandardCharsets.UTF_8); }

  private Result execute(Command c) {
    switch (c.kind()) {
      case READ:
        return new Result(true, data.get(c.key()));
      case WRITE:
        data.put(c.key(), c.value());
        return new Result(true, null);
      case DELETE:
        data.remove(c.key());
        return new Result(true, null);
      case CAS:
        Object current = data.get(c.key());
        if (!Objects.equals(current, c.expected())) return new Result(false, current);
        data.put(c.key(), c.value());
        return new Result(true, null);
      default:
        throw new IllegalStateException("unknown kind " + c.kind());
    }
  }
}
