package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transactions of a history in flat primitive arrays: one entry per client {@code txn}
 * invocation, its outcome, and its micro-ops ({@code [append k v]}, {@code [r k v]}, {@code [w k v]})
 * flattened into mop arrays, keys interned to ints.
 *
 * <p>An ok txn's micro-ops come from its completion (reads filled in); an info or fail txn's from its
 * invocation. Values are normalised as {@link Models#normalise} does (Long or String).
 */
final class Txns {
  static final byte OK = 0;
  static final byte INFO = 1;
  static final byte FAIL = 2;

  /** Longer lists are shown as their head and tail in explanations. */
  static final int SHOWN_ELEMENTS_MAX = 12;

  static final byte APPEND = 0;
  static final byte READ = 1;
  static final byte WRITE = 2;

  final History history;
  final int count;
  final int[] invokePos;
  final int[] completePos;
  final int[] process;
  final byte[] status;
  /** Mops of txn t are {@code mopStart[t] .. mopStart[t+1]-1}. */
  final int[] mopStart;
  final byte[] mopF;
  final int[] mopKey;
  final Object[] mopValue;
  final Object[] keys;
  final int ignoredOps;

  private Txns(History history, int count, int[] invokePos, int[] completePos, int[] process, byte[] status,
      int[] mopStart, byte[] mopF, int[] mopKey, Object[] mopValue, Object[] keys, int ignoredOps) {
    this.history = history;
    this.count = count;
    this.invokePos = invokePos;
    this.completePos = completePos;
    this.process = process;
    this.status = status;
    this.mopStart = mopStart;
    this.mopF = mopF;
    this.mopKey = mopKey;
    this.mopValue = mopValue;
    this.keys = keys;
    this.ignoredOps = ignoredOps;
  }

  /**
   * Reads the txns of a history.
   *
   * @param allowed the micro-op functions this workload may use, e.g. {@code append} and {@code r}
   * @throws IllegalArgumentException naming the op, for a value that is not a list of {@code [f k v]}
   *     micro-ops of the allowed kinds
   */
  static Txns parse(History history, List<String> allowed) {
    int n = 0;
    int ignored = 0;
    for (Op op : history.ops()) {
      if (op.isClient() && op.isInvoke()) {
        if (op.f().equals("txn")) n++;
        else ignored++;
      }
    }
    int[] invokePos = new int[n];
    int[] completePos = new int[n];
    int[] process = new int[n];
    byte[] status = new byte[n];
    int[] mopStart = new int[n + 1];
    int mopCapacity = Math.max(16, n * 3);
    byte[] mopF = new byte[mopCapacity];
    int[] mopKey = new int[mopCapacity];
    Object[] mopValue = new Object[mopCapacity];
    Map<Object, Integer> keyIds = new HashMap<>();
    List<Object> keys = new ArrayList<>();
    int t = 0;
    int m = 0;
    for (int p = 0; p < history.size(); p++) {
      Op op = history.get(p);
      if (!op.isClient() || !op.isInvoke() || !op.f().equals("txn")) continue;
      int c = history.completionOf(p);
      OpType outcome = history.outcomeOf(p);
      invokePos[t] = p;
      completePos[t] = c;
      process[t] = op.process();
      status[t] = outcome == OpType.OK ? OK : outcome == OpType.FAIL ? FAIL : INFO;
      Op source = outcome == OpType.OK ? history.get(c) : op;
      if (!(source.value() instanceof List)) {
        throw new IllegalArgumentException("op " + source.index() + ": a txn's value must be a list of micro-ops, got "
            + show(source.value()));
      }
      mopStart[t] = m;
      for (Object mopObject : (List<?>) source.value()) {
        if (!(mopObject instanceof List) || ((List<?>) mopObject).size() != 3) {
          throw new IllegalArgumentException("op " + source.index() + ": a micro-op must be [f key value], got "
              + show(mopObject));
        }
        List<?> mop = (List<?>) mopObject;
        Object f = mop.get(0);
        byte kind;
        if ("append".equals(f)) kind = APPEND;
        else if ("r".equals(f)) kind = READ;
        else if ("w".equals(f)) kind = WRITE;
        else kind = -1;
        if (kind < 0 || !allowed.contains((String) f)) {
          throw new IllegalArgumentException("op " + source.index() + ": unexpected micro-op " + show(mop)
              + "; this checker knows " + allowed);
        }
        Object key = Models.normalise(mop.get(1));
        if (key == null) throw new IllegalArgumentException("op " + source.index() + ": micro-op with a nil key: " + show(mop));
        if (m == mopF.length) {
          int grown = mopF.length * 2;
          mopF = Arrays.copyOf(mopF, grown);
          mopKey = Arrays.copyOf(mopKey, grown);
          mopValue = Arrays.copyOf(mopValue, grown);
        }
        Integer id = keyIds.get(key);
        if (id == null) {
          id = keys.size();
          keyIds.put(key, id);
          keys.add(key);
        }
        mopF[m] = kind;
        mopKey[m] = id;
        mopValue[m] = normalise(mop.get(2));
        m++;
      }
      t++;
    }
    mopStart[n] = m;
    return new Txns(history, n, invokePos, completePos, process, status, mopStart, mopF, mopKey, mopValue,
        keys.toArray(), ignored);
  }

  /** Normalises a value, keeping lists that need no change (the common case) without copying. */
  private static Object normalise(Object v) {
    if (v == null || v instanceof Long || v instanceof String) return v;
    if (v instanceof List) {
      for (Object o : (List<?>) v) {
        if (!(o == null || o instanceof Long || o instanceof String)) return Models.normalise(v);
      }
      return v;
    }
    return Models.normalise(v);
  }

  boolean isOk(int t) { return status[t] == OK; }
  boolean isFail(int t) { return status[t] == FAIL; }

  /** The op index naming txn t: its completion's, or its invocation's when it never completed. */
  long opIndex(int t) {
    int p = completePos[t] >= 0 ? completePos[t] : invokePos[t];
    return history.get(p).index();
  }

  int keyCount() { return keys.length; }

  /** {@code {op 12, process 3: [append x 3] [r y [1]]}}, with the outcome when it is not ok. */
  String describe(int t) {
    StringBuilder sb = new StringBuilder("{op ").append(opIndex(t)).append(", process ").append(process[t]);
    if (status[t] == INFO) sb.append(", outcome unknown");
    if (status[t] == FAIL) sb.append(", failed");
    sb.append(':');
    for (int m = mopStart[t]; m < mopStart[t + 1]; m++) sb.append(' ').append(describeMop(m));
    return sb.append('}').toString();
  }

  String describeMop(int m) {
    String f = mopF[m] == APPEND ? "append" : mopF[m] == READ ? "r" : "w";
    Object v = mopValue[m];
    return "[" + f + " " + show(keys[mopKey[m]]) + " " + (v instanceof List ? showList((List<?>) v) : show(v)) + "]";
  }

  String key(int keyId) { return show(keys[keyId]); }

  /** A list for an explanation: whole when short, else its head and its tail. */
  static String showList(List<?> v) {
    if (v.size() <= SHOWN_ELEMENTS_MAX) return show(v);
    return show(v.subList(0, 3)).replace("]", " ...") + " " + show(v.subList(v.size() - 6, v.size())).substring(1)
        + " (" + v.size() + " elements)";
  }

  static String show(Object v) {
    if (v == null) return "nil";
    if (v instanceof List) {
      StringBuilder sb = new StringBuilder("[");
      for (Object o : (List<?>) v) sb.append(sb.length() > 1 ? " " : "").append(show(o));
      return sb.append(']').toString();
    }
    return String.valueOf(v);
  }
}
