package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RaftCoreTest {
  private static TestCluster cluster(int n, boolean checkQuorum) {
    TestCluster c = new TestCluster();
    for (int i = 1; i <= n; i++) c.add(TestCluster.config(i, n, checkQuorum), 0, List.of());
    return c;
  }

  @Test
  void leaderIsElectedAndItsNoOpCommitsEverywhere() {
    TestCluster c = cluster(3, false);
    c.elect(1, m -> true);
    c.pump();
    assertEquals(1, c.get(1).term());
    for (int i = 1; i <= 3; i++) {
      assertEquals(List.of(1L), c.terms(i));
      assertEquals(2, c.get(i).leaderId() == 1 ? 2 : 0, "n" + i + " follows n1");
    }
    assertEquals(1, c.get(1).commitIndex());
  }

  @Test
  void preVoteKeepsAnIsolatedNodeFromRaisingItsTerm() {
    TestCluster c = cluster(3, true);
    c.ageOthers(1);
    c.elect(1, m -> true);
    long term = c.get(1).term();
    for (int t = 0; t < 200; t++) {
      c.get(3).tick();
      c.pump(m -> m.from() != 3 && m.to() != 3);
    }
    assertEquals(term, c.get(3).term(), "pre-votes failed, so the term stayed");
    c.pump();
    assertTrue(c.get(1).isLeader(), "the rejoining node did not disrupt the leader");
  }

  @Test
  void leaderStepsDownWhenPartitionedFromMajority() {
    TestCluster c = cluster(3, true);
    c.ageOthers(1);
    c.elect(1, m -> true);
    for (int t = 0; t < 25; t++) {
      c.get(1).tick();
      c.pump(m -> m.from() != 1 && m.to() != 1);
    }
    assertFalse(c.get(1).isLeader());
  }

  @Test
  void newLeaderServesNoReadBeforeItsNoOpCommits() {
    TestCluster c = cluster(3, false);
    c.elect(1, m -> m.type() != Message.Type.APPEND_RESP);
    c.get(1).requestRead(7);
    c.pump(m -> m.type() != Message.Type.APPEND_RESP);
    assertTrue(c.reads.get(1).isEmpty(), "no read before the no-op commits");
    c.get(1).tick();
    c.pump();
    assertEquals(List.of(new ReadState(7, 1)), c.reads.get(1));
  }

  @Test
  void readIndexNeedsAMajorityToAcknowledgeAHeartbeat() {
    TestCluster c = cluster(3, false);
    c.elect(1, m -> true);
    c.pump();
    c.get(1).requestRead(9);
    c.pump(m -> m.type() != Message.Type.HEARTBEAT_RESP);
    assertTrue(c.reads.get(1).isEmpty());
    c.get(1).requestRead(10);
    c.pump();
    assertEquals(List.of(new ReadState(9, 1), new ReadState(10, 1)), c.reads.get(1));
  }

  /** The Raft paper's Figure 7: a leader of term 8 brings followers (a)-(f) in line with its log. */
  @Test
  void figure7_leaderRepairsEveryFollowerLog() {
    TestCluster c = new TestCluster();
    List<Long> leader = List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L);
    List<List<Long>> followers = List.of(
        List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L),
        List.of(1L, 1L, 1L, 4L),
        List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 6L),
        List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 7L, 7L),
        List.of(1L, 1L, 1L, 4L, 4L, 4L, 4L),
        List.of(1L, 1L, 1L, 2L, 2L, 2L, 3L, 3L, 3L, 3L, 3L));
    c.add(TestCluster.config(1, 7, false), 7, leader);
    for (int i = 0; i < followers.size(); i++) c.add(TestCluster.config(i + 2, 7, false), 7, followers.get(i));
    c.elect(1, m -> true);
    c.pump();
    assertEquals(8, c.get(1).term());
    List<Long> expected = new java.util.ArrayList<>(leader);
    expected.add(8L);
    for (int i = 1; i <= 7; i++) assertEquals(expected, c.terms(i), "log of n" + i);
    assertEquals(11, c.get(1).commitIndex());
  }

  /**
   * The Raft paper's Figure 8: a leader of term 4 holding an entry of term 2 that reached a majority
   * must not commit it by counting; only its own term-4 entry commits it.
   */
  @Test
  void figure8_priorTermEntryIsNotCommittedByCounting() {
    assertEquals(0, figure8CommitBeforeNoOp(Set.of()));
  }

  @Test
  void figure8_withPlantedBugPriorTermEntryIsCommittedByCounting() {
    assertEquals(2, figure8CommitBeforeNoOp(Set.of(Bug.COMMIT_PRIOR_TERM)));
  }

  private static long figure8CommitBeforeNoOp(Set<Bug> bugs) {
    TestCluster c = new TestCluster();
    c.add(TestCluster.config(1, 5, false).withBugs(bugs), 3, List.of(1L, 2L));
    c.add(TestCluster.config(2, 5, false).withBugs(bugs), 3, List.of(1L, 2L));
    c.add(TestCluster.config(3, 5, false).withBugs(bugs), 3, List.of(1L));
    c.add(TestCluster.config(4, 5, false).withBugs(bugs), 3, List.of(1L));
    c.add(TestCluster.config(5, 5, false).withBugs(bugs), 3, List.of(1L, 3L));
    for (RaftCore core : c.cores.values()) assertEquals(0, core.commitIndex());
    c.elect(1, m -> m.type() != Message.Type.APPEND && m.type() != Message.Type.HEARTBEAT);
    // entry 2 (term 2) reaches n3 and n4, the no-op (term 4) reaches no one
    c.get(1).tick();
    c.pumpRewriting(m -> m.type() != Message.Type.APPEND ? m
        : new Message(m.type(), m.from(), m.to(), m.term(), m.logTerm(), m.index(),
            m.entries().stream().filter(e -> e.term() < 4).collect(java.util.stream.Collectors.toList()), m.commit(), false, 0, 0));
    assertEquals(List.of(1L, 2L), c.terms(3));
    long commit = c.get(1).commitIndex();
    for (int t = 0; t < 6; t++) {
      c.get(1).tick(); // the stripped APPENDs count as lost: heartbeats find the followers behind and resend
      c.pump();
    }
    assertEquals(3, c.get(1).commitIndex(), "the term-4 no-op commits everything before it");
    return commit;
  }

  @Test
  void candidateWithStaleLogLosesAndLeaderKeepsCommittedEntries() {
    TestCluster c = new TestCluster();
    c.add(TestCluster.config(1, 3, false), 2, List.of(1L, 2L));
    c.add(TestCluster.config(2, 3, false), 2, List.of(1L, 2L));
    c.add(TestCluster.config(3, 3, false), 2, List.of(1L));
    for (int t = 0; t < 100 && !c.get(3).isLeader(); t++) {
      c.get(3).tick();
      c.pump();
    }
    assertFalse(c.get(3).isLeader(), "n3 lacks entry 2, so nobody votes for it");
  }
}
