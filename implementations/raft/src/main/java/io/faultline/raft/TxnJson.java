package io.faultline.raft;

import io.faultline.raft.mvcc.Compare;
import io.faultline.raft.mvcc.Op;
import io.faultline.raft.mvcc.Txn;
import io.faultline.raft.mvcc.TxnResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP API's transactions in JSON, both ways:
 *
 * <pre>
 *   {"client_id":1,"seq":7,
 *    "compares":[{"key":"x","mod_index":12}],
 *    "ops":[{"op":"get","key":"x"},{"op":"put","key":"y","value":5},{"op":"delete","key":"z"},{"op":"append","key":"l","value":3}]}
 *   → {"ok":true,"status":"committed","succeeded":true,"reads":[{"key":"x","value":[1,2],"mod_index":12}]}
 * </pre>
 *
 * {@code mod_index} 0 means the key must be absent. A value is null, an integer, a string or a list
 * of integers. Bad input is an IllegalArgumentException naming the field (a 400).
 */
final class TxnJson {
  private TxnJson() {}

  static Txn txn(Map<String, Object> body) {
    List<Compare> compares = new ArrayList<>();
    int i = 0;
    for (Map<String, Object> c : objects(body.get("compares"), "compares", false)) {
      String where = "compares[" + i++ + "]";
      compares.add(new Compare(key(c.get("key"), where + ".key"), nonNegative(c.get("mod_index"), where + ".mod_index")));
    }
    List<Op> ops = new ArrayList<>();
    i = 0;
    for (Map<String, Object> o : objects(body.get("ops"), "ops", true)) {
      String where = "ops[" + i++ + "]";
      String key = key(o.get("key"), where + ".key");
      Object kind = o.get("op");
      if (!(kind instanceof String)) throw new IllegalArgumentException(where + ".op must be get, put, delete or append, got " + kind);
      switch (((String) kind).toLowerCase(Locale.ROOT)) {
        case "get":
          ops.add(Op.get(key));
          break;
        case "put":
          ops.add(Op.put(key, putValue(o.get("value"), where + ".value")));
          break;
        case "delete":
          ops.add(Op.delete(key));
          break;
        case "append":
          if (!(o.get("value") instanceof Long)) throw new IllegalArgumentException(where + ".value of an append must be an integer, got " + o.get("value"));
          ops.add(Op.append(key, (Long) o.get("value")));
          break;
        default:
          throw new IllegalArgumentException(where + ".op must be get, put, delete or append, got '" + kind + "'");
      }
    }
    try {
      return new Txn(compares, ops);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("txn: " + e.getMessage(), e);
    }
  }

  /** The keys of a read: a non-empty array of keys (strings, or integers as their decimal form). */
  static List<String> keys(Object v) {
    if (!(v instanceof List) || ((List<?>) v).isEmpty()) throw new IllegalArgumentException("keys must be a non-empty array of keys, got " + v);
    List<String> keys = new ArrayList<>();
    int i = 0;
    for (Object k : (List<?>) v) keys.add(key(k, "keys[" + i++ + "]"));
    return keys;
  }

  static long nonNegative(Object v, String field) {
    if (!(v instanceof Long) || (Long) v < 0) throw new IllegalArgumentException(field + " must be an integer >= 0, got " + v);
    return (Long) v;
  }

  static Map<String, Object> result(TxnResult r) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("status", r.status().name().toLowerCase(Locale.ROOT));
    b.put("succeeded", r.succeeded());
    if (!r.succeeded()) {
      b.put("failed_at", r.failedAt());
      b.put("failure", r.failure());
    }
    b.put("reads", reads(r.reads()));
    return b;
  }

  static List<Object> reads(List<TxnResult.Read> reads) {
    List<Object> out = new ArrayList<>();
    for (TxnResult.Read read : reads) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", read.key());
      m.put("value", value(read.value()));
      m.put("mod_index", read.modIndex());
      out.add(m);
    }
    return out;
  }

  /** A stored value as JSON writes it: lists stay lists, the rest as it is. */
  static Object value(Object v) { return v; }

  private static List<Map<String, Object>> objects(Object v, String field, boolean required) {
    if (v == null && !required) return List.of();
    if (!(v instanceof List) || (required && ((List<?>) v).isEmpty())) {
      throw new IllegalArgumentException(field + " must be " + (required ? "a non-empty" : "an") + " array of objects, got " + v);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    int i = 0;
    for (Object o : (List<?>) v) {
      if (!(o instanceof Map)) throw new IllegalArgumentException(field + "[" + i + "] must be an object, got " + o);
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(m);
      i++;
    }
    return out;
  }

  private static String key(Object v, String field) {
    if (v instanceof Long) return Long.toString((Long) v);
    if (!(v instanceof String) || ((String) v).isEmpty()) throw new IllegalArgumentException(field + " must be a non-empty string or an integer, got " + v);
    return (String) v;
  }

  private static Object putValue(Object v, String field) {
    if (v instanceof Long || v instanceof String) return v;
    if (v instanceof List) {
      List<Long> list = new ArrayList<>();
      for (Object e : (List<?>) v) {
        if (!(e instanceof Long)) throw new IllegalArgumentException(field + " must be an integer, a string or a list of integers, got " + v);
        list.add((Long) e);
      }
      return List.copyOf(list);
    }
    throw new IllegalArgumentException(field + " must be an integer, a string or a list of integers, got " + v);
  }
}
