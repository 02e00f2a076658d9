package io.faultline.harness.sim;

import io.faultline.history.Op;
import io.faultline.raft.ClientReply;
import io.faultline.raft.RaftNode;
import io.faultline.raft.Wire;
import io.faultline.runtime.Env;
import io.faultline.runtime.Random;
import io.faultline.runtime.Timers;
import java.util.List;

/**
 * A simulated client: one op at a time, Jepsen-style. What the ops are and how a reply completes one
 * is its {@link Ops} ({@link RegisterOps}, {@link ListAppendOps}); this class sends an op's requests,
 * finds the leader, retries and decides the outcome when no definite reply comes. An op may take
 * several requests in turn (a txn reads, then commits); an attempt that can change data keeps its
 * session (client id, sequence number) across retries, so it applies at most once. An op completes
 * {@code fail} when no attempt of such a request may have applied, else {@code info}, after which the
 * process retires and a new one (new process number, new client id) takes its place.
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

  /**
   * A client's ops: invents each, names the request to send now, and reads the definite replies (all
   * but NOT_LEADER and BUSY, which the client handles by retrying).
   */
  interface Ops {
    /** The next op's invocation by {@code process}; its first request is {@link #request}'s. */
    Op invoke(int process, Session session);

    /** The op's current request, as attempt {@code requestId} sends it. */
    Wire request(long requestId);

    /** Whether an unanswered attempt of the current request may have changed data (a write; never a read). */
    boolean requestMayApply();

    /**
     * A definite reply to the current request: the op's completion, or null when the op goes on with
     * its next request. {@code mayHaveApplied}: an unanswered attempt of this op may have changed data.
     */
    Op onReply(Op invocation, ClientReply reply, boolean mayHaveApplied);
  }

  /** The client session of the current process: its id and the next sequence number. */
  interface Session {
    long clientId();

    long nextSeq();
  }

  /** What the clients share: the history, the op budget, unique values, the list-append keys, and the stop flag. */
  static final class Shared {
    final List<Op> history;
    int opsStarted;
    long nextValue = 1;
    boolean stopped;
    final java.util.function.LongSupplier now;
    /** List-append: the active keys, the appends each has had, the next fresh key (see {@link ListAppendOps}). */
    long[] activeKeys;
    int[] appendsToKey;
    long nextKey;

    Shared(List<Op> history, java.util.function.LongSupplier now) {
      this.history = history;
      this.now = now;
    }
  }

  private final Env<Wire> env;
  private final Schedule s;
  private final Shared shared;
  private final Random rng;
  private final Ops ops;
  private final int processStride;
  private final Session session = new Session() {
    @Override
    public long clientId() { return process + 1L; }

    @Override
    public long nextSeq() { return ++seq; }
  };
  private int process;
  private long seq;
  private int leaderGuess;
  private long requestId;
  private Op invocation;
  private int attempts;
  private long invokedNs;
  private final long thinkNsMax;
  private boolean mayHaveApplied;
  private Timers.Timer timeout;

  /** {@code ops} gets the same {@code rng}: one stream per client, so a seed replays exactly. */
  SimClient(Env<Wire> env, Schedule s, Shared shared, int index, Random rng, Ops ops) {
    this.env = env;
    this.s = s;
    this.shared = shared;
    this.rng = rng;
    this.ops = ops;
    this.process = index;
    this.processStride = s.clients();
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
    invocation = ops.invoke(process, session);
    invokedNs = shared.now.getAsLong();
    shared.history.add(invocation.withTime(invokedNs));
    attempts = 0;
    mayHaveApplied = false;
    attempt();
  }

  private int nodeCount() { return s.nodes() + s.spareNodes(); }

  private void attempt() {
    attempts++;
    requestId++;
    int target = leaderGuess != 0 && !rng.chance(RANDOM_NODE_PROBABILITY) ? leaderGuess : 1 + rng.nextInt(nodeCount());
    env.transport().send(RaftNode.nodeName(target), ops.request(requestId));
    long id = requestId;
    timeout = env.timers().schedule(ATTEMPT_TIMEOUT_NS, () -> {
      if (invocation == null || id != requestId) return;
      if (ops.requestMayApply()) mayHaveApplied = true;
      leaderGuess = 0;
      retryOrGiveUp();
    });
  }

  private void onReply(ClientReply r) {
    if (invocation == null || r.requestId() != requestId) return;
    timeout.cancel();
    if (r.status() == ClientReply.Status.NOT_LEADER || r.status() == ClientReply.Status.BUSY) {
      leaderGuess = r.leaderHint() != 0 && r.leaderHint() <= nodeCount() ? r.leaderHint() : 0;
      if (r.status() == ClientReply.Status.NOT_LEADER && leaderGuess == 0) leaderGuess = 1 + rng.nextInt(nodeCount());
      env.timers().schedule(1 + rng.nextInt((int) BACKOFF_NS_MAX), () -> {
        if (invocation != null && r.requestId() == requestId) retryOrGiveUp();
      });
      return;
    }
    Op completion = ops.onReply(invocation, r, mayHaveApplied);
    if (completion != null) {
      complete(completion);
      return;
    }
    // the op's next request: to the node that answered, which led a moment ago
    if (r.leaderHint() != 0 && r.leaderHint() <= nodeCount()) leaderGuess = r.leaderHint();
    retryOrGiveUp();
  }

  private void retryOrGiveUp() {
    if (attempts < ATTEMPTS_MAX && shared.now.getAsLong() - invokedNs < OP_DEADLINE_NS) {
      attempt();
    } else if (!mayHaveApplied) {
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
  }

  private void complete(Op completion) {
    shared.history.add(completion.withTime(shared.now.getAsLong()));
    invocation = null;
    requestId++;
    if (completion.isInfo()) {
      process += processStride;
      seq = 0;
    }
    env.timers().schedule((long) (rng.nextDouble() * thinkNsMax), this::next);
  }
}
