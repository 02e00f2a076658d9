package io.faultline.harness.sim;

import io.faultline.checkers.Anomaly;
import io.faultline.checkers.CheckResult;
import io.faultline.checkers.LinearizabilityChecker;
import io.faultline.checkers.ListAppendChecker;
import io.faultline.checkers.TxnCheckerOptions;
import io.faultline.checkers.Models;
import io.faultline.checkers.Validity;
import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.raft.Bug;
import io.faultline.raft.HardState;
import io.faultline.raft.ClientReply;
import io.faultline.raft.ClientRequest;
import io.faultline.raft.Membership;
import io.faultline.raft.Message;
import io.faultline.raft.Proposal;
import io.faultline.raft.RaftConfig;
import io.faultline.raft.RaftCore;
import io.faultline.raft.RaftNode;
import io.faultline.raft.ReadRequest;
import io.faultline.raft.TxnRequest;
import io.faultline.raft.Wal;
import io.faultline.raft.WalConfig;
import io.faultline.raft.Wire;
import io.faultline.runtime.Random;
import io.faultline.runtime.SimWorld;
import io.faultline.runtime.SplitMix64;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs one {@link Schedule}: a Raft cluster and its clients in a {@link SimWorld}, the faults at their
 * times, the {@link Invariants} after every event, and at the end the clients' history through the
 * linearizability checker (cas-register per key), or for a list-append run through the Elle-style
 * list-append checker against strict serializability (unknown fails the seed, as for linearizability).
 * Deterministic: same schedule, same outcome, same bytes.
 *
 * <p>Membership: the initial cluster is nodes 1..{@code nodes}; the spare nodes after them start with it,
 * as nodes that join (no member until a change adds them). Changes and leader transfers are proposed to
 * the leader's core directly, as an operator's request would be; its node picks the work up at its next tick.
 *
 * <p>Phases: faults and client ops until {@code durationMs}; then every fault is repaired, no new op
 * starts, and the run settles for {@link #SETTLE_NS} so open ops finish; ops still open become info.
 */
final class SimRun {
  static final long SETTLE_NS = 2_000_000_000L;
  /** A membership change is retried this often by whichever node leads, at most MEMBERSHIP_STEPS_MAX times. */
  static final long MEMBERSHIP_STEP_MS = 20;
  static final int MEMBERSHIP_STEPS_MAX = 100;
  /** Per-key checker time limit; past it the verdict is unknown, which fails the seed (never optimistic). */
  static final long CHECK_TIME_LIMIT_MS = 20_000;
  /** The nodes' WAL: small segments, so that runs rotate (and crash around rotations) several times. */
  static final WalConfig WAL = new WalConfig(WalConfig.SyncPolicy.SAFE, WalConfig.SYNC_INTERVAL_MS_DEFAULT, 16 << 10, 4 << 10);
  /** What a run found. {@code failure} null when every check passed. */
  record Outcome(Schedule schedule, String failure, long failureNs, List<Op> history, List<String> trace, long events,
      Map<String, Object> stats) {
    boolean failed() { return failure != null; }
  }

  private final Schedule s;
  private final boolean tracing;
  private final SimWorld<Wire> world;
  private final RaftNode[] nodes;
  private final List<SimClient> clients = new ArrayList<>();
  private final Invariants invariants;
  private final List<Op> history = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();
  private final Random faultRng;
  private final boolean[] armed;
  private final boolean[] armedVoteOnly;
  private final HardState[] armedFrom;
  private int figure8Phase;
  private long figure8TermAbove;
  private long figure8DownMs;
  private int figure8Victim;
  private long figure8VictimCommit;
  private final long[] armedRestartMs;
  /** The nodes of the run: the initial cluster and the spares. */
  private final int total;
  /** CRASH_LEADER_IN_JOINT armed: -1 none, else the fault's mask (0: in the joint phase, 1: after C_new was appended). */
  private int jointCrashWhen = -1;
  private long jointCrashDownMs;
  private final List<Runnable> repairs = new ArrayList<>();

  SimRun(Schedule s, boolean tracing) { this(s, tracing, true); }

  /** With {@code checkConfigurationOverlap} false the configuration-overlap invariant is off (see {@link Invariants}). */
  SimRun(Schedule s, boolean tracing, boolean checkConfigurationOverlap) {
    this.s = s;
    this.tracing = tracing;
    this.world = new SimWorld<>(s.seed(), new SimWorld.NetworkConfig(s.dropProbability(), s.duplicateProbability(),
        s.delayUsMin() * 1000, s.delayUsMax() * 1000, s.slowProbability(), s.slowDelayUsMax() * 1000));
    this.total = s.nodes() + s.spareNodes();
    this.nodes = new RaftNode[total + 1];
    this.invariants = new Invariants(total, checkConfigurationOverlap);
    this.faultRng = SplitMix64.derive(s.seed(), "faults");
    this.armed = new boolean[total + 1];
    this.armedVoteOnly = new boolean[total + 1];
    this.armedFrom = new HardState[total + 1];
    this.armedRestartMs = new long[total + 1];
    if (tracing) world.setTrace(trace::add, SimRun::describe);
  }

  static String describe(Wire w) {
    if (w instanceof Message) return ((Message) w).describe();
    if (w instanceof ClientRequest) {
      ClientRequest r = (ClientRequest) w;
      return "request#" + r.requestId() + " " + r.command();
    }
    if (w instanceof TxnRequest) {
      TxnRequest r = (TxnRequest) w;
      return "txn#" + r.requestId() + " " + r.entry();
    }
    if (w instanceof ReadRequest) {
      ReadRequest r = (ReadRequest) w;
      return "read#" + r.requestId() + " " + r.keys() + (r.atIndex() > 0 ? " at " + r.atIndex() : "");
    }
    ClientReply r = (ClientReply) w;
    return "reply#" + r.requestId() + " " + r.status() + " " + r.value() + " leader=" + r.leaderHint();
  }

  Outcome run() {
    List<Integer> peers = new ArrayList<>();
    for (int i = 1; i <= s.nodes(); i++) peers.add(i);
    Bug bug = s.bugSwitch();
    WalConfig wal = WAL.withSnapshots(new WalConfig.SnapshotPolicy(s.snapshotEntries(), 0, 0, s.snapshotRetainEntries())
        .withFormat(Schedule.SNAPSHOT_INCREMENTAL.equals(s.snapshotFormat()) ? WalConfig.SnapshotPolicy.Format.INCREMENTAL
            : WalConfig.SnapshotPolicy.Format.LOGICAL));
    SimWorld.DiskConfig disk = new SimWorld.DiskConfig(s.fsyncUsMin() * 1000, s.fsyncUsMax() * 1000, s.stallProbability(),
        s.stallMs() * 1_000_000, s.tornWriteProbability());
    for (int i = 1; i <= total; i++) {
      int id = i;
      RaftConfig cfg = new RaftConfig(id, peers, Schedule.ELECTION_TICKS, Schedule.HEARTBEAT_TICKS, true, true,
          s.readMode().equals(Schedule.LEASE) ? RaftConfig.ReadMode.LEASE : RaftConfig.ReadMode.READ_INDEX, s.clockDriftMax(),
          s.entriesPerMsgMax(), 1 << 16, s.inflightMsgsMax(), 1L << 20, 10_000, 10_000, bug == null ? Set.of() : EnumSet.of(bug), wal,
          id > s.nodes(), RaftConfig.CATCH_UP_ENTRIES_MAX_DEFAULT);
      double rate = id <= s.nodes() ? s.clockRates().get(id - 1) : 1.0;
      world.addNode(RaftNode.nodeName(id), new SimWorld.ClockConfig(rate, 0), disk,
          env -> nodes[id] = new RaftNode(env, cfg, Schedule.TICK_US * 1000, invariants::onApply, line -> world.log(env.nodeName() + " " + line)));
    }
    SimClient.Shared shared = new SimClient.Shared(history, world::nowNs);
    for (int k = 0; k < s.clients(); k++) {
      int index = k;
      Random rng = SplitMix64.derive(s.seed(), "client/" + k);
      world.addNode("c" + k, new SimWorld.ClockConfig(1.0, 0), disk,
          env -> clients.add(new SimClient(env, s, shared, index, rng, listAppend()
              ? new ListAppendOps(s, shared, rng) : new RegisterOps(s, shared, rng))));
    }
    world.setFsyncListener((node, file) -> {
      // "after persisting" is after a step the node acts on: a WAL batch, a published hard state; not the
      // sync of a temp file about to be renamed (the WAL tests crash there, exhaustively)
      if (!node.startsWith("n") || file.endsWith(".tmp")) return;
      int id = Integer.parseInt(node.substring(1));
      if (node.startsWith("n") && armed[id]) {
        HardState d = nodes[id].durableHardState();
        if (armedVoteOnly[id] && (d.vote() == 0 || d.vote() == id || d.equals(armedFrom[id]))) return;
        armed[id] = false;
        crash(id, armedRestartMs[id], "crash-after-persist");
      }
    });
    for (Fault f : s.faults()) world.at(f.atMs() * 1_000_000, () -> fire(f));
    long endNs = s.durationMs() * 1_000_000;
    world.at(endNs, () -> {
      shared.stopped = true;
      nemesis("heal-all", null);
      for (Runnable r : new ArrayList<>(repairs)) r.run();
      repairs.clear();
      for (int i = 1; i <= total; i++) {
        armed[i] = false;
        world.restart(RaftNode.nodeName(i));
      }
    });
    String failure = null;
    long failureNs = -1;
    RaftCore[] cores = new RaftCore[total + 1];
    try {
      while (world.nextEventNs() <= endNs + SETTLE_NS && world.step()) {
        for (int i = 1; i <= total; i++) cores[i] = nodes[i] == null || !world.isUp(RaftNode.nodeName(i)) ? null : nodes[i].core();
        invariants.check(cores);
        for (int i = 1; i <= total; i++) if (cores[i] != null) invariants.checkVote(i, nodes[i].durableHardState());
        if (figure8Phase != 0) watchFigure8(cores);
        if (jointCrashWhen >= 0) watchJointCrash(cores);
        if (shared.stopped && world.nowNs() > endNs && allIdle()) break;
      }
    } catch (Invariants.Violation v) {
      failure = v.getMessage();
      failureNs = world.nowNs();
    } catch (RuntimeException e) {
      failure = "exception: " + e;
      failureNs = world.nowNs();
    }
    for (SimClient c : clients) c.giveUp("run ended");
    if (failure == null) {
      failure = compareReplicas();
      if (failure != null) failureNs = world.nowNs();
    }
    Map<String, Object> stats = stats();
    if (failure == null && !listAppend()) {
      CheckResult r = checkLinearizable(history);
      stats.put("linearizable", r.valid().json());
      if (r.valid() != Validity.TRUE) {
        failure = "linearizability: " + (r.valid() == Validity.FALSE ? "" : "unknown: ")
            + (r.anomalies().isEmpty() ? unknownReason(r) : r.anomalies().get(0).toJson());
        failureNs = world.nowNs();
      }
    } else if (failure == null) {
      CheckResult r = checkStrictSerializable(history);
      stats.put("strict_serializable", r.valid().json());
      if (r.valid() != Validity.TRUE) {
        // unknown is a property of its own, so that shrinking never trades an anomaly for it
        failure = r.valid() == Validity.FALSE
            ? "strict serializability: " + r.details().get("anomaly_types") + " " + headline(r.anomalies()).toJson()
            : "strict serializability unknown: " + r.details().get("unknown_reason");
        failureNs = world.nowNs();
      }
    }
    if (tracing) trace.add(world.nowNs() + " end " + (failure == null ? "ok" : "FAIL " + failure));
    return new Outcome(s, failure, failureNs, List.copyOf(history), List.copyOf(trace), world.eventCount(), stats);
  }

  /** State machine safety on the states themselves: replicas that applied up to the same index hold the same data. */
  private String compareReplicas() {
    Map<Long, Integer> byApplied = new LinkedHashMap<>();
    for (int i = 1; i <= total; i++) {
      if (nodes[i] == null || nodes[i].core() == null || !world.isUp(RaftNode.nodeName(i))) continue;
      long applied = nodes[i].stateMachine().appliedIndex();
      Integer other = byApplied.putIfAbsent(applied, i);
      if (other != null && !nodes[other].stateMachine().contents().equals(nodes[i].stateMachine().contents())) {
        return "state machine safety: n" + other + " and n" + i + " applied up to " + applied + " but hold different data: "
            + nodes[other].stateMachine().contents() + " vs " + nodes[i].stateMachine().contents();
      }
    }
    return null;
  }

  private boolean allIdle() {
    for (SimClient c : clients) if (!c.idle()) return false;
    return true;
  }

  private Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    long ok = 0;
    long fail = 0;
    long info = 0;
    long compareFailed = 0;
    for (Op op : history) {
      if (op.type() == OpType.OK) ok++;
      else if (op.type() == OpType.FAIL) fail++;
      else if (op.type() == OpType.INFO && op.isClient()) info++;
      if (op.type() == OpType.FAIL && op.error() != null && op.error().startsWith(ListAppendOps.COMPARE_FAILED)) compareFailed++;
    }
    m.put("workload", s.workload());
    m.put("ops_ok", ok);
    m.put("ops_fail", fail);
    m.put("ops_info", info);
    if (listAppend()) m.put("txns_compare_failed", compareFailed);
    m.put("committed", invariants.committedMax());
    m.put("events", world.eventCount());
    m.put("virtual_ms", world.nowNs() / 1_000_000);
    long taken = 0;
    long installed = 0;
    long byDelta = 0;
    for (int i = 1; i <= total; i++) {
      if (nodes[i] == null) continue;
      taken += nodes[i].snapshotsTaken();
      installed += nodes[i].snapshotsInstalled();
      byDelta += nodes[i].snapshotsInstalledByDelta();
    }
    m.put("snapshots_taken", taken);
    m.put("snapshots_installed", installed);
    m.put("snapshots_installed_by_delta", byDelta);
    return m;
  }

  private static Object unknownReason(CheckResult r) {
    for (Object part : r.details().values()) {
      if (part instanceof Map && ((Map<?, ?>) part).containsKey("unknown_reason")) return ((Map<?, ?>) part).get("unknown_reason");
    }
    return r.details();
  }

  private boolean listAppend() { return Schedule.LIST_APPEND.equals(s.workload()); }

  /** The anomaly to show first: a lost update, else a dependency cycle (G...), else the first found. */
  private static Anomaly headline(List<Anomaly> anomalies) {
    for (Anomaly a : anomalies) if (a.type().equals("lost-update")) return a;
    for (Anomaly a : anomalies) if (a.type().startsWith("G")) return a;
    return anomalies.get(0);
  }

  /** The Elle-style list-append checker against strict serializability, on the whole history (op indexes as in history.jsonl). */
  static CheckResult checkStrictSerializable(List<Op> ops) {
    TxnCheckerOptions options = TxnCheckerOptions.of(List.of("strict-serializable")).withCycleSearchTimeoutMs(CHECK_TIME_LIMIT_MS);
    return new ListAppendChecker(options).check(History.of(ops));
  }

  /** Checks each key's sub-history on this thread (a single partition needs no pool). */
  static CheckResult checkLinearizable(List<Op> ops) {
    Map<Object, List<Op>> byKey = new LinkedHashMap<>();
    for (Op op : ops) if (op.isClient()) byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    LinearizabilityChecker checker = new LinearizabilityChecker(Models.byName("cas-register"), CHECK_TIME_LIMIT_MS,
        LinearizabilityChecker.CONFIGS_MAX_DEFAULT);
    List<CheckResult> parts = new ArrayList<>();
    for (List<Op> keyOps : byKey.values()) parts.add(checker.check(History.of(keyOps)));
    return CheckResult.compose("linearizable", parts);
  }

  // ---- faults

  private void nemesis(String f, Object value) {
    history.add(new Op(-1, world.nowNs(), Op.NEMESIS, OpType.INFO, f, value, null, null));
    world.log("nemesis " + f + " " + value);
  }

  /** The node that leads in the highest term among the live ones, else a live node at random. */
  private int leaderOrAny() {
    int best = 0;
    long bestTerm = -1;
    List<Integer> live = new ArrayList<>();
    for (int i = 1; i <= total; i++) {
      if (!world.isUp(RaftNode.nodeName(i)) || nodes[i] == null || nodes[i].core() == null) continue;
      live.add(i);
      RaftCore c = nodes[i].core();
      if (c.isLeader() && c.term() > bestTerm) {
        best = i;
        bestTerm = c.term();
      }
    }
    if (best != 0) return best;
    return live.isEmpty() ? 1 + faultRng.nextInt(s.nodes()) : live.get(faultRng.nextInt(live.size()));
  }

  private void fire(Fault f) {
    if (world.nowNs() >= s.durationMs() * 1_000_000) return;
    int target = f.node() == 0 ? leaderOrAny() : f.node();
    switch (f.kind()) {
      case PARTITION_LEADER: {
        long side = 1L << (target - 1);
        if (f.mask() == 1) {
          int other = 1 + faultRng.nextInt(s.nodes() - 1);
          if (other >= target) other++;
          side |= 1L << (other - 1);
        }
        partition(side, f.durationMs());
        break;
      }
      case PARTITION:
        partition(f.mask(), f.durationMs());
        break;
      case CRASH:
        crash(target, f.durationMs(), "crash");
        break;
      case CRASH_SET:
        for (int i = 1; i <= s.nodes(); i++) if ((f.mask() & (1L << (i - 1))) != 0) crash(i, f.durationMs() + 3L * i, "crash");
        break;
      case CRASH_AFTER_PERSIST:
        if (nodes[target] == null) break;
        armed[target] = true;
        armedVoteOnly[target] = f.mask() == 1;
        armedFrom[target] = nodes[target].durableHardState();
        armedRestartMs[target] = f.durationMs();
        nemesis("arm-crash-after-persist", RaftNode.nodeName(target));
        break;
      case FIGURE8: {
        if (s.nodes() < 3) break;
        int other = 1 + faultRng.nextInt(s.nodes() - 1);
        if (other >= target) other++;
        long d1 = 20 + faultRng.nextInt(60);
        partition((1L << (target - 1)) | (1L << (other - 1)), d1);
        world.at(world.nowNs() + d1 * 1_000_000 - 1, () -> {
          crash(target, f.durationMs(), "crash");
          figure8Phase = 1;
          figure8TermAbove = maxTerm();
          figure8DownMs = f.durationMs();
        });
        break;
      }
      case LEASE_SKEW: {
        double[] before = new double[total + 1];
        for (int i = 1; i <= total; i++) {
          String n = RaftNode.nodeName(i);
          before[i] = world.clockRate(n);
          world.setClockRate(n, i == target ? 1 - s.clockDriftMax() : 1 + s.clockDriftMax());
        }
        partition(1L << (target - 1), f.durationMs());
        Runnable restore = () -> {
          for (int i = 1; i <= total; i++) world.setClockRate(RaftNode.nodeName(i), before[i]);
        };
        repairs.add(restore);
        world.at(world.nowNs() + f.durationMs() * 1_000_000, restore);
        break;
      }
      case MEMBERSHIP:
        changeMembership(f.mask(), MEMBERSHIP_STEPS_MAX);
        break;
      case TRANSFER_LEADER:
        transferLeader(f.node());
        break;
      case CRASH_LEADER_IN_JOINT:
        jointCrashWhen = (int) f.mask();
        jointCrashDownMs = f.durationMs();
        nemesis("arm-crash-leader-in-joint", f.mask() == 0 ? "joint" : "after-c-new");
        break;
      case BIT_FLIP: {
        String segment = Wal.newestSegmentName(world.files(RaftNode.nodeName(target)));
        if (segment != null) world.flipBit(RaftNode.nodeName(target), segment, faultRng);
        nemesis("bit-flip", RaftNode.nodeName(target));
        crash(target, f.durationMs(), "crash");
        break;
      }
      default:
        throw new IllegalStateException("unknown fault " + f.kind());
    }
  }

  private long maxTerm() {
    long t = 0;
    for (int i = 1; i <= total; i++) {
      if (nodes[i] != null && nodes[i].core() != null && world.isUp(RaftNode.nodeName(i))) t = Math.max(t, nodes[i].core().term());
    }
    return t;
  }

  /** Figure 8's later steps: isolate the next leader as soon as it is elected; crash the one after it right after its commit index first moves (at most 50 ms in). */
  private void watchFigure8(RaftCore[] cores) {
    for (int i = 1; i <= total && figure8Phase != 3; i++) {
      RaftCore c = cores[i];
      if (c == null || !c.isLeader() || c.term() <= figure8TermAbove) continue;
      figure8TermAbove = c.term();
      if (figure8Phase == 1) {
        partition(1L << (i - 1), figure8DownMs);
        figure8Phase = 2;
      } else if (figure8Phase == 2) {
        figure8Victim = i;
        figure8VictimCommit = c.commitIndex();
        figure8Phase = 3;
        int victim = i;
        world.at(world.nowNs() + 50_000_000L, () -> {
          if (figure8Phase == 3 && figure8Victim == victim) {
            figure8Phase = 0;
            crash(victim, figure8DownMs, "crash");
          }
        });
      }
      return;
    }
    if (figure8Phase == 3) {
      RaftCore c = cores[figure8Victim];
      if (c != null && c.isLeader() && c.commitIndex() > figure8VictimCommit) {
        figure8Phase = 0;
        crash(figure8Victim, figure8DownMs, "crash-after-commit");
      }
    }
  }

  /** The live node that leads in the highest term, 0 when none does. */
  private int leader() {
    int best = 0;
    for (int i = 1; i <= total; i++) {
      if (!world.isUp(RaftNode.nodeName(i)) || nodes[i] == null || nodes[i].core() == null || !nodes[i].core().isLeader()) continue;
      if (best == 0 || nodes[i].core().term() > nodes[best].core().term()) best = i;
    }
    return best;
  }

  private static Set<Integer> ids(long mask) {
    Set<Integer> out = new TreeSet<>();
    for (int i = 1; i < 64; i++) if ((mask & (1L << (i - 1))) != 0) out.add(i);
    return out;
  }

  /**
   * One step toward the voters of {@code mask}, by whichever node leads: nodes not yet members join as
   * learners (one change), then the voters change (one more: the core goes through the joint
   * configuration). Refusals (a change in flight, a lagging learner, no leader) are retried later.
   */
  private void changeMembership(long mask, int stepsLeft) {
    if (stepsLeft <= 0 || world.nowNs() >= s.durationMs() * 1_000_000) return;
    Set<Integer> target = ids(mask);
    int l = leader();
    if (l != 0) {
      RaftCore c = nodes[l].core();
      Membership m = c.membership();
      if (m.voters().equals(target) && !m.joint() && c.membershipIndex() <= c.commitIndex()) {
        nemesis("membership-reached", new ArrayList<Object>(target));
        return;
      }
      Set<Integer> learners = new TreeSet<>(m.learners());
      Set<Integer> missing = new TreeSet<>(target);
      missing.removeAll(m.members());
      Proposal p;
      if (!missing.isEmpty()) {
        learners.addAll(missing);
        p = c.proposeMembership(m.voters(), learners);
      } else {
        learners.removeAll(target);
        p = c.proposeMembership(target, learners);
      }
      if (p.isAccepted()) nemesis("membership", "n" + l + ": voters " + target + " learners " + learners + " at " + p.index());
    }
    world.at(world.nowNs() + MEMBERSHIP_STEP_MS * 1_000_000, () -> changeMembership(mask, stepsLeft - 1));
  }

  private void transferLeader(int node) {
    int l = leader();
    if (l == 0) return;
    RaftCore c = nodes[l].core();
    List<Integer> voters = new ArrayList<>(c.membership().voters());
    voters.remove((Integer) l);
    int target = node != 0 ? node : voters.isEmpty() ? l : voters.get(faultRng.nextInt(voters.size()));
    Proposal p = c.transferLeader(target);
    nemesis("transfer-leader", "n" + l + " to n" + target + (p.isAccepted() ? "" : " refused: " + p.reason()));
  }

  /** CRASH_LEADER_IN_JOINT: crash a leader in the joint phase, or right after it appended C_new. */
  private void watchJointCrash(RaftCore[] cores) {
    for (int i = 1; i <= total; i++) {
      RaftCore c = cores[i];
      if (c == null || !c.isLeader()) continue;
      long at = c.membershipIndex();
      boolean hit = jointCrashWhen == 0 ? c.membership().joint()
          : at > c.commitIndex() && at > c.logBase() && c.membershipAt(at - 1).joint();
      if (hit) {
        jointCrashWhen = -1;
        crash(i, jointCrashDownMs, "crash-leader-in-joint");
        return;
      }
    }
  }

  private void partition(long side, long durationMs) {
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    for (int i = 1; i <= total; i++) ((side & (1L << (i - 1))) != 0 ? a : b).add(RaftNode.nodeName(i));
    if (a.isEmpty() || b.isEmpty()) return;
    nemesis("start-partition", List.of(new ArrayList<Object>(a), new ArrayList<Object>(b)));
    for (String x : a) {
      for (String y : b) {
        world.block(x, y);
        world.block(y, x);
      }
    }
    Runnable heal = new Runnable() {
      boolean done;

      @Override
      public void run() {
        if (done) return;
        done = true;
        for (String x : a) {
          for (String y : b) {
            world.unblock(x, y);
            world.unblock(y, x);
          }
        }
        nemesis("stop-partition", List.of(new ArrayList<Object>(a), new ArrayList<Object>(b)));
      }
    };
    repairs.add(heal);
    world.at(world.nowNs() + durationMs * 1_000_000, heal);
  }

  private void crash(int id, long downMs, String why) {
    String name = RaftNode.nodeName(id);
    if (!world.isUp(name)) return;
    world.crash(name);
    nemesis(why, name);
    world.at(world.nowNs() + downMs * 1_000_000, () -> {
      if (!world.isUp(name) && world.nowNs() < s.durationMs() * 1_000_000) {
        world.restart(name);
        nemesis("restart", name);
      }
    });
  }
}
