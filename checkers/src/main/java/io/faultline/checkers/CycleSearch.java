package io.faultline.checkers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds short witness cycles of given classes in a frozen {@link TxnGraph}, as Elle does (paper §6):
 * Tarjan's strongly connected components over all edges first; then, in each component, for each
 * class, the components of the subgraph of the edge types the class may use, and a breadth-first
 * search from the sources of the edges the class must use, over (txn, path state) pairs. The path
 * state (rw edges so far: 0, 1, 2 or more; whether the first and the last edge were rw; whether a wr
 * and an extra edge were seen) fits in 6 bits, so visited states are one {@code long} per txn.
 *
 * <p>A breadth-first search finds a shortest closed walk through its start with the class's
 * constraints. Every search checks the deadline of its component; past it, the component is given up.
 */
final class CycleSearch {
  /** How rw edges may appear in a cycle of a class. */
  enum RwRule { NONE, EXACTLY_ONE, NONADJACENT, AT_LEAST_TWO }

  /**
   * A class of cycles: Elle's {@code G0}, {@code G1c}, {@code G-single-item}, ... and their
   * {@code -process} and {@code -realtime} variants.
   *
   * @param allowed   edge types the cycle may use
   * @param rw        how many rw edges, and where
   * @param needWr    at least one wr edge
   * @param extra     0, or the extra edge type (realtime or process) it must use at least once
   */
  record CycleClass(String name, int allowed, RwRule rw, boolean needWr, int extra) {
    static List<CycleClass> all() {
      List<CycleClass> out = new ArrayList<>();
      for (int extra : new int[] {0, TxnGraph.PROCESS, TxnGraph.REALTIME}) {
        String suffix = extra == 0 ? "" : extra == TxnGraph.PROCESS ? "-process" : "-realtime";
        out.add(new CycleClass("G0" + suffix, TxnGraph.WW | extra, RwRule.NONE, false, extra));
        out.add(new CycleClass("G1c" + suffix, TxnGraph.WW | TxnGraph.WR | extra, RwRule.NONE, true, extra));
        out.add(new CycleClass("G-single-item" + suffix, TxnGraph.DATA | extra, RwRule.EXACTLY_ONE, false, extra));
        out.add(new CycleClass("G-nonadjacent-item" + suffix, TxnGraph.DATA | extra, RwRule.NONADJACENT, false, extra));
        out.add(new CycleClass("G2-item" + suffix, TxnGraph.DATA | extra, RwRule.AT_LEAST_TWO, false, extra));
      }
      return out;
    }
  }

  /** A cycle found: its class and its edges in order (edge ids of the graph), the last ending where the first starts. */
  record Cycle(CycleClass cycleClass, int[] edges) {}

  /**
   * Elle's {@code <model>-cycle-exists}: a check that the subgraph of {@code mask} edges has some
   * cycle, made in a component whose search ran out of time.
   */
  record ExistsCheck(String name, int mask) {}

  /** A cycle that exists among these txns (a non-trivial component of the check's subgraph), though no witness was found in time. */
  record Exists(String name, int[] txns) {}

  /** What the search found, and whether some component ran out of time. */
  record Result(List<Cycle> cycles, List<Exists> exists, int componentsTimedOut, int largestComponent) {}

  /** Txns named as witness of a cycle-exists finding. */
  static final int EXISTS_WITNESS_MAX = 16;

  private static final int DEADLINE_CHECK_EVERY = 1024;
  private static final int RW_COUNT_MASK = 3;
  private static final int LAST_RW = 4;
  private static final int FIRST_RW = 8;
  private static final int HAS_WR = 16;
  private static final int HAS_EXTRA = 32;

  private final TxnGraph g;
  // Tarjan scratch, indexed by txn; stamps avoid clearing between runs.
  private final int[] member;
  private int memberStamp;
  private final int[] index;
  private final int[] low;
  private final int[] comp;
  private final int[] visitStamp;
  private int visitCounter;
  private final int[] localIdx;
  private int[] stack = new int[64];
  private int[] frameNode = new int[64];
  private int[] framePtr = new int[64];
  // BFS scratch
  private int[] qNode = new int[256];
  private int[] qFlags = new int[256];
  private int[] qParent = new int[256];
  private int[] qEdge = new int[256];
  private long steps;

  CycleSearch(TxnGraph g) {
    this.g = g;
    member = new int[g.nodes];
    index = new int[g.nodes];
    low = new int[g.nodes];
    comp = new int[g.nodes];
    visitStamp = new int[g.nodes];
    localIdx = new int[g.nodes];
  }

