package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.faults.Fakes.FakeNode;
import io.faultline.faults.Fakes.LeaderCluster;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessNemesisTest {
  private final List<FakeNode> nodes = Fakes.nodes(5);
  private final LeaderCluster cluster = new LeaderCluster(nodes);
  private final ProcessNemesis nemesis = new ProcessNemesis(cluster, 7);

  private static Op op(String f, Object value) {
    return Op.invoke(Op.NEMESIS, f, null, value);
  }

  private static List<?> affected(Op completion) {
    return (List<?>) completion.value();
  }

  @Test
  void killMajority_killsThreeDistinctNodes_andSaysWhich() {
    Op done = nemesis.invoke(op("kill", "majority"));
    assertEquals(OpType.INFO, done.type());
    assertEquals(Op.NEMESIS, done.process());
    assertEquals("kill", done.f());
    assertNull(done.error());
    assertEquals(3, Set.copyOf(affected(done)).size());
    for (FakeNode n : nodes) assertEquals(!affected(done).contains(n.id()), n.isRunning(), n.id());
    assertEquals(Set.copyOf(affected(done)), nemesis.killed());
  }

  @Test
  void targetSizes_followJepsen() {
    assertEquals(1, affected(new ProcessNemesis(cluster, 1).invoke(op("pause", "one"))).size());
    assertEquals(2, affected(new ProcessNemesis(cluster, 1).invoke(op("pause", "minority"))).size());
    assertEquals(5, affected(new ProcessNemesis(cluster, 1).invoke(op("pause", "all"))).size());
  }

  @Test
  void start_withoutAList_startsEveryKilledNode() {
    Op killedOp = nemesis.invoke(op("kill", "minority"));
    Op started = nemesis.invoke(op("start", "all"));
    assertEquals(affected(killedOp), affected(started));
    for (FakeNode n : nodes) assertTrue(n.isRunning());
    assertEquals(Set.of(), nemesis.killed());
  }

  @Test
  void pauseAndResume_listedNodes() {
    Op p = nemesis.invoke(op("pause", List.of("n2", "n4")));
    assertEquals(List.of("n2", "n4"), affected(p));
    assertTrue(nodes.get(1).stopped && nodes.get(3).stopped);
    Op r = nemesis.invoke(op("resume", List.of("n2")));
    assertEquals(List.of("n2"), affected(r));
    assertEquals(Set.of("n4"), nemesis.paused());
  }

  @Test
  void leader_targetsTheLeaderOnly() {
    cluster.leader = Optional.of("n3");
    Op done = nemesis.invoke(op("kill", "leader"));
    assertEquals(List.of("n3"), affected(done));
    assertNull(done.error());
    assertTrue(!nodes.get(2).isRunning());
  }

  @Test
  void leader_unknown_affectsNothingAndSaysSo() {
    Op none = nemesis.invoke(op("pause", "leader"));
    assertEquals(List.of(), affected(none));
    assertTrue(none.error().contains("no leader known"), none.error());
    cluster.failure = new IllegalStateException("admin port down");
    Op failed = nemesis.invoke(op("pause", "leader"));
    assertEquals(List.of(), affected(failed));
    assertTrue(failed.error().contains("admin port down"), failed.error());
    for (FakeNode n : nodes) assertTrue(n.events.isEmpty());
  }

  @Test
  void leader_onAClusterThatCannotTell_isAnError() {
    ProcessNemesis blind = new ProcessNemesis(new Fakes.FakeCluster(nodes), 1);
    Op done = blind.invoke(op("kill", "leader"));
    assertEquals(List.of(), affected(done));
    assertTrue(done.error().contains("not LeaderAware"), done.error());
  }

  @Test
  void nodesWithoutTheAbility_areSkippedAndNamed() {
    List<Node> mixed = List.of(new FakeNode("n1"), new Fakes.PlainNode("n2"));
    ProcessNemesis n = new ProcessNemesis(new Fakes.FakeCluster(mixed), 1);
    Op done = n.invoke(op("kill", "all"));
    assertEquals(List.of("n1"), affected(done));
    assertTrue(done.error().contains("n2 is not Killable"), done.error());
    Op paused = n.invoke(op("pause", "all"));
    assertTrue(paused.error().contains("n2 is not Pausable"), paused.error());
  }

  @Test
  void failuresAndNonsense_neverThrow() {
    nodes.get(0).failNext = true;
    Op done = nemesis.invoke(op("kill", List.of("n1", "n2", "n9")));
    assertEquals(List.of("n2"), affected(done));
    assertTrue(done.error().contains("n1: kill failed") && done.error().contains("injected kill failure"), done.error());
    assertTrue(done.error().contains("unknown node 'n9'"), done.error());
    assertTrue(nemesis.killed().contains("n1"), "a failed kill is still healed");
    assertTrue(nemesis.invoke(op("explode", "all")).error().contains("unknown f 'explode'"));
    assertTrue(nemesis.invoke(op("kill", "most")).error().contains("unknown target 'most'"));
    assertTrue(nemesis.invoke(op("kill", null)).error().contains("no target"));
    assertEquals(OpType.INFO, nemesis.invoke(null).type());
    ProcessNemesis broken = new ProcessNemesis(new Fakes.FakeCluster(nodes) {
      @Override public List<Node> nodes() { throw new IllegalStateException("cluster gone"); }
    }, 1);
    assertTrue(broken.invoke(op("kill", "one")).error().contains("cluster gone"));
  }

  @Test
  void healOps_resumeAndStartEverythingStillFaulty() {
    nemesis.invoke(op("kill", List.of("n1")));
    nemesis.invoke(op("pause", List.of("n2", "n3")));
    List<Op> heal = nemesis.healOps();
    assertEquals(List.of(op("resume", List.of("n2", "n3")), op("start", List.of("n1"))), heal);
    for (Op h : heal) assertNull(nemesis.invoke(h).error());
    assertEquals(List.of(), nemesis.healOps());
    for (FakeNode n : nodes) assertTrue(n.isRunning() && !n.stopped, n.id());
  }

  @Test
  void sameSeed_choosesSameTargets() {
    assertEquals(choices(3), choices(3));
    assertNotEquals(choices(3), choices(4));
  }

  private List<Object> choices(long seed) {
    ProcessNemesis n = new ProcessNemesis(new LeaderCluster(Fakes.nodes(5)), seed);
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      out.add(n.invoke(op("pause", i % 2 == 0 ? "one" : "minority")).value());
      n.invoke(op("resume", null));
    }
    return out;
  }
}
