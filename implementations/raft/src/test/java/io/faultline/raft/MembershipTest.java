package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Joint-consensus membership changes, learners and leader transfer in the core. */
class MembershipTest {
  private static Membership joint(Set<Integer> incoming, Set<Integer> outgoing) { return new Membership(incoming, outgoing, Set.of()); }

  /** Nodes 1..n voters, nodes n+1..n+spares joining; n1 leads. */
  private static TestCluster cluster(int n, int spares, int catchUpEntriesMax) {
    TestCluster c = new TestCluster();
    for (int i = 1; i <= n + spares; i++) {
      RaftConfig base = TestCluster.config(Math.min(i, n), n, true);
      RaftConfig cfg = new RaftConfig(i, base.peers(), base.electionTicks(), base.heartbeatTicks(), true, true, base.readMode(),
          base.clockDriftMax(), base.entriesPerMsgMax(), base.bytesPerMsgMax(), base.inflightMsgsMax(), base.inflightBytesMax(),
          base.uncommittedEntriesMax(), base.pendingReadsMax(), base.bugs(), base.wal(), i > n, catchUpEntriesMax);
      c.add(cfg, 0, List.of());
    }
    c.ageOthers(1);
    c.elect(1, m -> true);
    c.pump();
    return c;
  }

  private static void ticks(TestCluster c, int count, java.util.function.Predicate<Message> allow) {
    for (int t = 0; t < count; t++) {
      for (RaftCore core : c.cores.values()) core.tick();
      c.pump(allow);
    }
  }

  @Test
  void jointQuorumNeedsAMajorityOfBothHalves() {
    Membership j = joint(Set.of(1, 4, 5), Set.of(1, 2, 3));
    assertTrue(j.joint());
    // matches: 1..5 -> 10, 9, 8, 3, 2: old half {1,2,3} vouches for 9, new half {1,4,5} for 3
    Map<Integer, Long> match = Map.of(1, 10L, 2, 9L, 3, 8L, 4, 3L, 5, 2L);
    assertEquals(3, j.quorumValue(match::get));
    assertEquals(9, Membership.ofVoters(Set.of(1, 2, 3)).quorumValue(match::get));
    assertFalse(j.hasQuorum(Set.of(1, 2, 3)), "a majority of C_old alone decides nothing");
    assertFalse(j.hasQuorum(Set.of(1, 4, 5)), "nor one of C_new alone");
    assertTrue(j.hasQuorum(Set.of(1, 2, 4)));
    assertEquals(Membership.VoteResult.PENDING, j.voteResult(Map.of(1, true, 2, true)));
    assertEquals(Membership.VoteResult.WON, j.voteResult(Map.of(1, true, 2, true, 4, true)));
    assertEquals(Membership.VoteResult.LOST, j.voteResult(Map.of(1, true, 4, false, 5, false)));
    assertEquals(Membership.VoteResult.PENDING, j.voteResult(Map.of(1, true, 2, true, 9, true)), "a non-voter's vote does not count");
    // quorum overlap: a one-step change of two voters can have disjoint majorities, through the joint one cannot
    Membership old = Membership.ofVoters(Set.of(1, 2, 3));
    Membership replaced = Membership.ofVoters(Set.of(1, 4, 5));
    assertFalse(Membership.quorumsIntersect(old, replaced));
    assertFalse(Membership.quorumsIntersect(old, Membership.ofVoters(Set.of(1, 2, 3, 4, 5))));
    assertTrue(Membership.quorumsIntersect(old, Membership.ofVoters(Set.of(1, 2, 3, 4))), "one voter added at a time is safe");
    assertTrue(Membership.quorumsIntersect(old, j));
    assertTrue(Membership.quorumsIntersect(j, replaced));
  }

