package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Wing–Gong–Lowe search over one partition of a history, as Porcupine's {@code checkSingle}.
 *
 * <p>The partition's calls and returns form a doubly linked list in history order. The search tries
 * the first call in the list; if the model accepts it and the configuration (linearized set, state) is
 * new, the call and its return are lifted out of the list and the search restarts from the head.
 * Reaching a return means the op it closes cannot be linearized here: pop the last call, unlift it and
 * try the next entry. Memoising configurations (Lowe) makes revisits free.
 *
 * <p>Ops of unknown outcome ({@code info}, or never completed) have a call but no return: they return
 * at +∞ with any output. They may be linearized anywhere after their invocation, and need not be at
 * all: the search succeeds once every {@code ok} op is linearized, since the rest can go at the end.
 */
final class WglSearch {
  /** How many search steps pass between looks at the clock and the cancel flag. */
  private static final int CHECK_EVERY_STEPS = 1 << 10;
  /** How many linearized ops and concurrent ops an explanation names. */
  private static final int EXPLAIN_OPS_MAX = 5;
  private static final int EXPLAIN_CONCURRENT_MAX = 10;
  /** How many distinct states at the failing op an explanation collects. */
  private static final int EXPLAIN_STATES_MAX = 8;

  /** One partition's verdict. {@code anomaly} is set for FALSE, {@code unknownReason} for UNKNOWN. */
  record Outcome(Validity validity, long configurations, Anomaly anomaly, String unknownReason) {}

  private final Model model;
  private final Object key;
  private final int opCount;
  private final Op[] invocation;
  private final Op[] completion; // the ok completion, or null when the outcome is unknown
  private final int[] invocationPos;
  private final int[] completionPos; // -1 when unknown

  // The entry list: entries 0..2n-1 (call of op i = callEntry[i]), the head sentinel at index `head`.
  private final int head;
  private final int[] next;
  private final int[] prev;
  private final int[] entryOp;
  private final boolean[] entryIsCall;
  private final int[] callEntry;
  private final int[] returnEntry; // -1 for ops of unknown outcome

  // The deepest dead end (most ok ops linearized, then fewest ops of unknown outcome): the op that
  // could not be linearized, the ops linearized before it, the states it met there.
  private int deadEndOkDepth = -1;
  private int deadEndDepth = -1;
  private int deadEndOp = -1;
  private int[] deadEndLastOps = new int[0];
  private Object deadEndState;
  private final Set<Object> deadEndStates = new LinkedHashSet<>();

  /**
   * @param positions the invocation positions of the partition's ops, ascending; fail ops and info
   *     reads already removed
   */
  WglSearch(Model model, Object key, History history, List<Integer> positions) {
    this.model = model;
    this.key = key;
    this.opCount = positions.size();
    invocation = new Op[opCount];
    completion = new Op[opCount];
    invocationPos = new int[opCount];
    completionPos = new int[opCount];
    long[] events = new long[2 * opCount];
    int eventCount = 0;
    for (int i = 0; i < opCount; i++) {
      int p = positions.get(i);
      int c = history.completionOf(p);
      boolean ok = c >= 0 && history.get(c).isOk();
      invocation[i] = history.get(p);
      invocationPos[i] = p;
      completion[i] = ok ? history.get(c) : null;
      completionPos[i] = ok ? c : -1;
      events[eventCount++] = ((long) p << 32) | (2L * i);
      if (ok) events[eventCount++] = ((long) c << 32) | (2L * i + 1);
    }
    events = Arrays.copyOf(events, eventCount);
    Arrays.sort(events);
    head = eventCount;
    next = new int[eventCount + 1];
    prev = new int[eventCount + 1];
    entryOp = new int[eventCount];
    entryIsCall = new boolean[eventCount];
    callEntry = new int[opCount];
    returnEntry = new int[opCount];
    Arrays.fill(returnEntry, -1);
    for (int e = 0; e < eventCount; e++) {
      int code = (int) (events[e] & 0xffffffffL);
      int op = code >>> 1;
      entryOp[e] = op;
      entryIsCall[e] = (code & 1) == 0;
      if (entryIsCall[e]) callEntry[op] = e;
      else returnEntry[op] = e;
      next[e] = e + 1 < eventCount ? e + 1 : -1;
      prev[e] = e == 0 ? head : e - 1;
    }
    next[head] = eventCount > 0 ? 0 : -1;
    prev[head] = -1;
  }

