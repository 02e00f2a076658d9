package io.faultline.benchmarks;

import io.faultline.harness.sim.Schedule;
import io.faultline.harness.sim.SimCommand;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Simulated seeds per second, as {@code faultline sim --system raft --seeds 1..N} runs them: one clean
 * seed (no planted bug) per op, in one thread, with the invariants after every step and the
 * linearizability check at the end ({@link SimCommand#passes}). Seeds cost very different amounts
 * (3 or 5 nodes, 3–10 clients, 1.5–3 s of virtual time, their own fault mix), so the ops cycle through
 * seeds 1..{@value #SEEDS} in order, continuing across iterations. The schedules are generated once
 * in setup; a seed that fails stops the run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SimSeedsBenchmark {
  static final int SEEDS = 1000;

  private final Schedule[] schedules = new Schedule[SEEDS];
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < SEEDS; i++) schedules[i] = Schedule.generate(i + 1, null);
    next = 0;
  }

  @Benchmark
  public long seed() {
    Schedule s = schedules[next];
    next = next + 1 == SEEDS ? 0 : next + 1;
    if (!SimCommand.passes(s)) throw new IllegalStateException("seed " + s.seed() + " fails: faultline sim --system raft --seed " + s.seed());
    return s.seed();
  }
}