  @Test
  void configurationEntryRoundTrips_andPlainCommandsAreNoConfiguration() {
    Membership m = new Membership(Set.of(1, 4, 5), Set.of(1, 2, 3), Set.of(6));
    assertEquals(m, Membership.decode(m.encode()));
    assertTrue(new Entry(1, 1, m.encode()).isMembership());
    for (Command.Kind k : Command.Kind.values()) {
      byte[] cmd = new Command(k, 1, 1, 5, 7, 3L).encode();
      assertFalse(Membership.isEntry(cmd), k.toString());
      assertEquals(k, Command.decode(cmd).kind());
    }
    KvStateMachine sm = new KvStateMachine(4);
    assertEquals(null, sm.apply(1, m.encode()), "a configuration changes no data");
    assertEquals(m, KvStateMachine.membershipIn(sm.snapshotState()));
  }

  @Test
  void wireCodecCarriesTimeoutNowAndTheTransferFlag() {
    WireCodec codec = new WireCodec();
    Message timeoutNow = Message.of(Message.Type.TIMEOUT_NOW, 1, 2, 7);
    assertEquals(timeoutNow, codec.decode(codec.encode(timeoutNow)));
    Message vote = Message.of(Message.Type.VOTE, 2, 3, 8).withLog(7, 40).withReject(false, Message.TRANSFER);
    assertEquals(vote, codec.decode(codec.encode(vote)));
    assertTrue(vote.describe().endsWith("transfer"), vote.describe());
    Membership m = new Membership(Set.of(1, 2), Set.of(1, 2, 3), Set.of(4));
    Message append = new Message(Message.Type.APPEND, 1, 4, 8, 7, 40, List.of(new Entry(8, 41, m.encode())), 40, false, 0, 0);
    Message decoded = (Message) codec.decode(codec.encode(append));
    assertEquals(m, Membership.decode(decoded.entries().get(0).data()));
  }

