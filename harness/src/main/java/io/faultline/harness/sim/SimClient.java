package io.faultline.harness.sim;

import io.faultline.history.Op;
import io.faultline.raft.ClientReply;
import io.faultline.raft.ClientRequest;
import io.faultline.raft.Command;
import io.faultline.raft.RaftNode;
import io.faultline.raft.Wire;
import io.faultline.runtime.Env;
import io.faultline.runtime.Random;
import io.faultline.runtime.Timers;
import java.util.List;

/**
 * A simulated client: one op at a time, Jepsen-style. A write or cas keeps its session (client id,
 * sequence number) across retries, so it applies at most once; it completes {@code fail} only when
 * every attempt was refused outright, else {@code info}, after which the process retires and a new
 * one (new process number, new client id) takes its place.
 */
final class SimClient {
  static final long ATTEMPT_TIMEOUT_NS = 40_000_000L;
  /**
   * An op is retried until this long after its invocation (bounded attempts too), then it is info.
   * Long, because the session makes retries safe and every retry that gets through turns an
   * indeterminate op into a definite one (fewer info ops keep the linearizability check tractable).
   */
  static final long OP_DEADLINE_NS = 6_000_000_000L;
  /** Share of attempts sent to a random node rather than the believed leader (Jepsen binds clients to nodes). */
  static final double RANDOM_NODE_PROBABILITY = 0.3;
  static final int ATTEMPTS_MAX = 200;
  static final long BACKOFF_NS_MAX = 20_000_000L;

  /** What the clients share: the history, the op budget, unique values, and the stop flag. */
  static final class Shared {
    final List<Op> history;
    int opsStarted;
    long nextValue = 1;
    boolean stopped;
    final java.util.function.LongSupplier now;

    Shared(List<Op> history, java.util.function.LongSupplier now) {
      this.history = history;
      this.now = now;
    }
  }

  private final Env<Wire> env;
  private final Schedule s;
  private final Shared shared;
  private final Random rng;
  private final int processStride;
  private int process;
  private long seq;
  private int leaderGuess;
  private long requestId;
  private Op invocation;
  private Command command;
  private long key;
  private int attempts;
  private long invokedNs;
  private final long thinkNsMax;
  private boolean mayHaveApplied;
  private Timers.Timer timeout;
  private final long[] lastSeen;

  SimClient(Env<Wire> env, Schedule s, Shared shared, int index, Random rng) {
    this.env = env;
    this.s = s;
    this.shared = shared;
    this.rng = rng;
    this.process = index;
    this.processStride = s.clients();
    this.lastSeen = new long[s.keys()];
    // pace the ops so that they spread over the whole run, where the faults are
    this.thinkNsMax = Math.max(1, 2 * s.durationMs() * 1_000_000L * s.clients() / Math.max(1, s.opsMax()));
    env.transport().setHandler((from, w) -> {
      if (w instanceof ClientReply) onReply((ClientReply) w);
    });
    env.timers().schedule(1 + rng.nextInt(5_000_000), this::next);
  }

  boolean idle() { return invocation == null; }

  private void next() {
    if (shared.stopped || shared.opsStarted >= s.opsMax()) return;
    shared.opsStarted++;
    key = rng.nextInt(s.keys());
    int roll = rng.nextInt(100);
    if (roll < s.readPct()) {
      command = new Command(Command.Kind.READ, 0, 0, key, 0, null);
      invocation = Op.invoke(process, "read", key, null);
    } else if (roll < s.readPct() + s.casPct() && lastSeen[(int) key] != 0) {
      long v = shared.nextValue++;
      long old = rng.chance(0.7) ? lastSeen[(int) key] : 1 + rng.nextInt((int) Math.max(1, shared.nextValue - 1));
      command = new Command(Command.Kind.CAS, clientId(), ++seq, key, v, old);
      invocation = Op.invoke(process, "cas", key, List.of(old, v));
    } else {
      long v = shared.nextValue++;
      command = new Command(Command.Kind.WRITE, clientId(), ++seq, key, v, null);
      invocation = Op.invoke(process, "write", key, v);
    }
    invokedNs = shared.now.getAsLong();
    shared.history.add(invocation.withTime(invokedNs));
    attempts = 0;
    mayHaveApplied = false;
    attempt();
  }

  private long clientId() { return process + 1L; }

  private void attempt() {
    attempts++;
    requestId++;
    int target = leaderGuess != 0 && !rng.chance(RANDOM_NODE_PROBABILITY) ? leaderGuess : 1 + rng.nextInt(s.nodes() + s.spareNodes());
    env.transport().send(RaftNode.nodeName(target), new ClientRequest(requestId, command));
    long id = requestId;
    timeout = env.timers().schedule(ATTEMPT_TIMEOUT_NS, () -> {
      if (invocation == null || id != requestId) return;
      if (command.kind() != Command.Kind.READ) mayHaveApplied = true;
      leaderGuess = 0;
      retryOrGiveUp();
    });
  }

  private void onReply(ClientReply r) {
    if (invocation == null || r.requestId() != requestId) return;
    timeout.cancel();
    switch (r.status()) {
      case OK:
        if (command.kind() == Command.Kind.READ) {
          if (r.value() != null) lastSeen[(int) key] = (Long) r.value();
          complete(invocation.ok(r.value()));
        } else {
          lastSeen[(int) key] = (Long) command.value();
          complete(invocation.ok(invocation.value()));
        }
        break;
      case CAS_FAILED:
        if (r.value() != null) lastSeen[(int) key] = (Long) r.value();
        complete(invocation.fail("cas: current value differs"));
        break;
      case NOT_LEADER:
      case BUSY:
      default:
        leaderGuess = r.leaderHint() != 0 && r.leaderHint() <= s.nodes() + s.spareNodes() ? r.leaderHint() : 0;
        if (r.status() == ClientReply.Status.NOT_LEADER && leaderGuess == 0) leaderGuess = 1 + rng.nextInt(s.nodes() + s.spareNodes());
        env.timers().schedule(1 + rng.nextInt((int) BACKOFF_NS_MAX), () -> {
          if (invocation != null && r.requestId() == requestId) retryOrGiveUp();
        });
    }
  }

  private void retryOrGiveUp() {
    if (attempts < ATTEMPTS_MAX && shared.now.getAsLong() - invokedNs < OP_DEADLINE_NS) {
      attempt();
    } else if (command.kind() == Command.Kind.READ || !mayHaveApplied) {
      complete(invocation.fail("no node accepted it"));
    } else {
      giveUp("timed out");
    }
  }

  /** Records the op as indeterminate and retires the process (Jepsen's rule after info). */
  void giveUp(String why) {
    if (invocation == null) return;
    Op inv = invocation;
    complete(inv.info(why));
    process += processStride;
    seq = 0;
  }

  private void complete(Op completion) {
    shared.history.add(completion.withTime(shared.now.getAsLong()));
    invocation = null;
    requestId++;
    env.timers().schedule((long) (rng.nextDouble() * thinkNsMax), this::next);
  }
}