  /**
   * Searches every strongly connected component of the graph restricted to {@code mask} for one
   * cycle of each class, each component within {@code timeoutNs} of its start.
   */
  Result run(List<CycleClass> classes, List<ExistsCheck> existsChecks, int mask, long timeoutNs) {
    int[] all = new int[g.nodes];
    for (int v = 0; v < g.nodes; v++) all[v] = v;
    List<int[]> sccs = components(all, mask);
    List<Cycle> found = new ArrayList<>();
    List<Exists> exists = new ArrayList<>();
    int timedOut = 0;
    int largest = 0;
    for (int[] scc : sccs) {
      largest = Math.max(largest, scc.length);
      long deadlineNs = System.nanoTime() + timeoutNs;
      List<int[]> sccCycles = new ArrayList<>();
      for (CycleClass c : classes) {
        if ((c.allowed() & ~mask) != 0) continue;
        int[] cycle;
        try {
          cycle = find(scc, c, deadlineNs);
        } catch (TimedOut e) {
          timedOut++;
          for (ExistsCheck check : existsChecks) {
            if ((check.mask() & ~mask) != 0) continue;
            List<int[]> cyclic = components(scc, check.mask());
            if (!cyclic.isEmpty()) {
              int[] sub = cyclic.get(0);
              exists.add(new Exists(check.name(), Arrays.copyOf(sub, Math.min(sub.length, EXISTS_WITNESS_MAX))));
            }
          }
          break;
        }
        if (cycle != null && isNew(cycle, sccCycles)) {
          found.add(new Cycle(c, cycle));
          sccCycles.add(sorted(cycle));
        }
      }
    }
    return new Result(found, exists, timedOut, largest);
  }

  /**
   * Whether no earlier, more specific class found the same cycle in this component: a G-nonadjacent
   * witness is also a G2-item one, and is reported once, as the first (most specific) class.
   */
  private static boolean isNew(int[] cycle, List<int[]> earlier) {
    int[] key = sorted(cycle);
    for (int[] e : earlier) if (Arrays.equals(e, key)) return false;
    return true;
  }

  private static int[] sorted(int[] edges) {
    int[] copy = edges.clone();
    Arrays.sort(copy);
    return copy;
  }

  private static final class TimedOut extends Exception {
    private static final long serialVersionUID = 1L;
    TimedOut() { super(null, null, false, false); }
  }

  /** The non-trivial (two or more txns) strongly connected components among {@code nodes}, over edges in {@code mask}. */
  private List<int[]> components(int[] nodes, int mask) {
    int stamp = ++memberStamp;
    for (int v : nodes) member[v] = stamp;
    int visit = ++visitCounter;
    int counter = 0;
    int sp = 0;
    int compCount = 0;
    List<int[]> out = new ArrayList<>();
    for (int root : nodes) {
      if (visitStamp[root] == visit) continue;
      int fp = 0;
      frameNode[fp] = root;
      framePtr[fp] = g.outStart[root];
      fp++;
      visitStamp[root] = visit;
      index[root] = low[root] = counter++;
      comp[root] = -1;
      stack = grow(stack, sp);
      stack[sp++] = root;
      while (fp > 0) {
        int v = frameNode[fp - 1];
        int ptr = framePtr[fp - 1];
        if (ptr < g.outStart[v + 1]) {
          framePtr[fp - 1] = ptr + 1;
          int e = g.outEdge[ptr];
          if ((g.type[e] & mask) == 0) continue;
          int w = g.dst[e];
          if (member[w] != stamp) continue;
          if (visitStamp[w] != visit) {
            visitStamp[w] = visit;
            index[w] = low[w] = counter++;
            comp[w] = -1;
            stack = grow(stack, sp);
            stack[sp++] = w;
            frameNode = grow(frameNode, fp);
            framePtr = grow(framePtr, fp);
            frameNode[fp] = w;
            framePtr[fp] = g.outStart[w];
            fp++;
          } else if (comp[w] == -1) {
            low[v] = Math.min(low[v], index[w]);
          }
        } else {
          fp--;
          if (low[v] == index[v]) {
            int size = 0;
            int top = sp;
            do {
              size++;
            } while (stack[--top] != v);
            int[] members = size > 1 ? new int[size] : null;
            int w;
            int i = 0;
            do {
              w = stack[--sp];
              comp[w] = compCount;
              if (members != null) members[i++] = w;
            } while (w != v);
            compCount++;
            if (members != null) out.add(members);
          }
          if (fp > 0) {
            int parent = frameNode[fp - 1];
            low[parent] = Math.min(low[parent], low[v]);
          }
        }
      }
    }
    return out;
  }

  private static int[] grow(int[] a, int size) { return size < a.length ? a : Arrays.copyOf(a, a.length * 2); }

