package io.faultline.raft.mvcc;

import io.faultline.raft.Command;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One operation of a {@link Txn}. {@code value}: PUT's new value (a Long, a String or a List of
 * Longs); APPEND's element (a Long); null for GET and DELETE.
 */
public record Op(Kind kind, String key, Object value) {
  public enum Kind { GET, PUT, DELETE, APPEND }

  public Op {
    if (kind == null) throw new IllegalArgumentException("op kind is required");
    Txn.requireKey("op key", key);
    switch (kind) {
      case GET:
      case DELETE:
        if (value != null) throw new IllegalArgumentException(kind + " takes no value, got " + value);
        break;
      case APPEND:
        if (!(value instanceof Long)) throw new IllegalArgumentException("APPEND needs an integer element, got " + describe(value));
        break;
      case PUT:
        value = requirePutValue(value);
        break;
      default:
        throw new IllegalArgumentException("unknown op kind " + kind);
    }
  }

  public static Op get(String key) { return new Op(Kind.GET, key, null); }

  public static Op put(String key, Object value) { return new Op(Kind.PUT, key, value); }

  public static Op delete(String key) { return new Op(Kind.DELETE, key, null); }

  public static Op append(String key, long element) { return new Op(Kind.APPEND, key, element); }

  private static Object requirePutValue(Object v) {
    if (v instanceof Long) return v;
    if (v instanceof String) {
      int bytes = ((String) v).getBytes(StandardCharsets.UTF_8).length;
      if (bytes > Txn.VALUE_BYTES_MAX) throw new IllegalArgumentException("PUT value of " + bytes + " bytes, more than " + Txn.VALUE_BYTES_MAX);
      return v;
    }
    if (v instanceof List) {
      List<?> list = (List<?>) v;
      if (list.size() > Txn.LIST_LENGTH_MAX) {
        throw new IllegalArgumentException("PUT list of " + list.size() + " elements, more than " + Txn.LIST_LENGTH_MAX);
      }
      Long[] elements = new Long[list.size()];
      for (int i = 0; i < elements.length; i++) {
        Object e = list.get(i);
        if (!(e instanceof Long)) throw new IllegalArgumentException("PUT list element " + i + " must be an integer, got " + describe(e));
        elements[i] = (Long) e;
      }
      return List.of(elements);
    }
    throw new IllegalArgumentException("PUT needs an integer, a string or a list of integers, got " + describe(v));
  }

  private static String describe(Object v) { return v == null ? "null" : v.getClass().getSimpleName(); }

  /** Bytes this op adds to an encoded txn, for {@link Txn#BYTES_MAX}. */
  int encodedBytes() {
    return 1 + 2 + key.getBytes(StandardCharsets.UTF_8).length + Command.valueBytes(value);
  }
}
