package io.faultline.checkers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Elle's rw-register inference ({@code elle.rw-register}) over a {@link Txns}: written values are
 * unique per key, so a read names its writer (wr). Version orders are partial: the initial nil comes
 * before every write and, when enabled, writes follow the version their txn read ({@code wfrKeys}),
 * process order orders versions ({@code sequentialKeys}), realtime order orders versions
 * ({@code linearizableKeys}). A key whose inferred versions form a cycle is reported as
 * {@code cyclic-versions} and keeps only the initial-nil inference, as in Elle. Each version edge
 * v1 → v2 yields ww (writer of v1 → writer of v2) and rw (every external reader of v1 → writer of v2).
 */
final class RwRegisterAnalysis implements TxnJudge.EdgeExplainer {
  private static final int INIT = -1;
  private static final byte BY_INIT = 0;
  private static final byte BY_WFR = 1;
  private static final byte BY_SEQUENTIAL = 2;
  private static final byte BY_LINEARIZABLE = 3;
  private static final int CYCLE_WITNESS_MAX = 8;

  private final Txns txns;
  private final TxnCheckerOptions options;
  final TxnGraph graph;
  final List<TxnJudge.Finding> findings = new ArrayList<>();
  private final Map<String, Integer> explained = new HashMap<>();

  private final List<Map<Object, Integer>> writeIds = new ArrayList<>();
  private final IntList writeTxn = new IntList(1024);
  private final IntList writeMop = new IntList(1024);
  private boolean[] writeFinal;
  /** Version edges: key, from (write id or INIT), to (write id), reason, and the txns behind the reason. */
  private final IntList verKey = new IntList(1024);
  private final IntList verFrom = new IntList(1024);
  private final IntList verTo = new IntList(1024);
  private final IntList verBy = new IntList(1024);
  private final IntList verTxnA = new IntList(1024);
  private final IntList verTxnB = new IntList(1024);

  RwRegisterAnalysis(Txns txns, TxnCheckerOptions options) {
    this.txns = txns;
    this.options = options;
    this.graph = new TxnGraph(txns.count);
    for (int k = 0; k < txns.keyCount(); k++) writeIds.add(new HashMap<>());
    indexWrites();
    scanReads();
    inferVersions();
    addEdges();
  }

