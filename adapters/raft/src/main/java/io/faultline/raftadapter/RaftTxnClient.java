package io.faultline.raftadapter;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Elle's transactions ({@code f = "txn"}, micro-ops {@code ["r", k, null]}, {@code ["append", k, v]}
 * and {@code ["w", k, v]}) as optimistic transactions on our Raft.
 *
 * <p>Algorithm (optimistic concurrency control [1], with etcd's Txn compares on mod revisions [2]):
 * <ol>
 *   <li>The keys whose reads depend on the store — every key read, except a register the txn wrote
 *       itself before reading it — are read together by one linearizable {@code POST
 *       /api/v1/snapshot-read}: each key's value and {@code mod_index} at one version.
 *   <li>A read-only txn is then done: it took effect at that version, which the node's ReadIndex
 *       barrier places within the txn's own interval.
 *   <li>Otherwise {@code POST /api/v1/txn} carries one compare per key read ({@code mod_index} as
 *       read, 0 for absent) and the writes as ops ({@code append}, {@code w} as {@code put}). The node
 *       applies them only if no key read has changed since, so the txn took effect at its log index,
 *       as if it had read everything there: strict serializability.
 * </ol>
 * A read after the txn's own writes to that key sees them: computed here from the snapshot and the
 * txn's earlier micro-ops, since the node's txn ops return nothing but reads of the store.
 *
 * <p>Outcomes: a read-only txn that could not read is {@code fail}. A txn the node answers {@code
 * compare_failed} or {@code op_failed} applied nothing, and is {@code fail} even after unknown
 * attempts: every attempt carries the same session, and the node answers a retry with the first
 * result. Unknown fates (a timeout, a connection lost mid-request, a 504, an answer we cannot read)
 * are {@code info}: {@link RaftHttpClient#command}.
 *
 * <p>Values: keys are Longs, sent as their decimal strings; a stored list comes back as a list of
 * Longs. An absent key reads {@code []} in a txn that appends and {@code null} otherwise — a
 * read-only txn cannot tell list-append from rw-register, and the list-append checker, as Elle's,
 * reads {@code null} as the empty list.
 *
 * <p>[1] H. T. Kung, J. T. Robinson, "On Optimistic Methods for Concurrency Control", ACM TODS 6(2),
 * 1981. [2] etcd API, "Transaction": compares on {@code mod_revision}.
 */
final class RaftTxnClient {
  private RaftTxnClient() {}

  static final String READ = "r";
  static final String APPEND = "append";
  static final String WRITE = "w";
  static final String SNAPSHOT_READ_PATH = "/api/v1/snapshot-read";
  static final String TXN_PATH = "/api/v1/txn";

  /** The requests a txn needs, as {@link RaftHttpClient} makes them. */
  interface Requests {
    /** A request that changes nothing: any failure is definite. */
    RaftHttpClient.Answer query(String path, Map<String, Object> body);

    /** A request that may change state, under the client's session; {@code unknown} when it may have. */
    RaftHttpClient.Answer command(String path, Map<String, Object> fields);
  }

  private record MicroOp(String f, Long key, Long value) {
    boolean isRead() { return f.equals(READ); }

    String nodeKey() { return Long.toString(key); }
  }

  /** A key as the snapshot read it: its value (null when absent) and the index that wrote it (0 when absent). */
  private record Versioned(Object value, long modIndex) {}

  /** The completion of {@code op}, a {@code txn} invocation. */
  static Op invoke(Op op, Requests requests) {
    List<MicroOp> txn;
    try {
      txn = parse(op.value());
    } catch (IllegalArgumentException e) {
      return op.fail(e.getMessage());
    }
    boolean appends = false;
    boolean writes = false;
    Set<Long> ownRegisters = new HashSet<>();
    Set<Long> readKeys = new LinkedHashSet<>();
    for (MicroOp m : txn) {
      if (m.isRead()) {
        if (!ownRegisters.contains(m.key())) readKeys.add(m.key());
      } else {
        writes = true;
        if (m.f().equals(APPEND)) appends = true;
        else ownRegisters.add(m.key());
      }
    }

    Map<Long, Versioned> snapshot = Map.of();
    if (!readKeys.isEmpty()) {
      RaftHttpClient.Answer a = requests.query(SNAPSHOT_READ_PATH, Map.of("keys", nodeKeys(readKeys)));
      if (!a.isOk()) return op.fail("snapshot-read: " + a.why());
      try {
        snapshot = snapshot(a.get("reads"), readKeys);
      } catch (IllegalArgumentException e) {
        return op.fail("snapshot-read: " + e.getMessage());
      }
    }
    List<Object> completed = complete(txn, snapshot, appends ? List.of() : null);
    if (!writes) return op.ok(completed);

    List<Object> compares = new ArrayList<>();
    for (Long k : readKeys) compares.add(Map.of("key", Long.toString(k), "mod_index", snapshot.get(k).modIndex()));
    List<Object> ops = new ArrayList<>();
    for (MicroOp m : txn) {
      if (m.isRead()) continue;
      ops.add(Map.of("op", m.f().equals(APPEND) ? "append" : "put", "key", m.nodeKey(), "value", m.value()));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("compares", compares);
    body.put("ops", ops);
    RaftHttpClient.Answer a = requests.command(TXN_PATH, body);
    if (!a.isOk()) return a.unknown() ? op.info(a.why()) : op.fail(a.why());
    Object status = a.get("status");
    if ("committed".equals(status)) return op.ok(completed);
    if ("compare_failed".equals(status) || "op_failed".equals(status)) return op.fail(status + ": " + a.get("failure"));
    String why = "txn " + status + ": " + a.get("failure");
    // refused: an older sequence number; this attempt did nothing, an earlier one may have
    if ("refused".equals(status)) return a.unknown() ? op.info(why) : op.fail(why);
    return op.info("unexpected txn reply " + a.body());
  }

  /** The micro-ops of a txn's value; an IllegalArgumentException names the bad one. */
  private static List<MicroOp> parse(Object value) {
    if (!(value instanceof List)) throw new IllegalArgumentException("txn value must be a list of micro-ops, got " + value);
    List<MicroOp> txn = new ArrayList<>();
    for (Object o : (List<?>) value) {
      if (!(o instanceof List) || ((List<?>) o).size() != 3) throw new IllegalArgumentException("a micro-op is [f, k, v], got " + o);
      List<?> m = (List<?>) o;
      Object f = m.get(0);
      if (!(m.get(1) instanceof Long)) throw new IllegalArgumentException("micro-op key must be an integer, got " + o);
      Long key = (Long) m.get(1);
      if (READ.equals(f)) {
        txn.add(new MicroOp(READ, key, null));
      } else if (APPEND.equals(f) || WRITE.equals(f)) {
        if (!(m.get(2) instanceof Long)) throw new IllegalArgumentException("micro-op value must be an integer, got " + o);
        txn.add(new MicroOp((String) f, key, (Long) m.get(2)));
      } else {
        throw new IllegalArgumentException("micro-op must be r, append or w, got " + o);
      }
    }
    return txn;
  }

  private static List<String> nodeKeys(Set<Long> keys) {
    List<String> out = new ArrayList<>();
    for (Long k : keys) out.add(Long.toString(k));
    return out;
  }

  /** The snapshot-read's {@code reads}, by key; every key asked for must be there. */
  private static Map<Long, Versioned> snapshot(Object reads, Set<Long> keys) {
    if (!(reads instanceof List)) throw new IllegalArgumentException("no reads in the reply: " + reads);
    Map<String, Versioned> byNodeKey = new HashMap<>();
    for (Object o : (List<?>) reads) {
      if (!(o instanceof Map)) throw new IllegalArgumentException("a read is not an object: " + o);
      Map<?, ?> read = (Map<?, ?>) o;
      Object modIndex = read.get("mod_index");
      if (!(read.get("key") instanceof String) || !(modIndex instanceof Long) || (Long) modIndex < 0) {
        throw new IllegalArgumentException("a read needs a key and a mod_index >= 0: " + o);
      }
      byNodeKey.put((String) read.get("key"), new Versioned(value(read.get("value")), (Long) modIndex));
    }
    Map<Long, Versioned> out = new HashMap<>();
    for (Long k : keys) {
      Versioned v = byNodeKey.get(Long.toString(k));
      if (v == null) throw new IllegalArgumentException("no read of key " + k + " in the reply: " + reads);
      out.put(k, v);
    }
    return out;
  }

  /** A value as the history holds it: a list as an unmodifiable list, the rest as it is. */
  private static Object value(Object v) {
    return v instanceof List ? Collections.unmodifiableList(new ArrayList<>((List<?>) v)) : v;
  }

  /**
   * The txn's micro-ops with each read filled in: the snapshot's value as the txn's own earlier
   * appends and writes left it, {@code absent} for a key that holds nothing.
   */
  private static List<Object> complete(List<MicroOp> txn, Map<Long, Versioned> snapshot, Object absent) {
    Map<Long, Object> current = new HashMap<>();
    for (Map.Entry<Long, Versioned> e : snapshot.entrySet()) current.put(e.getKey(), e.getValue().value());
    List<Object> out = new ArrayList<>(txn.size());
    for (MicroOp m : txn) {
      switch (m.f()) {
        case READ: {
          Object v = current.get(m.key());
          out.add(microOp(READ, m.key(), v == null ? absent : v));
          continue;
        }
        case APPEND: {
          Object before = current.get(m.key());
          List<Object> list = before instanceof List ? new ArrayList<>((List<?>) before) : new ArrayList<>();
          list.add(m.value());
          current.put(m.key(), Collections.unmodifiableList(list));
          break;
        }
        default:
          current.put(m.key(), m.value());
      }
      out.add(microOp(m.f(), m.key(), m.value()));
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code [f, k, v]}; v may be null, so not {@code List.of}. */
  private static List<Object> microOp(String f, Long key, Object value) {
    return Collections.unmodifiableList(Arrays.asList(f, key, value));
  }
}
