package io.faultline.harness.sim;

import io.faultline.raft.Entry;
import io.faultline.raft.HardState;
import io.faultline.raft.Membership;
import io.faultline.raft.RaftCore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Raft's safety properties (paper Figure 3), checked after every simulation step, incrementally so a
 * step costs about the entries that changed:
 * <ul>
 *   <li>election safety: at most one leader per term (ever, so never two at once); and a node's durable
 *       vote never changes within a term;
 *   <li>configuration overlap: every configuration entry in a node's log has quorums that intersect those
 *       of the configuration before it in that log (so no two majorities of configurations in use one
 *       after the other can decide apart: a joint step shares a half with each neighbour);
 *   <li>log matching: entries with the same index and term hold the same command and follow the same
 *       term (which, by induction, makes the logs identical up to there);
 *   <li>leader completeness: a leader of term T holds every entry known committed by a node of term &lt; T;
 *   <li>state machine safety: no two nodes commit or apply different entries at one index.
 * </ul>
 * With snapshots a node's log starts after its {@link RaftCore#logBase()}: the checks cover the entries
 * still present, and the base's term must be the committed term there (a snapshot holds only
 * committed entries); the indices below it count as held.
 * A violation is thrown as {@link Violation}.
 */
final class Invariants {
  static final class Violation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Violation(String message) {
      super(message, null, false, false);
    }
  }

  private record IndexTerm(long index, long term) {}

  private record Seen(Entry entry, long prevTerm) {}

  /** What the checker remembers of one node's current incarnation. */
  private static final class NodeView {
    RaftCore core;
    final List<Long> terms = new ArrayList<>();
    long commitSeen;
    long leaderTermChecked = -1;
  }

  private final Map<Long, Integer> leaders = new HashMap<>();
  private final Map<IndexTerm, Integer> durableVotes = new HashMap<>();
  private final Map<IndexTerm, Seen> entries = new HashMap<>();
  private final List<Long> committedTerms = new ArrayList<>();
  /** Per committed index, the term of the node that first reported it: the commit happened in that term or earlier. */
  private final List<Long> committedBy = new ArrayList<>();
  private final Map<Long, Entry> applied = new HashMap<>();
  private final NodeView[] views;
  /** Off only to show that a planted bug breaks the other properties too, not just this one. */
  private final boolean checkConfigurationOverlap;

  Invariants(int nodes) { this(nodes, true); }

  Invariants(int nodes, boolean checkConfigurationOverlap) {
    this.checkConfigurationOverlap = checkConfigurationOverlap;
    views = new NodeView[nodes + 1];
    for (int i = 1; i <= nodes; i++) views[i] = new NodeView();
  }

  long committedMax() { return committedTerms.size(); }

  /** A node's durable hard state: its vote in a term, once durable, must never change. */
  void checkVote(int node, HardState durable) {
    if (durable.vote() == 0) return;
    Integer before = durableVotes.putIfAbsent(new IndexTerm(node, durable.term()), durable.vote());
    if (before != null && before != durable.vote()) {
      throw new Violation("election safety: n" + node + " voted for n" + before + " and then n" + durable.vote() + " in term " + durable.term());
    }
  }

  void onApply(int node, Entry e) {
    Entry prev = applied.putIfAbsent(e.index(), e);
    if (prev != null && !prev.sameAs(e)) {
      throw new Violation("state machine safety: n" + node + " applied " + e + " at index " + e.index() + ", another node applied " + prev);
    }
  }

  void check(RaftCore[] cores) {
    for (int i = 1; i < cores.length; i++) {
      RaftCore c = cores[i];
      if (c == null) continue;
      NodeView v = views[i];
      if (v.core != c) {
        v.core = c;
        v.terms.clear();
        v.commitSeen = 0;
        v.leaderTermChecked = -1;
      }
      checkLog(i, c, v);
      checkCommit(i, c, v, cores);
      if (c.isLeader()) {
        Integer other = leaders.putIfAbsent(c.term(), i);
        if (other != null && other != i) throw new Violation("election safety: n" + other + " and n" + i + " both led term " + c.term());
        if (v.leaderTermChecked != c.term()) {
          v.leaderTermChecked = c.term();
          for (long j = 1; j <= committedTerms.size(); j++) {
            if (committedBy.get((int) j - 1) < c.term()) requireHas(i, c, j, "became leader of term " + c.term());
          }
        }
      }
    }
  }

  private void checkLog(int node, RaftCore c, NodeView v) {
    long base = c.logBase();
    if (base > 0) {
      if (base > committedTerms.size()) {
        throw new Violation("snapshot: n" + node + "'s log starts after " + base + ", beyond the highest known commit " + committedTerms.size());
      }
      long want = committedTerms.get((int) base - 1);
      if (c.termAt(base) != want) {
        throw new Violation("snapshot: n" + node + "'s snapshot at " + base + " has term " + c.termAt(base) + ", committed term there is " + want);
      }
    }
    int k = (int) Math.min(v.terms.size(), c.lastIndex());
    while (k > base && c.termAt(k) != v.terms.get(k - 1)) k--;
    while (v.terms.size() > k) v.terms.remove(v.terms.size() - 1);
    for (long i = k + 1; i <= c.lastIndex(); i++) {
      if (i <= base) {
        v.terms.add(c.termAt(i));
        continue;
      }
      Entry e = c.entryAt(i);
      long prevTerm = c.termAt(i - 1);
      Seen seen = entries.putIfAbsent(new IndexTerm(i, e.term()), new Seen(e, prevTerm));
      if (seen != null && (!seen.entry().sameAs(e) || seen.prevTerm() != prevTerm)) {
        throw new Violation("log matching: n" + node + " holds " + e + " after term " + prevTerm + ", another node holds "
            + seen.entry() + " after term " + seen.prevTerm());
      }
      if (checkConfigurationOverlap && e.isMembership()) {
        Membership before = c.membershipAt(i - 1);
        Membership after = c.membershipAt(i);
        if (!Membership.quorumsIntersect(before, after)) {
          throw new Violation("configuration overlap: n" + node + "'s log changes " + before + " to " + after + " at " + e
              + " in one step: a majority of each can decide without the other");
        }
      }
      v.terms.add(e.term());
    }
  }

  private void checkCommit(int node, RaftCore c, NodeView v, RaftCore[] cores) {
    long commit = Math.min(c.commitIndex(), c.lastIndex());
    for (long j = Math.max(v.commitSeen + 1, c.logBase()); j <= commit; j++) {
      if (j == 0) continue;
      long t = c.termAt(j);
      if (j <= committedTerms.size()) {
        long known = committedTerms.get((int) j - 1);
        if (known != t) {
          throw new Violation("state machine safety: n" + node + " commits index " + j + " of term " + t
              + ", but index " + j + " was committed with term " + known);
        }
      } else if (j == committedTerms.size() + 1) {
        committedTerms.add(t);
        committedBy.add(c.term());
      }
      for (int o = 1; o < cores.length; o++) {
        RaftCore l = cores[o];
        if (l != null && l.isLeader() && l.term() > c.term()) requireHas(o, l, j, "leads term " + l.term() + " while n" + node + " (term " + c.term() + ") commits it");
      }
    }
    v.commitSeen = Math.max(v.commitSeen, commit);
  }

  private void requireHas(int node, RaftCore c, long index, String why) {
    if (index < c.logBase()) return; // in its snapshot (whose base term is checked against the commits)
    long want = committedTerms.get((int) index - 1);
    if (c.termAt(index) != want) {
      throw new Violation("leader completeness: n" + node + " " + why + " but lacks committed entry " + index + " of term " + want
          + (index <= c.lastIndex() ? " (holds term " + c.termAt(index) + ")" : " (its log ends at " + c.lastIndex() + ")"));
    }
  }
}