  /** A cycle of class c within the component, or null when there is none. */
  private int[] find(int[] scc, CycleClass c, long deadlineNs) throws TimedOut {
    if (System.nanoTime() >= deadlineNs) throw new TimedOut();
    for (int[] sub : components(scc, c.allowed())) {
      int stamp = ++memberStamp;
      for (int i = 0; i < sub.length; i++) {
        member[sub[i]] = stamp;
        localIdx[sub[i]] = i;
      }
      int must = c.rw() != RwRule.NONE ? TxnGraph.RW : c.needWr() ? TxnGraph.WR : c.extra() != 0 ? c.extra() : 0;
      long[] visited = new long[sub.length];
      for (int s : sub) {
        if (must != 0 && !hasOutEdge(s, must, stamp)) continue;
        int[] cycle = bfs(s, sub.length, visited, stamp, c, deadlineNs);
        if (cycle != null) return cycle;
      }
    }
    return null;
  }

  private boolean hasOutEdge(int v, int edgeType, int stamp) {
    for (int i = g.outStart[v]; i < g.outStart[v + 1]; i++) {
      int e = g.outEdge[i];
      if (g.type[e] == edgeType && member[g.dst[e]] == stamp) return true;
    }
    return false;
  }

  private int[] bfs(int s, int size, long[] visited, int stamp, CycleClass c, long deadlineNs) throws TimedOut {
    Arrays.fill(visited, 0, size, 0L);
    int head = 0;
    int tail = 0;
    qNode[tail] = s;
    qFlags[tail] = 0;
    qParent[tail] = -1;
    qEdge[tail] = -1;
    tail++;
    while (head < tail) {
      if ((++steps % DEADLINE_CHECK_EVERY) == 0 && System.nanoTime() > deadlineNs) throw new TimedOut();
      int u = qNode[head];
      int flags = qFlags[head];
      int entry = head++;
      for (int i = g.outStart[u]; i < g.outStart[u + 1]; i++) {
        int e = g.outEdge[i];
        int t = g.type[e];
        if ((t & c.allowed()) == 0) continue;
        int v = g.dst[e];
        if (member[v] != stamp) continue;
        boolean isRw = t == TxnGraph.RW;
        int rwCount = flags & RW_COUNT_MASK;
        if (isRw) {
          if (c.rw() == RwRule.EXACTLY_ONE && rwCount >= 1) continue;
          if (c.rw() == RwRule.NONADJACENT && (flags & LAST_RW) != 0) continue;
          rwCount = Math.min(2, rwCount + 1);
        }
        int next = rwCount | (isRw ? LAST_RW : 0);
        if (entry == 0 ? isRw : (flags & FIRST_RW) != 0) next |= FIRST_RW;
        if ((flags & HAS_WR) != 0 || t == TxnGraph.WR) next |= HAS_WR;
        if ((flags & HAS_EXTRA) != 0 || (t & c.extra()) != 0) next |= HAS_EXTRA;
        if (v == s) {
          if (accepts(c, next)) return path(entry, e);
          continue;
        }
        int local = localIdx[v];
        long bit = 1L << next;
        if ((visited[local] & bit) != 0) continue;
        visited[local] |= bit;
        if (tail == qNode.length) {
          int grown = qNode.length * 2;
          qNode = Arrays.copyOf(qNode, grown);
          qFlags = Arrays.copyOf(qFlags, grown);
          qParent = Arrays.copyOf(qParent, grown);
          qEdge = Arrays.copyOf(qEdge, grown);
        }
        qNode[tail] = v;
        qFlags[tail] = next;
        qParent[tail] = entry;
        qEdge[tail] = e;
        tail++;
      }
    }
    return null;
  }

  private static boolean accepts(CycleClass c, int flags) {
    int rwCount = flags & RW_COUNT_MASK;
    switch (c.rw()) {
      case NONE: if (rwCount != 0) return false; break;
      case EXACTLY_ONE: if (rwCount != 1) return false; break;
      case NONADJACENT:
        if (rwCount < 2 || ((flags & FIRST_RW) != 0 && (flags & LAST_RW) != 0)) return false;
        break;
      default: if (rwCount < 2) return false; break;
    }
    if (c.needWr() && (flags & HAS_WR) == 0) return false;
    return c.extra() == 0 || (flags & HAS_EXTRA) != 0;
  }

  private int[] path(int entry, int closingEdge) {
    int length = 1;
    for (int i = entry; qParent[i] >= 0; i = qParent[i]) length++;
    int[] edges = new int[length];
    edges[length - 1] = closingEdge;
    int k = length - 2;
    for (int i = entry; qParent[i] >= 0; i = qParent[i]) edges[k--] = qEdge[i];
    return edges;
  }
}
