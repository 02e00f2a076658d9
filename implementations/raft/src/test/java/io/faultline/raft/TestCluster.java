package io.faultline.raft;

import io.faultline.runtime.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Cores wired by hand: persistence is instant, messages go where a test lets them. */
final class TestCluster {
  final Map<Integer, RaftCore> cores = new TreeMap<>();
  final List<Message> dropped = new ArrayList<>();
  final Map<Integer, List<ReadState>> reads = new TreeMap<>();

  void add(RaftConfig cfg, long term, List<Long> logTerms) {
    List<Entry> log = new ArrayList<>();
    for (int i = 0; i < logTerms.size(); i++) log.add(new Entry(logTerms.get(i), i + 1, new byte[] {(byte) i}));
    cores.put(cfg.id(), new RaftCore(cfg, new HardState(term, 0, 0), log, new SplitMix64(cfg.id())));
    reads.put(cfg.id(), new ArrayList<>());
  }

  RaftCore get(int id) { return cores.get(id); }

  /** Delivers messages until none is left; those {@code allow} refuses are dropped. */
  void pump(Predicate<Message> allow) {
    pumpRewriting(m -> allow.test(m) ? m : null);
  }

  /** Delivers messages until none is left, each as {@code rewrite} makes it (null: dropped). */
  void pumpRewriting(java.util.function.UnaryOperator<Message> rewrite) {
    for (int round = 0; round < 10_000; round++) {
      List<Message> out = new ArrayList<>();
      for (RaftCore c : cores.values()) {
        out.addAll(c.takeImmediate());
        while (c.hasReady()) {
          Ready rd = c.ready();
          c.advance(rd);
          out.addAll(rd.messages());
          reads.get(c.id()).addAll(rd.reads());
          out.addAll(c.takeImmediate());
        }
      }
      if (out.isEmpty()) return;
      for (Message m : out) {
        Message r = rewrite.apply(m);
        if (r != null && cores.containsKey(m.to())) cores.get(m.to()).step(r);
        else dropped.add(m);
      }
    }
    throw new AssertionError("messages never stopped");
  }

  void pump() { pump(m -> true); }

  /** Ticks one node until it leads (pumping after each tick); fails after a bound. */
  void elect(int id, Predicate<Message> allow) {
    for (int t = 0; t < 1000 && !get(id).isLeader(); t++) {
      get(id).tick();
      pump(allow);
    }
    if (!get(id).isLeader()) throw new AssertionError("n" + id + " did not become leader");
  }

  /** Ticks every other node past its boot lease (an election timeout) with its messages lost. */
  void ageOthers(int id) {
    for (RaftCore c : cores.values()) {
      if (c.id() == id) continue;
      for (int t = 0; t < c.config().electionTicks(); t++) c.tick();
    }
    pump(m -> false);
  }

  List<Long> terms(int id) {
    List<Long> out = new ArrayList<>();
    RaftCore c = get(id);
    for (long i = 1; i <= c.lastIndex(); i++) out.add(c.termAt(i));
    return out;
  }

  static RaftConfig config(int id, int n, boolean checkQuorum) {
    List<Integer> peers = new ArrayList<>();
    for (int i = 1; i <= n; i++) peers.add(i);
    RaftConfig d = RaftConfig.defaults(id, peers);
    return new RaftConfig(id, peers, d.electionTicks(), d.heartbeatTicks(), true, checkQuorum, RaftConfig.ReadMode.READ_INDEX,
        d.clockDriftMax(), 1, d.bytesPerMsgMax(), 1, d.inflightBytesMax(), d.uncommittedEntriesMax(), d.pendingReadsMax(), d.bugs());
  }
}