  Outcome run(long deadlineNs, long configsMax, long timeLimitMs, AtomicBoolean cancel) {
    int okRemaining = 0;
    for (Op c : completion) if (c != null) okRemaining++;
    int okTotal = okRemaining;
    long[] linearized = new long[(opCount + 63) >>> 6];
    long linearizedHash = 0;
    int[] stackOp = new int[opCount];
    Object[] stackState = new Object[opCount];
    int depth = 0;
    Set<Config> memo = new HashSet<>();
    Object state = model.init();
    int entry = next[head];
    long steps = 0;
    while (okRemaining > 0) {
      if (++steps % CHECK_EVERY_STEPS == 0) {
        if (cancel.get()) return unknown(memo.size(), "cancelled: another partition was found non-linearizable");
        if (System.nanoTime() - deadlineNs > 0) {
          return unknown(memo.size(), "time limit " + timeLimitMs + " ms reached after " + memo.size() + " configurations");
        }
      }
      assert entry >= 0 : "an ok op's return is always ahead while ok ops remain";
      int op = entryOp[entry];
      if (entryIsCall[entry]) {
        Object after = model.step(state, invocation[op], completion[op]);
        if (after != Model.INCONSISTENT) {
          long afterHash = linearizedHash ^ mix(op);
          linearized[op >>> 6] |= 1L << op;
          if (!memo.contains(new Config(linearized, after, afterHash))) {
            memo.add(new Config(linearized.clone(), after, afterHash));
            if (memo.size() > configsMax) {
              return unknown(memo.size(), "configuration limit " + configsMax + " exceeded");
            }
            stackOp[depth] = op;
            stackState[depth] = state;
            depth++;
            state = after;
            linearizedHash = afterHash;
            if (completion[op] != null) okRemaining--;
            lift(op);
            entry = next[head];
            continue;
          }
          linearized[op >>> 6] &= ~(1L << op);
        }
        entry = next[entry];
      } else {
        noteDeadEnd(op, depth, okTotal - okRemaining, stackOp, state);
        if (depth == 0) return new Outcome(Validity.FALSE, memo.size(), explain(), null);
        depth--;
        int undone = stackOp[depth];
        state = stackState[depth];
        stackState[depth] = null;
        linearized[undone >>> 6] &= ~(1L << undone);
        linearizedHash ^= mix(undone);
        if (completion[undone] != null) okRemaining++;
        unlift(undone);
        entry = next[callEntry[undone]];
      }
    }
    return new Outcome(Validity.TRUE, memo.size(), null, null);
  }

  private static Outcome unknown(long configurations, String why) {
    return new Outcome(Validity.UNKNOWN, configurations, null, why);
  }

  private void lift(int op) {
    unlink(callEntry[op]);
    if (returnEntry[op] >= 0) unlink(returnEntry[op]);
  }

  private void unlift(int op) {
    if (returnEntry[op] >= 0) relink(returnEntry[op]);
    relink(callEntry[op]);
  }

  private void unlink(int e) {
    next[prev[e]] = next[e];
    if (next[e] >= 0) prev[next[e]] = prev[e];
  }

  private void relink(int e) {
    next[prev[e]] = e;
    if (next[e] >= 0) prev[next[e]] = e;
  }

