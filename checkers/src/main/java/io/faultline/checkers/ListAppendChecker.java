package io.faultline.checkers;

import io.faultline.history.History;
import java.util.List;
import java.util.Objects;

/**
 * Checks a history of list-append transactions against transactional consistency models, as Elle's
 * {@code elle.list-append} [1]: {@code {"f":"txn","value":[["append","x",1],["r","y",[1,2]]]}}.
 *
 * <p>Inference: appended values are unique per key, so each read names the txns whose appends it
 * saw; the longest read of a key gives its version order, and every other read must be a prefix of it
 * ({@code incompatible-order} otherwise). From the version orders come Adya's ww, wr and rw
 * dependencies [2]; realtime or process edges are added when a requested model forbids their cycles.
 * See {@link ListAppendAnalysis} for the details.
 *
 * <p>Search: strongly connected components, then a shortest witness of each cycle class the models
 * forbid within each ({@link CycleSearch}), with a time limit per component. Non-cycle anomalies
 * (G1a, G1b, dirty-update, lost-update, internal, duplicate-elements, incompatible-order,
 * future-read, garbage-read) are found by direct scans.
 *
 * <p>Verdict and details: see {@link TxnJudge}. A history this checker cannot read (a micro-op other
 * than append and r, a value appended twice to one key) is {@link Validity#UNKNOWN}, with the reason.
 *
 * <p>[1] K. Kingsbury and P. Alvaro, "Elle: Inferring isolation anomalies from experimental
 * observations", PVLDB 14(3), 2020. [2] A. Adya, "Weak consistency: a generalized theory and
 * optimistic implementations for distributed transactions", MIT PhD thesis, 1999.
 */
public final class ListAppendChecker implements Checker {
  private final TxnCheckerOptions options;

  public ListAppendChecker() { this(TxnCheckerOptions.defaults()); }

  public ListAppendChecker(TxnCheckerOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public TxnCheckerOptions options() { return options; }

  @Override
  public String name() { return "list-append"; }

  @Override
  public CheckResult check(History history) {
    long startNs = System.nanoTime();
    ListAppendAnalysis analysis;
    Txns txns;
    try {
      txns = Txns.parse(history, List.of("append", "r"));
      analysis = new ListAppendAnalysis(txns);
    } catch (IllegalArgumentException e) {
      return TxnJudge.unreadable(name(), e.getMessage(), startNs);
    }
    return TxnJudge.judge(name(), options, txns, analysis.graph, analysis, analysis.findings, startNs);
  }
}
