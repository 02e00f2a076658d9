package io.faultline.harness;

import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * One closed-loop client thread of a benchmark, the loop every bench workload shares: take a client
 * for the thread's process, invoke the next op, hand the completion to the outcome, and go on while
 * {@code more} says so. A client that cannot be had is asked for again after
 * {@link BenchRun#CLIENT_RETRY_MS}; an op that throws completes {@code info}; a process whose op ended
 * unknown ({@code info}, or no completion) retires and the next process number ({@code + stride})
 * takes its place — Jepsen's rule, kept though a benchmark checks nothing.
 */
final class ClosedLoopClient implements Runnable {
  /** The next invocation, for {@code process}. */
  interface Ops {
    Op next(int process);
  }

  /** A completion ({@code done} null when the client returned none), timed from invoke to return. */
  interface Outcome {
    void completed(Op invoked, Op done, long startNs, long endNs);
  }

  private final Cluster cluster;
  private final int thread;
  private final int stride;
  private final BooleanSupplier more;
  private final Ops ops;
  private final Outcome outcome;
  private final BenchErrors errors;

  ClosedLoopClient(Cluster cluster, int thread, int stride, BooleanSupplier more, Ops ops, Outcome outcome, BenchErrors errors) {
    this.cluster = cluster;
    this.thread = thread;
    this.stride = stride;
    this.more = more;
    this.ops = ops;
    this.outcome = outcome;
    this.errors = errors;
  }

  /** Starts the loop on a daemon thread named {@code name}. */
  Thread start(String name) {
    Thread th = new Thread(this, name);
    th.setDaemon(true);
    th.start();
    return th;
  }

  @Override
  public void run() {
    int process = thread;
    Client client = null;
    try {
      while (more.getAsBoolean()) {
        if (client == null) {
          try {
            client = cluster.client(process);
          } catch (IOException | RuntimeException e) {
            errors.note("no client: " + e.getMessage());
            Runner.sleepMs(BenchRun.CLIENT_RETRY_MS);
            continue;
          }
        }
        Op op = ops.next(process);
        if (op == null) return;
        long t0 = System.nanoTime();
        Op done;
        try {
          done = client.invoke(op);
        } catch (RuntimeException e) {
          done = op.info("client threw " + e);
        }
        outcome.completed(op, done, t0, System.nanoTime());
        if (done == null || (!done.isOk() && !done.isFail())) {
          client.close();
          client = null;
          process += stride;
        }
      }
    } finally {
      if (client != null) client.close();
    }
  }
}
