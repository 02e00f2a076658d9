package io.faultline.benchmarks;

import io.faultline.raft.HardState;
import io.faultline.raft.Message;
import io.faultline.raft.RaftConfig;
import io.faultline.raft.RaftCore;
import io.faultline.raft.Ready;
import io.faultline.runtime.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Throughput of the Raft protocol core alone: {@code nodes} {@link RaftCore}s (default
 * {@link RaftConfig#defaults}: 64 entries per APPEND, 256 in flight) in one thread, wired by hand as
 * the core's tests wire them. Persisting is instant (each {@link Ready} is advanced at once),
 * messages are delivered in memory, and nothing ticks during measurement, so no heartbeats or
 * elections. No I/O, no state machine.
 *
 * <p>One op proposes a batch of 64-byte entries (one pre-allocated payload, which
 * {@link RaftCore#propose} copies) on the leader and delivers messages round by round until the
 * leader's commit index covers the batch; the score is committed entries per second. Followers learn
 * the new commit index in the next op's APPENDs. The log is never compacted, so every iteration
 * starts from a fresh cluster ({@code @Setup(Level.Iteration)}, not measured): a leader elected by
 * ticking, its no-op committed everywhere after one heartbeat.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RaftCoreBenchmark {
  static final int PAYLOAD_BYTES = 64;
  /** Bound on delivery rounds for one op or the election; exceeding it means the cluster is stuck. */
  static final int ROUNDS_MAX = 10_000;

  @Param({"3", "5"})
  int nodes;

  private final byte[] payload = new byte[PAYLOAD_BYTES];
  private RaftCore[] cores;
  private RaftCore leader;
  /** Messages of the current round; reused, cleared after delivery. */
  private final List<Message> outbox = new ArrayList<>();

  @Setup(Level.Iteration)
  public void setUp() {
    for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
    List<Integer> peers = new ArrayList<>();
    for (int id = 1; id <= nodes; id++) peers.add(id);
    cores = new RaftCore[nodes + 1];
    for (int id = 1; id <= nodes; id++) {
      cores[id] = new RaftCore(RaftConfig.defaults(id, peers), HardState.INITIAL, List.of(), new SplitMix64(id));
    }
    leader = null;
    for (int t = 0; t < ROUNDS_MAX && leader == null; t++) {
      for (int id = 1; id <= nodes; id++) cores[id].tick();
      while (round()) {
        // deliver until quiet
      }
      for (int id = 1; id <= nodes; id++) if (cores[id].isLeader()) leader = cores[id];
    }
    if (leader == null) throw new IllegalStateException("no leader after " + ROUNDS_MAX + " ticks");
    // a heartbeat carries the leader's commit index (its no-op) to the followers
    for (int t = 0; t < leader.config().heartbeatTicks(); t++) leader.tick();
    while (round()) {
      // deliver until quiet
    }
    for (int id = 1; id <= nodes; id++) {
      if (cores[id].commitIndex() != leader.lastIndex()) throw new IllegalStateException("n" + id + " has not committed the no-op");
    }
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public long batchOf1() {
    return commitBatch(1);
  }

  @Benchmark
  @OperationsPerInvocation(64)
  public long batchOf64() {
    return commitBatch(64);
  }

  private long commitBatch(int batch) {
    long last = 0;
    for (int i = 0; i < batch; i++) last = leader.propose(payload);
    if (last < 0) throw new IllegalStateException("proposal refused: n" + leader.id() + " is " + leader.role());
    for (int r = 0; leader.commitIndex() < last; r++) {
      if (r == ROUNDS_MAX || !round()) throw new IllegalStateException("entry " + last + " never committed");
    }
    return leader.commitIndex();
  }

  /** One round: every core persists (instantly) and emits, then every message is delivered. False when nothing moved. */
  private boolean round() {
    for (int id = 1; id <= nodes; id++) {
      RaftCore c = cores[id];
      outbox.addAll(c.takeImmediate());
      while (c.hasReady()) {
        Ready rd = c.ready();
        c.advance(rd);
        outbox.addAll(rd.messages());
        outbox.addAll(c.takeImmediate());
      }
    }
    if (outbox.isEmpty()) return false;
    for (int i = 0; i < outbox.size(); i++) {
      Message m = outbox.get(i);
      cores[m.to()].step(m);
    }
    outbox.clear();
    return true;
  }
}
