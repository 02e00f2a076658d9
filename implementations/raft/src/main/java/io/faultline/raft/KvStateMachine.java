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

  public KvStateMachine(int sessionsMax) {
    if (sessionsMax < 1) throw new IllegalArgumentException("sessionsMax must be >= 1, got " + sessionsMax);
    this.sessionsMax = sessionsMax;
  }

  public long appliedIndex() { return appliedIndex; }

  public Object read(String key) { return data.get(key); }

  public Map<String, Object> contents() { return java.util.Collections.unmodifiableMap(data); }

  /** Applies the entry at {@code index}; a no-op entry returns null. */
  public Result apply(long index, byte[] entryData) {
    if (index != appliedIndex + 1) throw new IllegalStateException("apply " + index + " after " + appliedIndex);
    appliedIndex = index;
    if (entryData.length == 0) return null;
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
