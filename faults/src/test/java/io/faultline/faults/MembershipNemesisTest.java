package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.LeaderTransfer;
import io.faultline.sut.MembershipChanges;
import io.faultline.sut.Node;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MembershipNemesisTest {
  /** A configuration kept in memory: adds and removes take effect at once. */
  static final class FakeCluster implements Cluster, MembershipChanges, LeaderTransfer, LeaderAware {
    final List<String> voters = new ArrayList<>(List.of("n1", "n2", "n3"));
    final List<String> deployed = List.of("n1", "n2", "n3", "n4", "n5");
    String leader = "n1";
    final List<String> calls = new ArrayList<>();

    @Override public List<Node> nodes() { return List.of(); }
    @Override public Client client(int process) { throw new IllegalStateException("no clients in this test"); }
    @Override public void close() {}
    @Override public Optional<String> leader() { return Optional.of(leader); }
    @Override public Members members() { return new Members(voters, List.of(), false, deployed); }

    @Override
    public String add(String nodeId, String replaces) throws IOException {
      if (voters.contains(nodeId)) throw new IOException(nodeId + " is a voter already");
      voters.add(nodeId);
      if (replaces != null) voters.remove(replaces);
      calls.add("add " + nodeId + (replaces == null ? "" : " replacing " + replaces));
      return "ok";
    }

    @Override
    public String remove(String nodeId) {
      voters.remove(nodeId);
      calls.add("remove " + nodeId);
      return "ok";
    }

    @Override
    public String transferLeader(String target) {
      calls.add("transfer " + target);
      leader = target;
      return "ok";
    }
  }

  @Test
  void changes_stayWithinTheDeployedNodes_andKeepThreeVoters_andAreTheSameForASeed() {
    List<String> first = null;
    for (int round = 0; round < 2; round++) {
      FakeCluster c = new FakeCluster();
      MembershipNemesis n = new MembershipNemesis(c, 42);
      for (int i = 0; i < 40; i++) {
        Op done = n.invoke(Op.invoke(Op.NEMESIS, MembershipNemesis.MEMBERSHIP, null, null));
        assertTrue(done.isInfo());
        assertTrue(c.voters.size() >= MembershipNemesis.VOTERS_MIN, c.voters.toString());
        assertTrue(c.deployed.containsAll(c.voters), c.voters.toString());
        assertEquals(c.voters.size(), c.voters.stream().distinct().count());
      }
      assertTrue(c.calls.stream().anyMatch(s -> s.startsWith("add")), c.calls.toString());
      assertTrue(c.calls.stream().anyMatch(s -> s.startsWith("remove")), c.calls.toString());
      assertTrue(c.calls.stream().anyMatch(s -> s.contains("replacing")), c.calls.toString());
      if (first == null) first = c.calls; else assertEquals(first, c.calls, "same seed, same changes");
    }
  }

  @Test
  void transfer_goesToAnotherVoter() {
    FakeCluster c = new FakeCluster();
    MembershipNemesis n = new MembershipNemesis(c, 7);
    Op done = n.invoke(Op.invoke(Op.NEMESIS, MembershipNemesis.TRANSFER_LEADER, null, null));
    Map<?, ?> v = (Map<?, ?>) done.value();
    assertEquals("n1", v.get("from"));
    assertTrue(List.of("n2", "n3").contains(v.get("node")), v.toString());
  }

  @Test
  void aClusterWithoutTheAbilities_getsAnInfoSayingSo() {
    Cluster plain = new Cluster() {
      @Override public List<Node> nodes() { return List.of(); }
      @Override public Client client(int process) { throw new IllegalStateException("no clients in this test"); }
      @Override public void close() {}
    };
    Op done = new MembershipNemesis(plain, 1).invoke(Op.invoke(Op.NEMESIS, MembershipNemesis.MEMBERSHIP, null, null));
    assertTrue(done.isInfo());
    assertTrue(String.valueOf(done.error()).contains("cannot change its membership"), String.valueOf(done.error()));
  }
}
