package io.faultline.checkers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Elle's list-append inference ({@code elle.list-append}) over a {@link Txns}: the version order of
 * each key from its longest read, the ww, wr and rw edges it implies, and the anomalies visible
 * without a cycle search.
 *
 * <p>Which reads count: every read of an ok txn orders versions and is checked for G1a, G1b,
 * garbage and duplicates; only a txn's external reads (its first read of a key, before it appends to
 * it) give wr and rw edges. Failed txns are no nodes of the graph; info txns are, through their
 * appends. An append no read observed comes, if its txn committed (ok), after every element read.
 */
final class ListAppendAnalysis implements TxnJudge.EdgeExplainer {
  private final Txns txns;
  final TxnGraph graph;
  final List<TxnJudge.Finding> findings = new ArrayList<>();
  private final Map<String, Integer> explained = new HashMap<>();

  private final int[] mopTxn;
  private final List<Map<Object, Integer>> appendIds = new ArrayList<>();
  private final IntList appendTxn = new IntList(1024);
  private final IntList appendMop = new IntList(1024);
  private int[] appendPos;
  private boolean[] appendFinal;
  private final int[] longestMop;
  private final boolean[] incompatible;

  ListAppendAnalysis(Txns txns) {
    this.txns = txns;
    this.graph = new TxnGraph(txns.count);
    int keys = txns.keyCount();
    mopTxn = new int[txns.mopStart[txns.count]];
    for (int t = 0; t < txns.count; t++) Arrays.fill(mopTxn, txns.mopStart[t], txns.mopStart[t + 1], t);
    for (int k = 0; k < keys; k++) appendIds.add(new HashMap<>());
    longestMop = new int[keys];
    Arrays.fill(longestMop, -1);
    incompatible = new boolean[keys];
    indexAppends();
    orderVersions();
    scanReads();
    addEdges();
    internalAndFutureReads();
  }

