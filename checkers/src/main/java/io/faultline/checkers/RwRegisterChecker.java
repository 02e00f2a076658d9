package io.faultline.checkers;

import io.faultline.history.History;
import java.util.List;
import java.util.Objects;

/**
 * Checks a history of read-write register transactions against transactional consistency models,
 * as Elle's {@code elle.rw-register}: {@code {"f":"txn","value":[["w","x",3],["r","y",null]]}} with
 * reads filled in on completion and written values unique per key.
 *
 * <p>Registers reveal less than lists: a read names the write it saw, but the order of versions is
 * only known from the initial nil and, when enabled, from {@code wfrKeys}, {@code sequentialKeys} and
 * {@code linearizableKeys} ({@link RwRegisterAnalysis}). The cycle search and the verdict are those
 * of {@link ListAppendChecker} ({@link TxnJudge}). Unlike Elle, a read of a value nobody wrote is
 * reported ({@code garbage-read}).
 */
public final class RwRegisterChecker implements Checker {
  private final TxnCheckerOptions options;

  public RwRegisterChecker() { this(TxnCheckerOptions.defaults()); }

  public RwRegisterChecker(TxnCheckerOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public TxnCheckerOptions options() { return options; }

  @Override
  public String name() { return "rw-register"; }

  @Override
  public CheckResult check(History history) {
    long startNs = System.nanoTime();
    RwRegisterAnalysis analysis;
    Txns txns;
    try {
      txns = Txns.parse(history, List.of("w", "r"));
      analysis = new RwRegisterAnalysis(txns, options);
    } catch (IllegalArgumentException e) {
      return TxnJudge.unreadable(name(), e.getMessage(), startNs);
    }
    return TxnJudge.judge(name(), options, txns, analysis.graph, analysis, analysis.findings, startNs);
  }
}
