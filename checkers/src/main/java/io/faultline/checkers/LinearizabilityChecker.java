package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks that a history is linearizable with respect to a {@link Model}: Knossos' {@code wgl} and
 * Porcupine's checker.
 *
 * <p>Search: Wing & Gong's backtracking search with Lowe's memoisation of (linearized set, state)
 * configurations [1, 2], in {@link WglSearch}.
 *
 * <p>Partitions: P-compositionality [3]. Linearizability is local, so ops on different keys
 * ({@link Op#key()}; keyless ops form one partition) are checked separately, on up to
 * {@value #THREADS_MAX} threads sharing one deadline. The first non-linearizable partition cancels the
 * rest.
 *
 * <p>Semantics, as Jepsen's: nemesis ops are ignored; a {@code fail} op did not happen and is dropped;
 * an {@code info} op, or an invocation with no completion, may take effect at any point after its
 * invocation, or never, with any output (an {@code info} read changes nothing and is dropped). An
 * {@code ok} op takes effect between its invocation and its completion in history order (the
 * {@code time} field is not used).
 *
 * <p>Findings: a non-linearizable partition yields one {@code nonlinearizable} {@link Anomaly}, as
 * Knossos reports it. Among the dead ends of the search, the one with the most {@code ok} ops
 * linearized (then the fewest ops of unknown outcome) names the op that could not be linearized. The
 * witness lists that op's completion index, then its invocation index, then the invocation indexes of
 * up to five ops linearized last before it, then of the ops concurrent with it (up to ten). The
 * explanation says the same in words, with the model state there and every state met there over all
 * paths, e.g. {@code key 7: no linearization exists. After linearizing 3 ops [...], the cas-register
 * state is 4 (or any of {9, 4, 3} over all paths), but read (op 8, process 3, invoked at 6, completed
 * at 8) returned 1; concurrent ops: write 9 (op 7, process 4, invoked at 7, outcome unknown).}
 *
 * <p>Bounds: the time limit and {@code configsMax} (memoised configurations per partition) make a
 * partition {@link Validity#UNKNOWN}, never TRUE.
 *
 * <p>[1] J. M. Wing and C. Gong, "Testing and verifying concurrent objects", JPDC 1993.
 * [2] G. Lowe, "Testing for linearizability", CCPE 2017.
 * [3] A. Horn and D. Kroening, "Faster linearizability checking via P-compositionality", FORTE 2015.
 */
public final class LinearizabilityChecker implements Checker {
  public static final long TIME_LIMIT_MS_DEFAULT = 60_000;
  /** About 10 M configurations fit in a few GB for partitions of a few thousand ops. */
  public static final long CONFIGS_MAX_DEFAULT = 10_000_000;
  static final int THREADS_MAX = 2;

  private final Model model;
  private final long timeLimitMs;
  private final long configsMax;

  public LinearizabilityChecker(Model model) {
    this(model, TIME_LIMIT_MS_DEFAULT, CONFIGS_MAX_DEFAULT);
  }

  public LinearizabilityChecker(Model model, long timeLimitMs, long configsMax) {
    if (model == null) throw new IllegalArgumentException("model must not be null");
    if (timeLimitMs <= 0) throw new IllegalArgumentException("timeLimitMs must be > 0, got " + timeLimitMs);
    if (configsMax <= 0) throw new IllegalArgumentException("configsMax must be > 0, got " + configsMax);
    this.model = model;
    this.timeLimitMs = timeLimitMs;
    this.configsMax = configsMax;
  }

  @Override
  public String name() { return "linearizable"; }

  @Override
  public CheckResult check(History history) {
    long startNs = System.nanoTime();
    long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(timeLimitMs);
    Map<Object, List<Integer>> partitions = partition(history);
    List<Object> keys = new ArrayList<>(partitions.keySet());
    List<WglSearch.Outcome> outcomes = new ArrayList<>();
    AtomicBoolean cancel = new AtomicBoolean();
    if (keys.size() <= 1) {
      for (Object key : keys) outcomes.add(checkPartition(key, history, partitions.get(key), deadlineNs, cancel));
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS_MAX, keys.size()), daemonThreads());
      try {
        List<Future<WglSearch.Outcome>> futures = new ArrayList<>();
        for (Object key : keys) {
          futures.add(pool.submit(() -> checkPartition(key, history, partitions.get(key), deadlineNs, cancel)));
        }
        for (Future<WglSearch.Outcome> f : futures) outcomes.add(await(f));
      } finally {
        pool.shutdownNow();
      }
    }
    return merge(keys, outcomes, startNs);
  }

  /** Invocation positions of the ops that matter, by key, in order of first appearance. */
  private static Map<Object, List<Integer>> partition(History history) {
    Map<Object, List<Integer>> byKey = new LinkedHashMap<>();
    for (int p = 0; p < history.size(); p++) {
      Op op = history.get(p);
      if (!op.isClient() || !op.isInvoke()) continue;
      OpType outcome = history.outcomeOf(p);
      if (outcome == OpType.FAIL) continue;
      if (outcome == OpType.INFO && op.f().equals("read")) continue;
      byKey.computeIfAbsent(Models.normalise(op.key()), k -> new ArrayList<>()).add(p);
    }
    return byKey;
  }

  private WglSearch.Outcome checkPartition(Object key, History history, List<Integer> positions, long deadlineNs,
      AtomicBoolean cancel) {
    String where = key == null ? "" : "key " + Models.show(key) + ": ";
    WglSearch.Outcome outcome;
    try {
      outcome = new WglSearch(model, key, history, positions).run(deadlineNs, configsMax, timeLimitMs, cancel);
    } catch (IllegalArgumentException e) {
      outcome = new WglSearch.Outcome(Validity.UNKNOWN, 0, null, e.getMessage());
    } catch (RuntimeException e) {
      outcome = new WglSearch.Outcome(Validity.UNKNOWN, 0, null, "checker failed: " + e);
    } catch (OutOfMemoryError e) {
      outcome = new WglSearch.Outcome(Validity.UNKNOWN, 0, null, "out of memory (raise -Xmx or lower configsMax)");
    }
    if (outcome.validity() == Validity.FALSE) cancel.set(true);
    if (outcome.unknownReason() != null) {
      outcome = new WglSearch.Outcome(outcome.validity(), outcome.configurations(), null, where + outcome.unknownReason());
    }
    return outcome;
  }

  private static WglSearch.Outcome await(Future<WglSearch.Outcome> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      return new WglSearch.Outcome(Validity.UNKNOWN, 0, null, "checker failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new WglSearch.Outcome(Validity.UNKNOWN, 0, null, "interrupted");
    }
  }

  private CheckResult merge(List<Object> keys, List<WglSearch.Outcome> outcomes, long startNs) {
    Validity valid = Validity.TRUE;
    long configurations = 0;
    List<Anomaly> anomalies = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (WglSearch.Outcome o : outcomes) {
      valid = valid.merge(o.validity());
      configurations += o.configurations();
      if (o.anomaly() != null) anomalies.add(o.anomaly());
      if (o.validity() == Validity.UNKNOWN) unknown.add(o.unknownReason());
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("model", model.name());
    details.put("partitions", (long) keys.size());
    details.put("configurations", configurations);
    details.put("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
    if (valid == Validity.UNKNOWN) {
      String reason = unknown.get(0);
      if (unknown.size() > 1) reason += " (and " + (unknown.size() - 1) + " more partitions unknown)";
      details.put("unknown_reason", reason);
    }
    return new CheckResult(name(), valid, anomalies, details);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "linearizability-check-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