  private void indexAppends() {
    for (int t = 0; t < txns.count; t++) {
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        if (txns.mopF[m] != Txns.APPEND) continue;
        Map<Object, Integer> ids = appendIds.get(txns.mopKey[m]);
        Integer before = ids.putIfAbsent(txns.mopValue[m], appendTxn.size());
        if (before != null) {
          throw new IllegalArgumentException("duplicate-appends: " + Txns.show(txns.mopValue[m]) + " is appended to key "
              + txns.key(txns.mopKey[m]) + " by op " + txns.opIndex(appendTxn.get(before)) + " and op " + txns.opIndex(t)
              + "; list-append needs unique values per key");
        }
        appendTxn.add(t);
        appendMop.add(m);
      }
    }
    int n = appendTxn.size();
    appendPos = new int[n];
    Arrays.fill(appendPos, -1);
    appendFinal = new boolean[n];
    for (int a = 0; a < n; a++) {
      int m = appendMop.get(a);
      boolean last = true;
      for (int later = m + 1; later < txns.mopStart[appendTxn.get(a) + 1] && last; later++) {
        last = !(txns.mopF[later] == Txns.APPEND && txns.mopKey[later] == txns.mopKey[m]);
      }
      appendFinal[a] = last;
    }
  }

  private List<?> readValue(int m) {
    Object v = txns.mopValue[m];
    if (v == null) return List.of();
    if (!(v instanceof List)) {
      throw new IllegalArgumentException("op " + txns.opIndex(mopTxn[m]) + ": a list-append read must return a list, got "
          + txns.describeMop(m));
    }
    return (List<?>) v;
  }

  private boolean isOkRead(int m) { return txns.mopF[m] == Txns.READ && txns.isOk(mopTxn[m]); }

  /** The longest read of each key gives its version order, if it has no duplicates. */
  private void orderVersions() {
    for (int m = 0; m < mopTxn.length; m++) {
      if (!isOkRead(m)) continue;
      int k = txns.mopKey[m];
      if (longestMop[k] < 0 || readValue(m).size() > readValue(longestMop[k]).size()) longestMop[k] = m;
    }
    for (int k = 0; k < longestMop.length; k++) {
      if (longestMop[k] < 0) continue;
      List<?> longest = readValue(longestMop[k]);
      if (hasDuplicates(longest)) {
        incompatible[k] = true;
        continue;
      }
      for (int i = 0; i < longest.size(); i++) {
        Integer a = appendIds.get(k).get(longest.get(i));
        if (a != null) appendPos[a] = i;
      }
    }
  }

  private static boolean hasDuplicates(List<?> list) {
    if (list.size() < 2) return false;
    Set<Object> seen = new HashSet<>(list.size() * 2);
    for (Object o : list) if (!seen.add(o)) return true;
    return false;
  }

  private static boolean isPrefix(List<?> shorter, List<?> longer) {
    if (shorter == longer) return true;
    if (shorter.size() > longer.size()) return false;
    for (int i = 0; i < shorter.size(); i++) if (!java.util.Objects.equals(shorter.get(i), longer.get(i))) return false;
    return true;
  }

  private void scanReads() {
    boolean[] prefix = new boolean[mopTxn.length];
    boolean[] reported = new boolean[longestMop.length];
    for (int m = 0; m < mopTxn.length; m++) {
      if (!isOkRead(m)) continue;
      int k = txns.mopKey[m];
      List<?> v = readValue(m);
      prefix[m] = !incompatible[k] && isPrefix(v, readValue(longestMop[k]));
      if (!prefix[m] && !hasDuplicates(v) && !reported[k] && !hasDuplicates(readValue(longestMop[k]))) {
        reported[k] = true;
        int other = longestMop[k];
        add("incompatible-order", new int[] {mopTxn[m], mopTxn[other]}, full("incompatible-order") ? null
            : "Let T1 = " + txns.describe(mopTxn[m])
            + " and T2 = " + txns.describe(mopTxn[other]) + ". T1 read " + txns.key(k) + " = " + showList(v) + " and T2 read "
            + txns.key(k) + " = " + showList(readValue(other)) + ": the shorter is no prefix of the longer, so no single "
            + "order of appends to " + txns.key(k) + " explains both reads.");
      }
      if (!prefix[m]) incompatible[k] = true;
    }
    // The first position of each longest read whose element has no committed-or-unknown writer.
    int[] firstBad = new int[longestMop.length];
    for (int k = 0; k < longestMop.length; k++) {
      firstBad[k] = Integer.MAX_VALUE;
      if (longestMop[k] < 0) continue;
      List<?> longest = readValue(longestMop[k]);
      for (int i = 0; i < longest.size() && firstBad[k] == Integer.MAX_VALUE; i++) {
        Integer a = appendIds.get(k).get(longest.get(i));
        if (a == null || txns.isFail(appendTxn.get(a))) firstBad[k] = i;
      }
    }
    for (int m = 0; m < mopTxn.length; m++) {
      if (!isOkRead(m)) continue;
      int k = txns.mopKey[m];
      int t = mopTxn[m];
      List<?> v = readValue(m);
      if (v.isEmpty()) continue;
      if (hasDuplicatesUnlessPrefix(v, prefix[m])) {
        add("duplicate-elements", new int[] {t}, full("duplicate-elements") ? null
            : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = "
            + showList(v) + ", in which " + Txns.show(firstDuplicate(v)) + " appears more than once, but every value is "
            + "appended to " + txns.key(k) + " once.");
      }
      boolean garbage = false;
      boolean aborted = false;
      for (int i = prefix[m] ? Math.min(firstBad[k], v.size()) : 0; i < v.size() && !(garbage && aborted); i++) {
        Integer a = appendIds.get(k).get(v.get(i));
        if (a == null && !garbage) {
          garbage = true;
          add("garbage-read", new int[] {t}, full("garbage-read") ? null
              : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = "
              + showList(v) + ", but no txn appended " + Txns.show(v.get(i)) + " to " + txns.key(k) + ".");
        } else if (a != null && txns.isFail(appendTxn.get(a)) && !aborted) {
          aborted = true;
          int w = appendTxn.get(a);
          add("G1a", new int[] {t, w}, full("G1a") ? null
              : "Let T1 = " + txns.describe(t) + " and T2 = " + txns.describe(w) + ". T1 read "
              + txns.key(k) + " = " + showList(v) + ", which includes " + Txns.show(v.get(i)) + ", appended by T2, which "
              + "failed: T1 read the write of an aborted txn.");
        }
      }
      Integer last = appendIds.get(k).get(v.get(v.size() - 1));
      if (last != null && !appendFinal[last] && appendTxn.get(last) != t && !txns.isFail(appendTxn.get(last))) {
        int w = appendTxn.get(last);
        add("G1b", new int[] {t, w}, full("G1b") ? null
            : "Let T1 = " + txns.describe(t) + " and T2 = " + txns.describe(w) + ". T1 read "
            + txns.key(k) + " = " + showList(v) + ", which ends with " + Txns.show(v.get(v.size() - 1)) + ", but T2 appended "
            + "more to " + txns.key(k) + " after it: T1 read an intermediate state of T2.");
      }
    }
  }

  private static boolean hasDuplicatesUnlessPrefix(List<?> v, boolean prefixOfDuplicateFreeOrder) {
    return !prefixOfDuplicateFreeOrder && hasDuplicates(v);
  }

  private static Object firstDuplicate(List<?> list) {
    Set<Object> seen = new HashSet<>();
    for (Object o : list) if (!seen.add(o)) return o;
    return null;
  }

  /** The mop index of txn t's external read of key k (its first read, before any append to k), or -1. */
  private int externalRead(int t, int k) {
    for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
      if (txns.mopKey[m] != k) continue;
      return txns.mopF[m] == Txns.READ ? m : -1;
    }
    return -1;
  }

  private boolean appendsLater(int t, int m, int k) {
    for (int later = m + 1; later < txns.mopStart[t + 1]; later++) {
      if (txns.mopF[later] == Txns.APPEND && txns.mopKey[later] == k) return true;
    }
    return false;
  }

  private void addEdges() {
    int keys = longestMop.length;
    List<IntList> readersOfAll = new ArrayList<>(keys);
    for (int k = 0; k < keys; k++) readersOfAll.add(null);
    Map<Long, IntList> readThenAppend = new HashMap<>();
    for (int t = 0; t < txns.count; t++) {
      if (!txns.isOk(t)) continue;
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        int k = txns.mopKey[m];
        if (txns.mopF[m] != Txns.READ || externalRead(t, k) != m) continue;
        List<?> v = readValue(m);
        if (!v.isEmpty()) {
          Integer a = appendIds.get(k).get(v.get(v.size() - 1));
          if (a != null && !txns.isFail(appendTxn.get(a))) graph.add(TxnGraph.WR, appendTxn.get(a), t, k, a);
        }
        if (incompatible[k]) continue;
        List<?> longest = longestMop[k] < 0 ? List.of() : readValue(longestMop[k]);
        int next = nextCommittable(k, longest, v.size());
        if (next >= 0) {
          graph.add(TxnGraph.RW, t, appendTxn.get(next), k, next);
        } else {
          IntList readers = readersOfAll.get(k);
          if (readers == null) readersOfAll.set(k, readers = new IntList());
          readers.add(t);
        }
        if (appendsLater(t, m, k)) readThenAppend.computeIfAbsent(((long) k << 32) | v.size(), x -> new IntList()).add(t);
      }
    }
    int[] lastWriter = new int[keys];
    Arrays.fill(lastWriter, -1);
    for (int k = 0; k < keys; k++) {
      if (incompatible[k] || longestMop[k] < 0) continue;
      List<?> longest = readValue(longestMop[k]);
      int failedAppend = -1;
      for (int i = 0; i < longest.size(); i++) {
        Integer a = appendIds.get(k).get(longest.get(i));
        if (a == null) continue;
        int w = appendTxn.get(a);
        if (txns.isFail(w)) {
          if (failedAppend < 0) failedAppend = a;
          continue;
        }
        if (failedAppend >= 0) {
          int f = appendTxn.get(failedAppend);
          int reader = mopTxn[longestMop[k]];
          add("dirty-update", new int[] {w, f, reader}, full("dirty-update") ? null
              : "Let T1 = " + txns.describe(w) + ", T2 = " + txns.describe(f)
              + " and T3 = " + txns.describe(reader) + ". T3 read " + txns.key(k) + " = " + showList(longest) + ", in which T1's "
              + "append of " + Txns.show(longest.get(i)) + " follows T2's append of "
              + Txns.show(longest.get(appendPos[failedAppend]))
              + ", but T2 failed: T1 updated a state written by an aborted txn.");
          failedAppend = -1;
        }
        if (lastWriter[k] >= 0) graph.add(TxnGraph.WW, lastWriter[k], w, k, a);
        lastWriter[k] = w;
      }
    }
    for (int a = 0; a < appendTxn.size(); a++) {
      int t = appendTxn.get(a);
      int k = txns.mopKey[appendMop.get(a)];
      if (appendPos[a] >= 0 || !txns.isOk(t) || incompatible[k]) continue;
      if (lastWriter[k] >= 0) graph.add(TxnGraph.WW, lastWriter[k], t, k, a);
      IntList readers = readersOfAll.get(k);
      for (int i = 0; readers != null && i < readers.size(); i++) graph.add(TxnGraph.RW, readers.get(i), t, k, a);
    }
    for (Map.Entry<Long, IntList> group : readThenAppend.entrySet()) {
      if (group.getValue().size() < 2) continue;
      int[] ts = group.getValue().toArray();
      int k = (int) (group.getKey() >>> 32);
      StringBuilder sb = new StringBuilder("Let ");
      for (int i = 0; i < ts.length && i < 4; i++) {
        sb.append(i == 0 ? "" : ", ").append('T').append(i + 1).append(" = ").append(txns.describe(ts[i]));
      }
      if (ts.length > 4) sb.append(" (and ").append(ts.length - 4).append(" more)");
      sb.append(ts.length == 2 ? ". Both read " : ". They all read ").append(txns.key(k)).append(" = ").append(showList(readValue(externalRead(ts[0], k))))
          .append(" and then appended to ").append(txns.key(k)).append(", each missing the others' appends: all but one of")
          .append(" these updates were lost.");
      add("lost-update", ts, sb.toString());
    }
  }

  /** The append at the first position ≥ from of the longest read whose writer did not fail, or -1. */
  private int nextCommittable(int k, List<?> longest, int from) {
    for (int i = from; i < longest.size(); i++) {
      Integer a = appendIds.get(k).get(longest.get(i));
      if (a != null && !txns.isFail(appendTxn.get(a))) return a;
    }
    return -1;
  }

  /** Elle's INT and future reads: a txn's read must agree with its own earlier reads and appends of the key. */
  private void internalAndFutureReads() {
    for (int t = 0; t < txns.count; t++) {
      if (!txns.isOk(t)) continue;
      boolean internal = false;
      boolean future = false;
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        if (txns.mopF[m] != Txns.READ) continue;
        int k = txns.mopKey[m];
        List<?> v = readValue(m);
        if (!future) {
          for (int later = m + 1; later < txns.mopStart[t + 1] && !future; later++) {
            if (txns.mopF[later] == Txns.APPEND && txns.mopKey[later] == k && v.contains(txns.mopValue[later])) {
              future = true;
              add("future-read", new int[] {t}, full("future-read") ? null
                  : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = "
                  + showList(v) + ", which includes " + Txns.show(txns.mopValue[later]) + ", which T1 itself appends later.");
            }
          }
        }
        if (internal) continue;
        List<Object> expectedTail = new ArrayList<>();
        List<?> base = null;
        boolean known = false;
        for (int prior = m - 1; prior >= txns.mopStart[t] && base == null; prior--) {
          if (txns.mopKey[prior] != k) continue;
          known = true;
          if (txns.mopF[prior] == Txns.APPEND) expectedTail.add(0, txns.mopValue[prior]);
          else base = readValue(prior);
        }
        if (!known) continue;
        boolean ok;
        List<Object> full = null;
        if (base != null) {
          full = new ArrayList<>(base);
          full.addAll(expectedTail);
          ok = full.equals(v);
        } else {
          int i = v.size() - expectedTail.size();
          ok = i >= 0 && v.subList(i, v.size()).equals(expectedTail);
        }
        if (!ok) {
          internal = true;
          String expected = full != null ? showList(full)
              : "[..." + (expectedTail.isEmpty() ? "" : " ") + Txns.show(expectedTail).substring(1);
          add("internal", new int[] {t}, full("internal") ? null
              : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = " + showList(v)
              + ", but its own earlier reads and appends of " + txns.key(k) + " say it should have read " + expected + ".");
        }
      }
    }
  }

  /** Whether this type has as many explained findings as will be reported: later ones are only counted. */
  private boolean full(String type) { return explained.getOrDefault(type, 0) >= TxnJudge.ANOMALIES_PER_TYPE_MAX; }

  private void add(String type, int[] ts, String explanation) {
    if (explanation != null) explained.merge(type, 1, Integer::sum);
    findings.add(new TxnJudge.Finding(type, ts, explanation, null));
  }

  private static String showList(List<?> v) { return Txns.showList(v); }

  @Override
  public String why(TxnGraph g, int e, String from, String to) {
    int k = g.key[e];
    int a = g.aux[e];
    String key = txns.key(k);
    Object value = txns.mopValue[appendMop.get(a)];
    switch (g.type[e]) {
      case TxnGraph.WW: {
        if (appendPos[a] < 0) {
          return to + " appended " + Txns.show(value) + " to " + key + ", which no read observed; " + to + " committed, so its "
              + "append follows every element read of " + key + ", the last of which " + from + " appended";
        }
        List<?> longest = readValue(longestMop[k]);
        Object prior = null;
        for (int i = appendPos[a] - 1; i >= 0 && prior == null; i--) {
          Integer p = appendIds.get(k).get(longest.get(i));
          if (p != null && appendTxn.get(p) == g.src[e]) prior = longest.get(i);
        }
        return to + " appended " + Txns.show(value) + " to " + key + " after " + from + "'s append of " + Txns.show(prior)
            + " (the longest read of " + key + ", op " + txns.opIndex(mopTxn[longestMop[k]]) + ", is " + showList(longest) + ")";
      }
      case TxnGraph.WR: {
        List<?> read = readValue(externalRead(g.dst[e], k));
        return to + " read " + key + " = " + showList(read) + ", which ends with " + from + "'s append of " + Txns.show(value);
      }
      case TxnGraph.RW: {
        List<?> read = readValue(externalRead(g.src[e], k));
        if (appendPos[a] < 0) {
          return from + " read " + key + " = " + showList(read) + ", which does not include " + to + "'s append of "
              + Txns.show(value) + " (" + to + " committed, and no read observed its append, so it comes after every "
              + "element read)";
        }
        return from + " read " + key + " = " + showList(read) + ", which does not include " + to + "'s append of "
            + Txns.show(value) + ", the next element (rw)";
      }
      default:
        throw new IllegalArgumentException("edge type " + g.type[e]);
    }
  }
}
