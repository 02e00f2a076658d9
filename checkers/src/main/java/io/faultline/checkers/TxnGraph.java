package io.faultline.checkers;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A dependency graph over the txns of a {@link Txns}: nodes are txn ids, edges are kept in flat
 * primitive arrays (no object per edge) and, once {@link #freeze() frozen}, in compressed rows by
 * source. Parallel edges of different types are kept apart: a cycle search restricted to some edge
 * types sees exactly the edges of those types.
 *
 * <p>{@code aux} is whatever the analysis that added the edge needs to explain it later (an append
 * id, a version-order edge id, ...).
 */
final class TxnGraph {
  static final int WW = 1;
  static final int WR = 2;
  static final int RW = 4;
  static final int REALTIME = 8;
  static final int PROCESS = 16;
  static final int DATA = WW | WR | RW;

  private static final int EDGES_INITIAL = 1024;

  final int nodes;
  int edgeCount;
  int[] src = new int[EDGES_INITIAL];
  int[] dst = new int[EDGES_INITIAL];
  int[] key = new int[EDGES_INITIAL];
  int[] aux = new int[EDGES_INITIAL];
  byte[] type = new byte[EDGES_INITIAL];
  /** After {@link #freeze()}: the out-edges of v are {@code outEdge[outStart[v] .. outStart[v+1]-1]}. */
  int[] outStart;
  int[] outEdge;

  TxnGraph(int nodes) { this.nodes = nodes; }

  /** Adds an edge; self-edges are dropped (a txn does not depend on itself). */
  void add(int edgeType, int from, int to, int keyId, int auxValue) {
    if (from == to) return;
    assert outStart == null : "graph is frozen";
    if (edgeCount == src.length) {
      int grown = src.length * 2;
      src = Arrays.copyOf(src, grown);
      dst = Arrays.copyOf(dst, grown);
      key = Arrays.copyOf(key, grown);
      aux = Arrays.copyOf(aux, grown);
      type = Arrays.copyOf(type, grown);
    }
    src[edgeCount] = from;
    dst[edgeCount] = to;
    key[edgeCount] = keyId;
    aux[edgeCount] = auxValue;
    type[edgeCount] = (byte) edgeType;
    edgeCount++;
  }

  /**
   * Elle's realtime graph: an edge from each ok txn to every txn (ok or info) invoked after it
   * completed, but only a transitive reduction of them. Sweeping the history, the frontier holds the
   * ok txns completed so far that no later-completed txn follows in realtime; an invocation links from
   * the frontier, and a completion replaces, in the frontier, the txns its invocation was linked from.
   * Edges per invocation: the frontier's size, which is about the concurrency.
   */
  void addRealtime(Txns txns) {
    int[] txnAt = txnAtPosition(txns);
    int[][] before = new int[txns.count][];
    int[] front = new int[16];
    int frontSize = 0;
    int[] removed = new int[txns.count];
    for (int p = 0; p < txnAt.length; p++) {
      int t = txnAt[p];
      if (t < 0 || txns.isFail(t)) continue;
      if (p == txns.invokePos[t]) {
        for (int i = 0; i < frontSize; i++) add(REALTIME, front[i], t, -1, -1);
        if (txns.isOk(t)) before[t] = Arrays.copyOf(front, frontSize);
      } else if (txns.isOk(t)) {
        for (int x : before[t]) removed[x] = t + 1;
        before[t] = null;
        int kept = 0;
        for (int i = 0; i < frontSize; i++) if (removed[front[i]] != t + 1) front[kept++] = front[i];
        frontSize = kept;
        if (frontSize == front.length) front = Arrays.copyOf(front, front.length * 2);
        front[frontSize++] = t;
      }
    }
  }

  /** Elle's process graph: each process's successive ok txns, in order. */
  void addProcess(Txns txns) {
    Map<Integer, Integer> lastOk = new HashMap<>();
    for (int t = 0; t < txns.count; t++) {
      if (!txns.isOk(t)) continue;
      Integer last = lastOk.put(txns.process[t], t);
      if (last != null) add(PROCESS, last, t, -1, -1);
    }
  }

  /** Position in the history → txn id, for the invocations and completions of txns; -1 elsewhere. */
  static int[] txnAtPosition(Txns txns) {
    int[] at = new int[txns.history.size()];
    Arrays.fill(at, -1);
    for (int t = 0; t < txns.count; t++) {
      at[txns.invokePos[t]] = t;
      if (txns.completePos[t] >= 0) at[txns.completePos[t]] = t;
    }
    return at;
  }

  /** Builds the rows by source; no edges may be added afterwards. */
  void freeze() {
    outStart = new int[nodes + 1];
    for (int e = 0; e < edgeCount; e++) outStart[src[e] + 1]++;
    for (int v = 0; v < nodes; v++) outStart[v + 1] += outStart[v];
    outEdge = new int[edgeCount];
    int[] fill = Arrays.copyOf(outStart, nodes);
    for (int e = 0; e < edgeCount; e++) outEdge[fill[src[e]]++] = e;
  }

  static String typeName(int edgeType) {
    switch (edgeType) {
      case WW: return "ww";
      case WR: return "wr";
      case RW: return "rw";
      case REALTIME: return "realtime";
      case PROCESS: return "process";
      default: throw new IllegalArgumentException("edge type " + edgeType);
    }
  }
}
