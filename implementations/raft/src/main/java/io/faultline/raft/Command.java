package io.faultline.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A key-value command with its client session: {@code clientId} (0 = no session) and {@code seq}, the
 * client's sequence number; a retry reuses both, so it applies once.
 *
 * <p>Keys are strings ({@code "user:123"}) of at most {@link #KEY_BYTES_MAX} UTF-8 bytes; a value is
 * an integer ({@link Long}) or a string of at most {@link #VALUE_BYTES_MAX} bytes, and reads back as
 * what was written, so the register workload's integers and the seed's string values both work.
 *
 * @param value    WRITE and CAS: the new value; null for READ and DELETE
 * @param expected CAS: the value the key must hold, null meaning absent
 */
public record Command(Kind kind, long clientId, long seq, String key, Object value, Object expected) {
  public enum Kind { READ, WRITE, CAS, DELETE }

  public static final int KEY_BYTES_MAX = 1_024;
  public static final int VALUE_BYTES_MAX = 64 << 10;
  /** Elements in a list value (the MVCC store's APPEND): 4,096 longs, 32 KiB, well under {@link #VALUE_BYTES_MAX}. */
  public static final int LIST_LENGTH_MAX = 4_096;
  static final byte NONE = 0;
  static final byte INTEGER = 1;
  static final byte STRING = 2;
  static final byte LIST = 3;

  public Command {
    if (kind == null) throw new IllegalArgumentException("kind is required");
    if (key == null || key.isEmpty()) throw new IllegalArgumentException("key must be a non-empty string");
    if (key.getBytes(StandardCharsets.UTF_8).length > KEY_BYTES_MAX) throw new IllegalArgumentException("key longer than " + KEY_BYTES_MAX + " bytes");
    requireValue("value", value);
    requireValue("expected", expected);
    if ((kind == Kind.WRITE || kind == Kind.CAS) && value == null) throw new IllegalArgumentException(kind + " needs a value");
  }

  /** The integer form, as the register workload and the simulator use it: key {@code k} is {@code "k"}. */
  public Command(Kind kind, long clientId, long seq, long key, long value, Long expected) {
    this(kind, clientId, seq, Long.toString(key), kind == Kind.WRITE || kind == Kind.CAS ? (Object) value : null, expected);
  }

  private static void requireValue(String field, Object v) {
    if (v == null || v instanceof Long) return;
    if (!(v instanceof String)) throw new IllegalArgumentException(field + " must be an integer or a string, got " + v.getClass().getSimpleName());
    if (((String) v).getBytes(StandardCharsets.UTF_8).length > VALUE_BYTES_MAX) {
      throw new IllegalArgumentException(field + " longer than " + VALUE_BYTES_MAX + " bytes");
    }
  }

  public byte[] encode() {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 2 + k.length + valueBytes(value) + valueBytes(expected));
    b.put((byte) kind.ordinal()).putLong(clientId).putLong(seq).putShort((short) k.length).put(k);
    putValue(b, value);
    putValue(b, expected);
    return b.array();
  }

  public static Command decode(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      int k = b.get();
      if (k < 0 || k >= Kind.values().length) throw new IllegalArgumentException("unknown command kind " + k);
      long clientId = b.getLong();
      long seq = b.getLong();
      int keyLength = b.getShort() & 0xffff;
      if (keyLength > b.remaining()) throw new IllegalArgumentException("key length " + keyLength + " beyond the command");
      byte[] key = new byte[keyLength];
      b.get(key);
      Object value = getValue(b);
      Object expected = getValue(b);
      if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in a command");
      return new Command(Kind.values()[k], clientId, seq, new String(key, StandardCharsets.UTF_8), value, expected);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("command of " + data.length + " bytes is cut short", e);
    }
  }

  /**
   * Bytes of a tagged value: a tag, then 8 bytes of integer, a length and UTF-8, or (a list of
   * integers, which only the MVCC store's transactions write) a count and 8 bytes per element.
   */
  public static int valueBytes(Object v) {
    if (v == null) return 1;
    if (v instanceof Long) return 1 + 8;
    if (v instanceof List) return 1 + 4 + 8 * ((List<?>) v).size();
    return 1 + 4 + ((String) v).getBytes(StandardCharsets.UTF_8).length;
  }

  /** Writes a tagged value: null, a Long, a String or a List of Longs (ClassCastException for anything else). */
  public static void putValue(ByteBuffer b, Object v) {
    if (v == null) {
      b.put(NONE);
    } else if (v instanceof Long) {
      b.put(INTEGER).putLong((Long) v);
    } else if (v instanceof List) {
      List<?> list = (List<?>) v;
      if (list.size() > LIST_LENGTH_MAX) throw new IllegalArgumentException("list of " + list.size() + " elements, more than " + LIST_LENGTH_MAX);
      b.put(LIST).putInt(list.size());
      for (Object e : list) b.putLong((Long) e);
    } else {
      byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
      b.put(STRING).putInt(s.length).put(s);
    }
  }

  /** Steps over a tagged value without building it; IllegalArgumentException for a bad tag or length. */
  public static void skipValue(ByteBuffer b) {
    byte tag = b.get();
    switch (tag) {
      case NONE: return;
      case INTEGER: b.position(b.position() + 8); return;
      case STRING: {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() || n > VALUE_BYTES_MAX) throw new IllegalArgumentException("bad string length " + n);
        b.position(b.position() + n);
        return;
      }
      case LIST: {
        int n = b.getInt();
        if (n < 0 || n > LIST_LENGTH_MAX || 8L * n > b.remaining()) throw new IllegalArgumentException("bad list length " + n);
        b.position(b.position() + 8 * n);
        return;
      }
      default: throw new IllegalArgumentException("unknown value tag " + tag);
    }
  }

  /** Reads a tagged value; a list reads back unmodifiable. IllegalArgumentException for a bad tag or length. */
  public static Object getValue(ByteBuffer b) {
    byte tag = b.get();
    switch (tag) {
      case NONE: return null;
      case INTEGER: return b.getLong();
      case STRING: {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() || n > VALUE_BYTES_MAX) throw new IllegalArgumentException("bad string length " + n);
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
      }
      case LIST: {
        int n = b.getInt();
        if (n < 0 || n > LIST_LENGTH_MAX || 8L * n > b.remaining()) throw new IllegalArgumentException("bad list length " + n);
        Long[] elements = new Long[n];
        for (int i = 0; i < n; i++) elements[i] = b.getLong();
        return List.of(elements);
      }
      default: throw new IllegalArgumentException("unknown value tag " + tag);
    }
  }
}
