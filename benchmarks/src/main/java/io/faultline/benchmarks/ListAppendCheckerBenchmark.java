package io.faultline.benchmarks;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.ListAppendChecker;
import io.faultline.checkers.TxnCheckerOptions;
import io.faultline.checkers.Validity;
import io.faultline.history.History;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time to check a valid list-append history of {@code txns} transactions with
 * {@link ListAppendChecker}, against strict-serializable (realtime edges) or serializable. The history
 * comes from {@link SimulatedListAppendHistory} with a fixed seed, once per trial; only {@code check}
 * is measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ListAppendCheckerBenchmark {
  static final long SEED = 42;
  static final int PROCESSES = 10;
  static final int ACTIVE_KEYS = 10;
  static final int APPENDS_PER_KEY_MAX = 64;
  static final double FAIL_PROBABILITY = 0.01;
  static final double INFO_PROBABILITY = 0.005;

  @Param({"10000", "100000"})
  int txns;

  @Param({"strict-serializable", "serializable"})
  String model;

  private History history;
  private ListAppendChecker checker;

  @Setup(Level.Trial)
  public void generate() {
    history = generate(txns);
    checker = new ListAppendChecker(TxnCheckerOptions.of(List.of(model)));
    CheckResult r = checker.check(history);
    if (r.valid() != Validity.TRUE) throw new IllegalStateException("the generated history must be valid: " + r.toJson());
  }

  static History generate(int txns) {
    return SimulatedListAppendHistory.generate(SEED, txns, PROCESSES, ACTIVE_KEYS, APPENDS_PER_KEY_MAX, FAIL_PROBABILITY,
        INFO_PROBABILITY);
  }

  @Benchmark
  public CheckResult check() {
    return checker.check(history);
  }
}
