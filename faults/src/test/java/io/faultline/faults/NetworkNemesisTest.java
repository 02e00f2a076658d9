package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NetworkNemesisTest {
  /** A cluster whose links are a map. */
  static final class FakeNetworkCluster extends Fakes.FakeCluster implements NetworkControl {
    final Map<List<String>, LinkFaults> links = new HashMap<>();
    final List<String> endpoints;

    FakeNetworkCluster(int n, boolean clients) {
      super(Fakes.nodes(n));
      List<String> e = new ArrayList<>(Targets.ids(nodes));
      if (clients) e.add(CLIENTS);
      endpoints = List.copyOf(e);
    }

    @Override public List<String> endpoints() { return endpoints; }
    @Override public void setLink(String from, String to, LinkFaults f) {
      if (f.isNone()) links.remove(List.of(from, to)); else links.put(List.of(from, to), f);
    }
    @Override public LinkFaults link(String from, String to) { return links.getOrDefault(List.of(from, to), LinkFaults.NONE); }
    @Override public void healAll() { links.clear(); }
  }

  private static Op op(String f, Object value) { return Op.invoke(Op.NEMESIS, f, null, value); }

  @Test
  void partitionByShape_cutsTheGrudgesLinks_andStopHealsThemAll() {
    FakeNetworkCluster cluster = new FakeNetworkCluster(5, false);
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, false);
    Op done = nemesis.invoke(op("start-partition", "isolate-one"));
    assertNull(done.error());
    assertEquals(OpType.INFO, done.type());
    Map<?, ?> value = (Map<?, ?>) done.value();
    assertEquals("isolate-one", value.get("shape"));
    Map<?, ?> grudge = (Map<?, ?>) value.get("grudge");
    int cut = 0;
    for (Map.Entry<?, ?> e : grudge.entrySet()) {
      for (Object from : (List<?>) e.getValue()) {
        assertTrue(cluster.link(String.valueOf(from), String.valueOf(e.getKey())).cut());
        cut++;
      }
    }
    assertEquals(8, cut, "one node cut from four others, both ways");
    assertEquals(cut, cluster.links.size());
    assertEquals(List.of(op("stop-partition", null)), nemesis.healOps());
    Op healed = nemesis.invoke(op("stop-partition", null));
    assertEquals(grudge, healed.value());
    assertTrue(cluster.links.isEmpty());
    assertEquals(List.of(), nemesis.healOps());
  }

  @Test
  void explicitOneWayGrudge_cutsOnlyThatDirection() {
    FakeNetworkCluster cluster = new FakeNetworkCluster(3, false);
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, false);
    nemesis.invoke(op("start-partition", Map.of("n1", List.of("n2"))));
    assertTrue(cluster.link("n2", "n1").cut());
    assertEquals(LinkFaults.NONE, cluster.link("n1", "n2"));
  }

  @Test
  void partitionClients_cutsClientsFromNodesWithoutAMajority_only() {
    FakeNetworkCluster cluster = new FakeNetworkCluster(3, true);
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, true);
    nemesis.invoke(op("start-partition", Map.of("n1", List.of("n2", "n3"), "n2", List.of("n1"), "n3", List.of("n1"))));
    assertTrue(cluster.link(NetworkControl.CLIENTS, "n1").cut());
    assertTrue(cluster.link("n1", NetworkControl.CLIENTS).cut());
    assertEquals(LinkFaults.NONE, cluster.link(NetworkControl.CLIENTS, "n2"));
    nemesis.invoke(op("stop-partition", null));
    assertTrue(cluster.links.isEmpty());
  }

  @Test
  void delayOnATarget_setsEveryLinkOfIt_bothWays_andCombinesWithAPartition() {
    FakeNetworkCluster cluster = new FakeNetworkCluster(3, false);
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, false);
    Op delayed = nemesis.invoke(op("start-delay", Map.of("targets", List.of("n2"), "delay_ms", 100L, "jitter_ms", 10L)));
    assertEquals(Map.of("nodes", List.of("n2"), "delay_ms", 100L, "jitter_ms", 10L), delayed.value());
    assertEquals(4, cluster.links.size());
    assertEquals(100, cluster.link("n1", "n2").delayMs());
    assertEquals(10, cluster.link("n2", "n3").jitterMs());
    nemesis.invoke(op("start-partition", Map.of("n1", List.of("n2"))));
    assertTrue(cluster.link("n2", "n1").cut() && cluster.link("n2", "n1").delayMs() == 100);
    nemesis.invoke(op("stop-partition", null));
    assertEquals(LinkFaults.NONE.withDelay(100, 10), cluster.link("n2", "n1"), "a stop heals only its own kind");
    for (Op heal : nemesis.healOps()) nemesis.invoke(heal);
    assertTrue(cluster.links.isEmpty());
  }

  @Test
  void resetBlackholeBandwidthSlowClose_setTheirFields_andIntervalsNameThem() {
    FakeNetworkCluster cluster = new FakeNetworkCluster(3, false);
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, false);
    List<Op> history = new ArrayList<>();
    long t = 0;
    for (Op fault : List.of(op("start-reset", Map.of("targets", "n1", "after_ms", 0L)),
        op("start-blackhole", Map.of("targets", "n1")),
        op("start-bandwidth", Map.of("targets", "n1", "bytes_per_sec", 1000L)),
        op("start-slow-close", Map.of("targets", "n1", "close_delay_ms", 500L)),
        op("start-partition", "halves"))) {
      history.add(fault.withTime(t++));
      history.add(nemesis.invoke(fault).withProcess(Op.NEMESIS).withTime(t++));
    }
    LinkFaults f = cluster.link("n1", "n2");
    assertEquals(0, f.resetAfterMs());
    assertTrue(f.blackhole());
    assertEquals(1000, f.bandwidthBytesPerSec());
    assertEquals(500, f.slowCloseMs());
    for (Op heal : nemesis.healOps()) {
      history.add(heal.withTime(t++));
      history.add(nemesis.invoke(heal).withTime(t++));
    }
    assertTrue(cluster.links.isEmpty());
    List<String> kinds = new ArrayList<>();
    for (FaultInterval i : FaultIntervals.from(History.of(history))) {
      kinds.add(i.kind());
      assertTrue(i.endNs() > i.startNs(), i.toString());
    }
    assertEquals(List.of("reset", "blackhole", "bandwidth", "slow-close", "partition-halves"), kinds);
  }

  @Test
  void clusterWithoutNetworkControl_isAnInfoWithAReason() {
    Op done = new NetworkNemesis(new Fakes.FakeCluster(Fakes.nodes(3)), 1, false).invoke(op("start-partition", "halves"));
    assertTrue(done.error().contains("NetworkControl"));
  }
}