  /** A well-mixed 64-bit hash of one op id (SplitMix64's finaliser); a set's hash is their XOR. */
  private static long mix(int op) {
    long z = (op + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private void noteDeadEnd(int op, int depth, int okDepth, int[] stackOp, Object state) {
    if (okDepth > deadEndOkDepth || okDepth == deadEndOkDepth && depth < deadEndDepth) {
      deadEndOkDepth = okDepth;
      deadEndDepth = depth;
      if (op != deadEndOp) deadEndStates.clear();
      deadEndOp = op;
      deadEndState = state;
      int from = Math.max(0, depth - EXPLAIN_OPS_MAX);
      deadEndLastOps = Arrays.copyOfRange(stackOp, from, depth);
    }
    if (op == deadEndOp && deadEndStates.size() < EXPLAIN_STATES_MAX) deadEndStates.add(state);
  }

  /** Knossos-style: the first ok op that could not be linearized at the deepest point, and its neighbours. */
  private Anomaly explain() {
    int bad = deadEndOp;
    List<Long> witness = new ArrayList<>();
    witness.add(completion[bad].index());
    witness.add(invocation[bad].index());
    List<Integer> concurrent = new ArrayList<>();
    for (int i = 0; i < opCount; i++) {
      boolean overlaps = invocationPos[i] < completionPos[bad]
          && (completionPos[i] < 0 || completionPos[i] > invocationPos[bad]);
      if (i != bad && overlaps) concurrent.add(i);
    }
    StringBuilder sb = new StringBuilder();
    if (key != null) sb.append("key ").append(Models.show(key)).append(": ");
    sb.append("no linearization exists. ");
    if (deadEndDepth == 0) {
      sb.append("In the initial state");
    } else {
      sb.append("After linearizing ").append(deadEndDepth).append(deadEndDepth == 1 ? " op" : " ops");
      if (deadEndDepth > deadEndLastOps.length) sb.append(", the last ").append(deadEndLastOps.length).append(" of them");
      sb.append(" [");
      for (int j = 0; j < deadEndLastOps.length; j++) {
        int op = deadEndLastOps[j];
        sb.append(j > 0 ? ", " : "").append(describeOp(op, true));
        if (!witness.contains(invocation[op].index())) witness.add(invocation[op].index());
      }
      sb.append("]");
    }
    sb.append(", the ").append(model.name()).append(" state is ").append(model.describe(deadEndState));
    if (deadEndStates.size() > 1) {
      sb.append(" (or any of {");
      int j = 0;
      for (Object s : deadEndStates) sb.append(j++ > 0 ? ", " : "").append(model.describe(s));
      sb.append("} over all paths)");
    }
    sb.append(", but ").append(describeOp(bad, false));
    if (showsReturn(bad)) sb.append(" returned ").append(Models.show(Models.normalise(completion[bad].value())));
    else sb.append(" cannot take effect there");
    sb.append("; concurrent ops: ");
    if (concurrent.isEmpty()) sb.append("none");
    for (int j = 0; j < concurrent.size(); j++) {
      int op = concurrent.get(j);
      if (j == EXPLAIN_CONCURRENT_MAX) {
        sb.append(" and ").append(concurrent.size() - j).append(" more");
        break;
      }
      sb.append(j > 0 ? ", " : "").append(describeOp(op, true));
      if (!witness.contains(invocation[op].index())) witness.add(invocation[op].index());
    }
    sb.append('.');
    return new Anomaly("nonlinearizable", witness, sb.toString());
  }

  /** Whether the op's result says more than its argument (a read's value, a cas's outcome). */
  private boolean showsReturn(int op) {
    Object argument = Models.normalise(invocation[op].value());
    return completion[op] != null
        && (argument == null || !Objects.equals(Models.normalise(completion[op].value()), argument));
  }

  private String describeOp(int op, boolean withReturn) {
    Op inv = invocation[op];
    StringBuilder sb = new StringBuilder(inv.f());
    if (inv.value() != null) sb.append(' ').append(Models.show(Models.normalise(inv.value())));
    sb.append(" (op ").append(completion[op] != null ? completion[op].index() : inv.index());
    sb.append(", process ").append(inv.process()).append(", invoked at ").append(inv.index());
    if (completion[op] != null) {
      sb.append(", completed at ").append(completion[op].index());
      if (withReturn && showsReturn(op)) sb.append(", returned ").append(Models.show(Models.normalise(completion[op].value())));
    } else {
      sb.append(", outcome unknown");
    }
    return sb.append(')').toString();
  }

  /** A memoised configuration: which ops are linearized and the model state after them. */
  private static final class Config {
    private final long[] linearized;
    private final Object state;
    private final int hash;

    Config(long[] linearized, Object state, long linearizedHash) {
      this.linearized = linearized;
      this.state = state;
      this.hash = (int) (linearizedHash ^ (linearizedHash >>> 32)) * 31 + Objects.hashCode(state);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Config)) return false;
      Config c = (Config) o;
      return hash == c.hash && Objects.equals(state, c.state) && Arrays.equals(linearized, c.linearized);
    }

    @Override
    public int hashCode() { return hash; }
  }
}