  @Test
  void replacingTwoVotersGoesThroughTheJointConfigurationThenTheNewOneByItself() {
    TestCluster c = cluster(3, 2, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    assertEquals(Proposal.Refusal.MEMBERSHIP_CHANGE_IN_PROGRESS, leader.addLearner(5).refusal(), "nothing before the last change commits");
    ticks(c, 2, m -> true);
    assertTrue(leader.addLearner(5).isAccepted());
    ticks(c, 3, m -> true);
    assertEquals(Set.of(4, 5), leader.membership().learners());
    Proposal p = leader.proposeMembership(Set.of(1, 4, 5), Set.of());
    assertTrue(p.isAccepted(), String.valueOf(p));
    assertTrue(leader.membership().joint(), "a change of voters enters the joint configuration first");
    assertEquals(Proposal.Refusal.MEMBERSHIP_CHANGE_IN_PROGRESS, leader.proposeMembership(Set.of(1, 2, 3), Set.of()).refusal());
    ticks(c, 3, m -> true);
    for (int i : new int[] {1, 4, 5}) assertEquals(Membership.ofVoters(Set.of(1, 4, 5)), c.get(i).membership(), "n" + i);
    assertEquals(p.index() + 1, leader.membershipIndex(), "C_new right after C_old,new");
    assertTrue(leader.clusterStatus().membershipCommitted());
    assertTrue(leader.isLeader());
    long before = leader.commitIndex();
    leader.propose(new Command(Command.Kind.WRITE, 0, 0, 1, 1, null).encode());
    ticks(c, 2, m -> m.to() != 2 && m.to() != 3 && m.from() != 2 && m.from() != 3);
    assertEquals(before + 1, leader.commitIndex(), "the new voters alone make a majority");
    // the removed nodes, which never saw C_new, campaign in vain: the new voters heard from their leader
    long term = leader.term();
    for (int t = 0; t < 100; t++) {
      for (RaftCore core : c.cores.values()) core.tick();
      c.pump(m -> true);
    }
    assertEquals(term, leader.term(), "no term was raised");
    assertTrue(leader.isLeader());
  }

  @Test
  void leaderNotInTheNewConfigurationStepsDownOnceItCommits() {
    TestCluster c = cluster(3, 1, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    ticks(c, 3, m -> true);
    assertTrue(leader.proposeMembership(Set.of(2, 3, 4), Set.of()).isAccepted());
    c.pump(m -> false); // the joint entry is only in the leader's log
    assertTrue(leader.isLeader(), "the leader manages the change it is leaving");
    ticks(c, 3, m -> true);
    assertFalse(leader.isLeader(), "stepped down after C_new committed");
    assertTrue(c.cores.values().stream().anyMatch(RaftCore::isLeader), "and handed over at once to an up-to-date voter of C_new");
    assertEquals(Membership.ofVoters(Set.of(2, 3, 4)), c.get(2).membership());
    assertFalse(leader.membership().isMember(1));
    c.dropped.clear();
    ticks(c, 40, m -> true);
    assertTrue(c.dropped.stream().noneMatch(m -> m.from() == 1 && (m.type() == Message.Type.PRE_VOTE || m.type() == Message.Type.VOTE)),
        "the removed node that knows it is removed never campaigns");
    int leaders = 0;
    for (int i = 2; i <= 4; i++) if (c.get(i).isLeader()) leaders++;
    assertEquals(1, leaders, "one of the new voters leads");
    assertFalse(leader.isLeader());
  }

  @Test
  void learnerPromotionIsRefusedWhileItLags() {
    TestCluster c = cluster(3, 1, 5);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    ticks(c, 3, m -> true);
    for (int i = 0; i < 10; i++) leader.propose(new Command(Command.Kind.WRITE, 0, 0, 1, i, null).encode());
    c.pump(m -> m.to() != 4);
    Proposal refused = leader.promoteLearner(4);
    assertEquals(Proposal.Refusal.MEMBER_LAGGING, refused.refusal());
    assertTrue(refused.reason().contains("node 4"), refused.reason());
    assertEquals(Proposal.Refusal.MEMBER_LAGGING, leader.proposeMembership(Set.of(1, 2, 3, 5), Set.of(4)).refusal(), "a non-member is refused too");
    ticks(c, 3, m -> true);
    assertTrue(leader.promoteLearner(4).isAccepted(), "caught up");
    assertEquals(Proposal.Refusal.INVALID, c.get(1).transferLeader(9).refusal());
  }

  @Test
  void transferToAnUpToDateFollowerSucceeds_andProposalsAreRefusedMeanwhile() {
    TestCluster c = cluster(3, 1, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    ticks(c, 3, m -> true);
    assertEquals(Proposal.Refusal.INVALID, leader.transferLeader(4).refusal(), "a learner cannot lead");
    leader.propose(new Command(Command.Kind.WRITE, 0, 0, 1, 1, null).encode());
    long acknowledged = leader.lastIndex();
    c.pump(m -> m.to() != 2); // n2 lags: it is brought up to date first
    assertTrue(leader.transferLeader(2).isAccepted());
    Proposal p = leader.proposeCommand(new Command(Command.Kind.WRITE, 0, 0, 1, 2, null).encode());
    assertEquals(Proposal.Refusal.TRANSFER_IN_PROGRESS, p.refusal());
    assertEquals(-1, leader.propose(new byte[] {1}));
    assertEquals(2, leader.clusterStatus().transferTarget());
    ticks(c, 8, m -> true);
    assertTrue(c.get(2).isLeader(), "the target won at once, despite the others' leader stickiness");
    assertFalse(leader.isLeader());
    assertTrue(c.get(2).lastIndex() >= acknowledged);
    assertEquals(leader.termAt(acknowledged), c.get(2).termAt(acknowledged), "no acknowledged entry lost");
    assertTrue(c.get(2).proposeCommand(new Command(Command.Kind.WRITE, 0, 0, 1, 3, null).encode()).isAccepted());
  }

  @Test
  void transferAbortsAfterAnElectionTimeout_andProposalsResume() {
    TestCluster c = cluster(3, 0, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.transferLeader(3).isAccepted());
    int t = 0;
    while (leader.transferTarget() != 0 && t++ < 100) {
      leader.tick();
      c.pump(m -> m.to() != 3);
    }
    assertTrue(t <= leader.config().electionTicks(), "aborted after " + t + " ticks");
    assertTrue(leader.isLeader());
    assertTrue(leader.proposeCommand(new byte[] {1}).isAccepted());
  }

  @Test
  void changeIsRefusedBeforeTheNewLeadersNoOpCommits() {
    TestCluster c = cluster(3, 0, 1000);
    ticks(c, 2, m -> true);
    // n2 takes over; its no-op does not commit while its messages are lost
    for (int t = 0; t < 100 && !c.get(2).isLeader(); t++) {
      c.get(2).tick();
      c.pump(m -> m.type() != Message.Type.APPEND && m.type() != Message.Type.HEARTBEAT || m.from() != 1);
      if (t == 0) assertTrue(c.get(1).transferLeader(2).isAccepted());
    }
    assertTrue(c.get(2).isLeader());
    RaftCore n2 = c.get(2);
    if (n2.termAt(n2.commitIndex()) != n2.term()) {
      assertEquals(Proposal.Refusal.LEADER_NO_OP_UNCOMMITTED, n2.removeMember(3).refusal());
    }
    c.pump();
    ticks(c, 2, m -> true);
    assertTrue(n2.removeMember(3).isAccepted());
    assertEquals(Proposal.Refusal.NOT_LEADER, c.get(1).removeMember(3).refusal());
  }

  @Test
  void truncatedConfigurationEntryIsUndone() {
    TestCluster c = cluster(3, 1, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    ticks(c, 3, m -> true);
    // n1 proposes a change while cut off; n2 and n3 elect a leader without it and overwrite it
    assertTrue(leader.proposeMembership(Set.of(1, 2, 3, 4), Set.of()).isAccepted());
    assertTrue(leader.membership().joint());
    c.pump(m -> false);
    for (int t = 0; t < 200 && !c.get(3).isLeader() && !c.get(2).isLeader(); t++) {
      c.get(3).tick();
      c.get(2).tick();
      c.pump(m -> m.from() != 1 && m.to() != 1);
    }
    RaftCore next = c.get(3).isLeader() ? c.get(3) : c.get(2);
    assertTrue(next.isLeader());
    next.propose(new byte[] {1});
    c.pump(m -> m.from() != 1 && m.to() != 1);
    ticks(c, 3, m -> true);
    assertFalse(leader.isLeader());
    assertEquals(next.membership(), leader.membership(), "the joint entry was truncated, the configuration before it is back");
    assertFalse(leader.membership().joint());
  }

  /** Nodes 1..3 and joining node 4 on their WALs in a simulated world, snapshotting every 5 entries. */
  private static final class World {
    final io.faultline.runtime.SimWorld<Wire> world = new io.faultline.runtime.SimWorld<>(3,
        new io.faultline.runtime.SimWorld.NetworkConfig(0, 0, 1_000, 1_000, 0, 1_000));
    final RaftNode[] nodes = new RaftNode[5];

    World() {
      WalConfig wal = WalNodeTest.SMALL.withSnapshots(new WalConfig.SnapshotPolicy(5, 0, 0, 0));
      for (int i = 1; i <= 4; i++) {
        int id = i;
        RaftConfig d = RaftConfig.defaults(Math.min(id, 3), List.of(1, 2, 3));
        RaftConfig cfg = new RaftConfig(id, d.peers(), d.electionTicks(), d.heartbeatTicks(), true, true, d.readMode(), d.clockDriftMax(),
            d.entriesPerMsgMax(), d.bytesPerMsgMax(), d.inflightMsgsMax(), d.inflightBytesMax(), d.uncommittedEntriesMax(),
            d.pendingReadsMax(), d.bugs(), wal, id == 4, d.catchUpEntriesMax());
        world.addNode(RaftNode.nodeName(id), new io.faultline.runtime.SimWorld.ClockConfig(1.0, 0),
            new io.faultline.runtime.SimWorld.DiskConfig(50_000, 500_000, 0, 0, 0.5),
            env -> nodes[id] = new RaftNode(env, cfg, WalNodeTest.TICK_NS, null, line -> { }));
      }
    }

    void runMs(long ms) {
      long until = world.nowNs() + ms * 1_000_000;
      world.at(until, () -> { });
      while (world.nextEventNs() <= until && world.step()) { }
    }

    RaftCore leader() {
      for (int i = 1; i <= 4; i++) if (world.isUp(RaftNode.nodeName(i)) && nodes[i].core().isLeader()) return nodes[i].core();
      return null;
    }
  }

  @Test
  void configurationSurvivesCrashesOfEveryNode_fromTheWalAndFromSnapshots() {
    World w = new World();
    w.runMs(1000);
    RaftCore leader = w.leader();
    assertTrue(leader != null);
    assertTrue(leader.addLearner(4).isAccepted());
    w.runMs(200);
    for (int i = 1; i <= 20; i++) {
      w.leader().propose(WalNodeTest.write(i));
      w.runMs(5);
    }
    w.runMs(200);
    Proposal p = w.leader().proposeMembership(Set.of(1, 2, 4), Set.of());
    assertTrue(p.isAccepted(), String.valueOf(p));
    w.runMs(200);
    for (int i = 21; i <= 40; i++) {
      if (w.leader() != null) w.leader().propose(WalNodeTest.write(i));
      w.runMs(5);
    }
    w.runMs(300);
    Membership want = Membership.ofVoters(Set.of(1, 2, 4));
    boolean fromSnapshot = false;
    for (int id : new int[] {1, 2, 4}) {
      assertEquals(want, w.nodes[id].core().membership(), "n" + id + " before the crash");
      w.world.crash(RaftNode.nodeName(id));
    }
    for (int id : new int[] {1, 2, 4}) {
      w.world.restart(RaftNode.nodeName(id));
      RaftCore c = w.nodes[id].core();
      assertEquals(want, c.membership(), "n" + id + " restarted");
      fromSnapshot |= c.membershipIndex() == c.logBase() && c.logBase() > 0;
    }
    assertTrue(fromSnapshot, "some node found its configuration in a snapshot (its log starts after the configuration entry)");
    w.runMs(1500);
    RaftCore next = w.leader();
    assertTrue(next != null && next.id() != 3, "one of the new voters leads: " + next);
    long before = next.commitIndex();
    next.propose(WalNodeTest.write(41));
    w.runMs(200);
    assertTrue(next.commitIndex() > before);
  }

  @Test
  void configurationSurvivesASnapshotAndARestart() {
    TestCluster c = cluster(3, 1, 1000);
    RaftCore leader = c.get(1);
    assertTrue(leader.addLearner(4).isAccepted());
    ticks(c, 3, m -> true);
    assertTrue(leader.proposeMembership(Set.of(1, 2, 4), Set.of(3)).isAccepted());
    ticks(c, 3, m -> true);
    Membership want = new Membership(Set.of(1, 2, 4), Set.of(), Set.of(3));
    assertEquals(want, leader.membership());
    KvStateMachine sm = new KvStateMachine(8);
    for (long i = 1; i <= leader.commitIndex(); i++) sm.apply(i, leader.entryAt(i).data());
    long at = leader.commitIndex();
    Snapshot snap = SnapshotFile.encode(at, leader.termAt(at), sm.snapshotState());
    RaftCore restarted = new RaftCore(TestCluster.config(1, 3, true), leader.hardState(), snap, List.of(), new io.faultline.runtime.SplitMix64(7));
    assertEquals(want, restarted.membership(), "from the snapshot, not the initial peers");
    assertEquals(at, restarted.membershipIndex());
    List<Entry> rest = new ArrayList<>();
    RaftCore fromLog = new RaftCore(TestCluster.config(1, 3, true), leader.hardState(), rest, new io.faultline.runtime.SplitMix64(7));
    assertNotEquals(want, fromLog.membership());
    for (long i = 1; i <= leader.lastIndex(); i++) rest.add(leader.entryAt(i));
    fromLog = new RaftCore(TestCluster.config(1, 3, true), leader.hardState(), rest, new io.faultline.runtime.SplitMix64(7));
    assertEquals(want, fromLog.membership(), "from the log");
    assertArrayEquals(want.encode(), Membership.decode(want.encode()).encode());
  }
}
