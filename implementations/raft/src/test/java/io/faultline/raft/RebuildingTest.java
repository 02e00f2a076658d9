package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.runtime.SplitMix64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node rebuilt by a repair ({@link RaftConfig#rebuilding()}: log discarded, term and vote kept) grants
 * no vote and never campaigns until it has caught up from a leader — else it could help elect a leader
 * that lacks entries it had acknowledged.
 */
class RebuildingTest {
  /** n1 and n3 hold entries 1..3 (a majority: committed), n2 only entry 1; n1 is down; n3 lost its log. */
  private static TestCluster afterN3LostItsLog(boolean rebuilding) {
    TestCluster c = new TestCluster();
    c.add(TestCluster.config(2, 3, false), 1, List.of(1L));
    RaftConfig n3 = TestCluster.config(3, 3, false);
    c.cores.put(3, new RaftCore(rebuilding ? n3.asRebuilding() : n3, new HardState(1, 1, 3), List.of(), new SplitMix64(3)));
    c.reads.put(3, new java.util.ArrayList<>());
    return c;
  }

  private static boolean anyLeaderAfterTicks(TestCluster c, int ticks) {
    for (int t = 0; t < ticks; t++) {
      for (RaftCore core : c.cores.values()) core.tick();
      c.pump();
      for (RaftCore core : c.cores.values()) if (core.isLeader()) return true;
    }
    return false;
  }

  @Test
  void rebuildingNode_grantsNoVote_soACandidateMissingCommittedEntriesCannotWin() {
    TestCluster c = afterN3LostItsLog(true);
    assertFalse(anyLeaderAfterTicks(c, 300), "n2 lacks committed entries 2 and 3: no leader without them");
    assertEquals(0, c.get(3).lastIndex());
    assertTrue(c.get(3).rebuilding());
    assertEquals(RaftCore.Role.FOLLOWER, c.get(3).role(), "the rebuilding node never campaigns");
  }

  @Test
  void withoutTheRule_theEmptiedNodeElectsALeaderMissingCommittedEntries() {
    TestCluster c = afterN3LostItsLog(false);
    assertTrue(anyLeaderAfterTicks(c, 300), "the danger the rule prevents: n3's vote elects n2");
    RaftCore leader = c.get(2).isLeader() ? c.get(2) : c.get(3);
    assertFalse(leader.lastIndex() >= 3 && leader.termAt(3) == 1, "the new leader's log lacks committed entry 3");
  }

  @Test
  void rebuildingNode_neverCampaigns_evenAlone() {
    TestCluster c = new TestCluster();
    RaftConfig cfg = TestCluster.config(3, 3, true).asRebuilding();
    c.cores.put(3, new RaftCore(cfg, new HardState(4, 2, 0), List.of(), new SplitMix64(3)));
    c.reads.put(3, new java.util.ArrayList<>());
    for (int t = 0; t < 500; t++) {
      c.get(3).tick();
      c.pump();
    }
    assertEquals(RaftCore.Role.FOLLOWER, c.get(3).role());
    assertEquals(4, c.get(3).term(), "no pre-vote or vote went out, so no term was raised");
    assertEquals(2, c.get(3).vote(), "the kept vote stays");
  }

  @Test
  void aFollowerRebuiltUnderTheSameLeader_isProbedFromItsLogsEnd_notLeftForASnapshot() {
    TestCluster c = new TestCluster();
    for (int i = 1; i <= 3; i++) c.add(TestCluster.config(i, 3, false), 0, List.of());
    c.elect(1, m -> true);
    for (int i = 0; i < 5; i++) c.get(1).propose(new byte[] {(byte) i});
    c.pump();
    assertEquals(6, c.get(3).lastIndex());
    // n3 is repaired while n1 goes on leading: n1 still thinks n3 matches up to 6
    RaftCore old = c.get(3);
    c.cores.put(3, new RaftCore(TestCluster.config(3, 3, false).asRebuilding(), old.hardState(), List.of(), new SplitMix64(33)));
    c.get(1).propose(new byte[] {9});
    for (int t = 0; t < 10; t++) {
      c.get(1).tick();
      c.pump();
    }
    assertEquals(c.terms(1), c.terms(3), "n3 got the whole log again, with no snapshot to fall back on");
    assertFalse(c.get(3).rebuilding());
  }

  @Test
  void rebuildingNode_catchesUpFromTheLeader_thenVotesAgain() {
    TestCluster c = new TestCluster();
    c.add(TestCluster.config(1, 3, false), 1, List.of(1L, 1L, 1L));
    c.add(TestCluster.config(2, 3, false), 1, List.of(1L, 1L, 1L));
    c.cores.put(3, new RaftCore(TestCluster.config(3, 3, false).asRebuilding(), new HardState(1, 1, 3), List.of(), new SplitMix64(3)));
    c.reads.put(3, new java.util.ArrayList<>());
    c.elect(1, m -> true);
    assertEquals(0, c.get(3).vote(), "n3 granted no vote in the new term");
    for (int t = 0; t < 10; t++) {
      c.get(1).tick();
      c.pump();
    }
    assertEquals(c.terms(1), c.terms(3), "n3 has the leader's log again");
    assertEquals(c.get(1).commitIndex(), c.get(3).commitIndex());
    assertFalse(c.get(3).rebuilding(), "caught up: an entry of the leader's term is committed in n3's durable log");
    // n1 goes down: n2 and n3 elect a leader between them, n3's vote counting again
    c.cores.remove(1);
    assertTrue(anyLeaderAfterTicks(c, 300), "n3 votes again once caught up");
  }
}
