package io.faultline.benchmarks;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.LinearizabilityChecker;
import io.faultline.checkers.Models;
import io.faultline.checkers.Validity;
import io.faultline.history.History;
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
 * Time to check a valid cas-register history: {@code size} entries over {@code keys} registers, five
 * concurrent processes per key, 1% of ops crashing at each step. The history is generated once per
 * trial from a fixed seed; only {@code check} is measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LinearizabilityCheckerBenchmark {
  static final long SEED = 42;
  static final int PROCESSES_PER_KEY = 5;
  static final double INFO_PROBABILITY = 0.01;

  @Param({"10000", "100000"})
  int size;

  @Param({"4", "16"})
  int keys;

  private History history;
  private LinearizabilityChecker checker;

  @Setup(Level.Trial)
  public void generate() {
    history = SimulatedCasRegisterHistory.generate(SEED, size, keys, PROCESSES_PER_KEY, INFO_PROBABILITY);
    checker = new LinearizabilityChecker(Models.byName("cas-register"));
    CheckResult r = checker.check(history);
    if (r.valid() != Validity.TRUE) throw new IllegalStateException("the generated history must be linearizable: " + r.toJson());
  }

  @Benchmark
  public CheckResult check() {
    return checker.check(history);
  }
}