  private void indexWrites() {
    for (int t = 0; t < txns.count; t++) {
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        if (txns.mopF[m] != Txns.WRITE) continue;
        if (txns.mopValue[m] == null) {
          throw new IllegalArgumentException("op " + txns.opIndex(t) + ": " + txns.describeMop(m)
              + " writes nil, which rw-register reserves for the initial state");
        }
        Integer before = writeIds.get(txns.mopKey[m]).putIfAbsent(txns.mopValue[m], writeTxn.size());
        if (before != null) {
          throw new IllegalArgumentException("duplicate-writes: " + Txns.show(txns.mopValue[m]) + " is written to key "
              + txns.key(txns.mopKey[m]) + " by op " + txns.opIndex(writeTxn.get(before)) + " and op " + txns.opIndex(t)
              + "; rw-register needs unique values per key");
        }
        writeTxn.add(t);
        writeMop.add(m);
      }
    }
    writeFinal = new boolean[writeTxn.size()];
    for (int w = 0; w < writeTxn.size(); w++) {
      int m = writeMop.get(w);
      boolean last = true;
      for (int later = m + 1; later < txns.mopStart[writeTxn.get(w) + 1] && last; later++) {
        last = !(txns.mopF[later] == Txns.WRITE && txns.mopKey[later] == txns.mopKey[m]);
      }
      writeFinal[w] = last;
    }
  }

  /** The mop of t's external read of k (first touch of k, a read), or -1. */
  private int externalRead(int t, int k) {
    for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
      if (txns.mopKey[m] == k) return txns.mopF[m] == Txns.READ ? m : -1;
    }
    return -1;
  }

  /** The version an external read saw: a write id, INIT, or -2 for a value nobody wrote. */
  private int versionRead(int m) {
    Object v = txns.mopValue[m];
    if (v == null) return INIT;
    Integer w = writeIds.get(txns.mopKey[m]).get(v);
    return w == null ? -2 : w;
  }

  private void scanReads() {
    Map<Long, IntList> readThenWrite = new HashMap<>();
    for (int t = 0; t < txns.count; t++) {
      if (!txns.isOk(t)) continue;
      boolean internal = false;
      boolean future = false;
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        if (txns.mopF[m] != Txns.READ) continue;
        int k = txns.mopKey[m];
        Object v = txns.mopValue[m];
        for (int later = m + 1; later < txns.mopStart[t + 1] && !future && v != null; later++) {
          if (txns.mopF[later] == Txns.WRITE && txns.mopKey[later] == k && v.equals(txns.mopValue[later])) {
            future = true;
            add("future-read", new int[] {t}, full("future-read") ? null
                : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = "
                + Txns.show(v) + ", which T1 itself writes later.");
          }
        }
        int prior = -1;
        for (int p = m - 1; p >= txns.mopStart[t] && prior < 0; p--) if (txns.mopKey[p] == k) prior = p;
        if (prior >= 0) {
          if (!internal && !java.util.Objects.equals(txns.mopValue[prior], v)) {
            internal = true;
            add("internal", new int[] {t}, full("internal") ? null
                : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = " + Txns.show(v)
                + ", but its own " + txns.describeMop(prior) + " before it says it should have read "
                + Txns.show(txns.mopValue[prior]) + ".");
          }
          continue;
        }
        int version = versionRead(m);
        if (version == -2) {
          add("garbage-read", new int[] {t}, full("garbage-read") ? null
              : "Let T1 = " + txns.describe(t) + ". T1 read " + txns.key(k) + " = "
              + Txns.show(v) + ", but no txn wrote " + Txns.show(v) + " to " + txns.key(k) + ".");
          continue;
        }
        if (version >= 0) {
          int w = writeTxn.get(version);
          if (txns.isFail(w)) {
            add("G1a", new int[] {t, w}, full("G1a") ? null
                : "Let T1 = " + txns.describe(t) + " and T2 = " + txns.describe(w) + ". T1 read "
                + txns.key(k) + " = " + Txns.show(v) + ", written by T2, which failed: T1 read the write of an aborted txn.");
          } else if (!writeFinal[version] && w != t) {
            add("G1b", new int[] {t, w}, full("G1b") ? null
                : "Let T1 = " + txns.describe(t) + " and T2 = " + txns.describe(w) + ". T1 read "
                + txns.key(k) + " = " + Txns.show(v) + ", but T2 wrote " + txns.key(k) + " again after writing "
                + Txns.show(v) + ": T1 read an intermediate state of T2.");
          }
        }
        if (writesLater(t, m, k)) readThenWrite.computeIfAbsent(((long) k << 32) | (version + 1L), x -> new IntList()).add(t);
      }
    }
    for (Map.Entry<Long, IntList> group : readThenWrite.entrySet()) {
      if (group.getValue().size() < 2) continue;
      int[] ts = group.getValue().toArray();
      int k = (int) (group.getKey() >>> 32);
      StringBuilder sb = new StringBuilder("Let ");
      for (int i = 0; i < ts.length && i < 4; i++) {
        sb.append(i == 0 ? "" : ", ").append('T').append(i + 1).append(" = ").append(txns.describe(ts[i]));
      }
      if (ts.length > 4) sb.append(" (and ").append(ts.length - 4).append(" more)");
      sb.append(ts.length == 2 ? ". Both read " : ". They all read ").append(txns.key(k)).append(" = ")
          .append(Txns.show(txns.mopValue[externalRead(ts[0], k)])).append(" and then wrote ").append(txns.key(k))
          .append(": all but one of these updates were lost.");
      add("lost-update", ts, sb.toString());
    }
  }

  private boolean writesLater(int t, int m, int k) {
    for (int later = m + 1; later < txns.mopStart[t + 1]; later++) {
      if (txns.mopF[later] == Txns.WRITE && txns.mopKey[later] == k) return true;
    }
    return false;
  }

  private boolean committable(int version) { return version == INIT || !txns.isFail(writeTxn.get(version)); }

  private void versionEdge(int k, int from, int to, byte by, int txnA, int txnB) {
    if (from == to || to < 0 && from < 0 || !committable(from) || !committable(to)) return;
    verKey.add(k);
    verFrom.add(from);
    verTo.add(to);
    verBy.add(by);
    verTxnA.add(txnA);
    verTxnB.add(txnB);
  }

  /** The first version of k txn t touched (its external read, else its first write), or -2. */
  private int firstVersion(int t, int k) {
    for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
      if (txns.mopKey[m] != k) continue;
      if (txns.mopF[m] == Txns.READ) return versionRead(m);
      return writeIds.get(k).get(txns.mopValue[m]);
    }
    return -2;
  }

  /** The last version of k txn t left or saw (its last write, else its external read), or -2. */
  private int lastVersion(int t, int k) {
    for (int m = txns.mopStart[t + 1] - 1; m >= txns.mopStart[t]; m--) {
      if (txns.mopKey[m] == k && txns.mopF[m] == Txns.WRITE) return writeIds.get(k).get(txns.mopValue[m]);
    }
    int r = externalRead(t, k);
    return r < 0 ? -2 : versionRead(r);
  }

  private void inferVersions() {
    for (int w = 0; w < writeTxn.size(); w++) {
      versionEdge(txns.mopKey[writeMop.get(w)], INIT, w, BY_INIT, -1, -1);
    }
    int optionalFrom = verKey.size();
    if (options.wfrKeys()) {
      for (int t = 0; t < txns.count; t++) {
        if (!txns.isOk(t)) continue;
        for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
          if (txns.mopF[m] != Txns.WRITE) continue;
          int k = txns.mopKey[m];
          int r = externalRead(t, k);
          if (r >= 0 && versionRead(r) != -2) {
            versionEdge(k, versionRead(r), writeIds.get(k).get(txns.mopValue[m]), BY_WFR, t, t);
          }
        }
      }
    }
    if (options.sequentialKeys() || options.linearizableKeys()) {
      List<IntList> touching = new ArrayList<>();
      for (int k = 0; k < txns.keyCount(); k++) touching.add(new IntList());
      for (int t = 0; t < txns.count; t++) {
        if (!txns.isOk(t)) continue;
        int[] seen = new int[txns.mopStart[t + 1] - txns.mopStart[t]];
        int n = 0;
        for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
          int k = txns.mopKey[m];
          boolean dup = false;
          for (int i = 0; i < n && !dup; i++) dup = seen[i] == k;
          if (!dup) {
            seen[n++] = k;
            touching.get(k).add(t);
          }
        }
      }
      for (int k = 0; k < txns.keyCount(); k++) {
        int[] ts = touching.get(k).toArray();
        if (options.sequentialKeys()) sequential(k, ts);
        if (options.linearizableKeys()) linearizable(k, ts);
      }
    }
    dropCyclicVersions(optionalFrom);
  }

  private void order(int k, int a, int b, byte by) {
    int from = lastVersion(a, k);
    int to = firstVersion(b, k);
    if (from == -2 || to == -2) return;
    if (to == INIT && from != INIT) {
      versionEdge(k, from, INIT, by, a, b); // recorded so that the cycle check sees it
      return;
    }
    versionEdge(k, from, to, by, a, b);
  }

  private void sequential(int k, int[] ts) {
    Map<Integer, Integer> last = new HashMap<>();
    for (int t : ts) {
      Integer prev = last.put(txns.process[t], t);
      if (prev != null) order(k, prev, t, BY_SEQUENTIAL);
    }
  }

  /** Per key, the realtime frontier sweep of {@link TxnGraph#addRealtime} over the ok txns touching it. */
  private void linearizable(int k, int[] ts) {
    long[] events = new long[ts.length * 2];
    for (int i = 0; i < ts.length; i++) {
      events[2 * i] = ((long) txns.invokePos[ts[i]] << 32) | i;
      events[2 * i + 1] = ((long) txns.completePos[ts[i]] << 32) | i;
    }
    Arrays.sort(events);
    int[][] before = new int[ts.length][];
    int[] front = new int[ts.length + 1];
    int frontSize = 0;
    int[] removed = new int[ts.length];
    for (long ev : events) {
      int i = (int) ev;
      int pos = (int) (ev >>> 32);
      int t = ts[i];
      if (pos == txns.invokePos[t]) {
        for (int j = 0; j < frontSize; j++) order(k, ts[front[j]], t, BY_LINEARIZABLE);
        before[i] = Arrays.copyOf(front, frontSize);
      } else {
        for (int x : before[i]) removed[x] = i + 1;
        int kept = 0;
        for (int j = 0; j < frontSize; j++) if (removed[front[j]] != i + 1) front[kept++] = front[j];
        frontSize = kept;
        front[frontSize++] = i;
      }
    }
  }

  /** Kahn's algorithm per key over the inferred version edges; a cyclic key keeps only its init edges. */
  private void dropCyclicVersions(int optionalFrom) {
    int edges = verKey.size();
    if (optionalFrom == edges) return;
    Map<Integer, IntList> byKey = new HashMap<>();
    for (int e = 0; e < edges; e++) byKey.computeIfAbsent(verKey.get(e), x -> new IntList()).add(e);
    boolean[] drop = new boolean[edges];
    int[] local = new int[writeTxn.size() + 1];
    Arrays.fill(local, -1);
    for (Map.Entry<Integer, IntList> entry : byKey.entrySet()) {
      int[] es = entry.getValue().toArray();
      if (es[es.length - 1] < optionalFrom) continue;
      List<Integer> nodes = new ArrayList<>();
      for (int e : es) {
        for (int v : new int[] {verFrom.get(e), verTo.get(e)}) {
          if (local[v + 1] < 0) {
            local[v + 1] = nodes.size();
            nodes.add(v);
          }
        }
      }
      int[] indegree = new int[nodes.size()];
      List<IntList> out = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) out.add(new IntList());
      for (int e : es) {
        indegree[local[verTo.get(e) + 1]]++;
        out.get(local[verFrom.get(e) + 1]).add(local[verTo.get(e) + 1]);
      }
      IntList ready = new IntList();
      for (int i = 0; i < indegree.length; i++) if (indegree[i] == 0) ready.add(i);
      int done = 0;
      while (done < ready.size()) {
        int v = ready.get(done++);
        for (int j = 0; j < out.get(v).size(); j++) if (--indegree[out.get(v).get(j)] == 0) ready.add(out.get(v).get(j));
      }
      for (int v : nodes) local[v + 1] = -1;
      if (done == nodes.size()) continue;
      int k = entry.getKey();
      IntList witness = new IntList();
      StringBuilder values = new StringBuilder();
      for (int i = 0; i < indegree.length; i++) {
        if (indegree[i] == 0) continue;
        int v = nodes.get(i);
        values.append(values.length() == 0 ? "" : ", ").append(v == INIT ? "nil" : Txns.show(txns.mopValue[writeMop.get(v)]));
        if (v != INIT && witness.size() < CYCLE_WITNESS_MAX) witness.add(writeTxn.get(v));
      }
      add("cyclic-versions", witness.toArray(), full("cyclic-versions") ? null
          : "The versions of " + txns.key(k) + " inferred from "
          + (options.wfrKeys() ? "wfr-keys " : "") + (options.sequentialKeys() ? "sequential-keys " : "")
          + (options.linearizableKeys() ? "linearizable-keys " : "") + "form a cycle through " + values
          + "; only the initial nil orders this key's versions.");
      for (int e : es) if (e >= optionalFrom) drop[e] = true;
    }
    for (int e = optionalFrom; e < edges; e++) if (verTo.get(e) == INIT) drop[e] = true;
    droppedVersionEdges = drop;
  }

  private boolean[] droppedVersionEdges;

  private void addEdges() {
    List<IntList> readersOfWrite = new ArrayList<>(writeTxn.size());
    for (int w = 0; w < writeTxn.size(); w++) readersOfWrite.add(null);
    List<IntList> readersOfInit = new ArrayList<>(txns.keyCount());
    for (int k = 0; k < txns.keyCount(); k++) readersOfInit.add(null);
    for (int t = 0; t < txns.count; t++) {
      if (!txns.isOk(t)) continue;
      for (int m = txns.mopStart[t]; m < txns.mopStart[t + 1]; m++) {
        int k = txns.mopKey[m];
        if (txns.mopF[m] != Txns.READ || externalRead(t, k) != m) continue;
        int v = versionRead(m);
        if (v == -2) continue;
        List<IntList> table = v == INIT ? readersOfInit : readersOfWrite;
        int slot = v == INIT ? k : v;
        if (table.get(slot) == null) table.set(slot, new IntList());
        table.get(slot).add(t);
        if (v >= 0 && !txns.isFail(writeTxn.get(v))) graph.add(TxnGraph.WR, writeTxn.get(v), t, k, v);
      }
    }
    for (int e = 0; e < verKey.size(); e++) {
      if (droppedVersionEdges != null && droppedVersionEdges[e]) continue;
      int from = verFrom.get(e);
      int to = verTo.get(e);
      int k = verKey.get(e);
      int writer = writeTxn.get(to);
      if (from != INIT) graph.add(TxnGraph.WW, writeTxn.get(from), writer, k, e);
      IntList readers = from == INIT ? readersOfInit.get(k) : readersOfWrite.get(from);
      for (int i = 0; readers != null && i < readers.size(); i++) graph.add(TxnGraph.RW, readers.get(i), writer, k, e);
    }
  }

  /** Whether this type has as many explained findings as will be reported: later ones are only counted. */
  private boolean full(String type) { return explained.getOrDefault(type, 0) >= TxnJudge.ANOMALIES_PER_TYPE_MAX; }

  private void add(String type, int[] ts, String explanation) {
    if (explanation != null) explained.merge(type, 1, Integer::sum);
    findings.add(new TxnJudge.Finding(type, ts, explanation, null));
  }

  private String versionName(int v) { return v == INIT ? "nil" : Txns.show(txns.mopValue[writeMop.get(v)]); }

  private String reason(int e) {
    switch (verBy.get(e)) {
      case BY_INIT: return "nil, the initial state, precedes every write";
      case BY_WFR: return "op " + txns.opIndex(verTxnA.get(e)) + " read " + versionName(verFrom.get(e)) + " and then wrote "
          + versionName(verTo.get(e)) + " (wfr-keys)";
      case BY_SEQUENTIAL: return "process " + txns.process[verTxnA.get(e)] + " saw " + versionName(verFrom.get(e))
          + " in op " + txns.opIndex(verTxnA.get(e)) + " before " + versionName(verTo.get(e)) + " in op "
          + txns.opIndex(verTxnB.get(e)) + " (sequential-keys)";
      default: return "op " + txns.opIndex(verTxnA.get(e)) + ", which saw " + versionName(verFrom.get(e))
          + ", completed before op " + txns.opIndex(verTxnB.get(e)) + ", which saw " + versionName(verTo.get(e))
          + ", was invoked (linearizable-keys)";
    }
  }

  @Override
  public String why(TxnGraph g, int e, String from, String to) {
    String key = txns.key(g.key[e]);
    int a = g.aux[e];
    switch (g.type[e]) {
      case TxnGraph.WR:
        return to + " read " + key + " = " + versionName(a) + ", which " + from + " wrote";
      case TxnGraph.WW:
        return from + " wrote " + key + " = " + versionName(verFrom.get(a)) + ", which precedes " + to + "'s write of "
            + versionName(verTo.get(a)) + ": " + reason(a);
      case TxnGraph.RW:
        return from + " read " + key + " = " + versionName(verFrom.get(a)) + ", which precedes " + to + "'s write of "
            + versionName(verTo.get(a)) + ": " + reason(a) + " (rw)";
      default:
        throw new IllegalArgumentException("edge type " + g.type[e]);
    }
  }
}
