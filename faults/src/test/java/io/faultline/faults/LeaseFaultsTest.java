package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The faults that strand a leader with its lease: the leader isolated, and its timers far off. */
class LeaseFaultsTest {
  /** Links in a map, and a leader to ask for. */
  static final class LeaderNetworkCluster extends Fakes.FakeCluster implements NetworkControl, LeaderAware {
    final Map<List<String>, LinkFaults> links = new HashMap<>();
    Optional<String> leader = Optional.empty();

    LeaderNetworkCluster(int n) { super(Fakes.nodes(n)); }

    @Override public List<String> endpoints() { return Targets.ids(nodes); }
    @Override public void setLink(String from, String to, LinkFaults f) {
      if (f.isNone()) links.remove(List.of(from, to)); else links.put(List.of(from, to), f);
    }
    @Override public LinkFaults link(String from, String to) { return links.getOrDefault(List.of(from, to), LinkFaults.NONE); }
    @Override public void healAll() { links.clear(); }
    @Override public Optional<String> leader() { return leader; }
  }

  private static Op op(String f, Object value) { return Op.invoke(Op.NEMESIS, f, null, value); }

  @Test
  void isolateLeader_cutsTheNodeThatLeadsNow_fromEveryOther_bothWays() {
    LeaderNetworkCluster cluster = new LeaderNetworkCluster(5);
    cluster.leader = Optional.of("n4");
    NetworkNemesis nemesis = new NetworkNemesis(cluster, 1, false);
    Op done = nemesis.invoke(op("start-partition", NetworkNemesis.ISOLATE_LEADER));
    assertEquals(null, done.error());
    assertEquals(NetworkNemesis.ISOLATE_LEADER, ((Map<?, ?>) done.value()).get("shape"));
    assertEquals(8, cluster.links.size());
    for (String other : List.of("n1", "n2", "n3", "n5")) {
      assertTrue(cluster.link("n4", other).cut() && cluster.link(other, "n4").cut(), other);
    }
    assertTrue(!cluster.link("n1", "n2").cut());
    nemesis.invoke(op("stop-partition", null));
    assertEquals(0, cluster.links.size());
  }

  @Test
  void isolateLeader_withNoLeaderKnown_cutsNothing_andSaysWhy() {
    LeaderNetworkCluster cluster = new LeaderNetworkCluster(3);
    Op done = new NetworkNemesis(cluster, 1, false).invoke(op("start-partition", NetworkNemesis.ISOLATE_LEADER));
    assertTrue(done.error().contains("no leader"), done.error());
    assertEquals(0, cluster.links.size());
  }

  @Test
  void clockRate_drawsTimersFarOff_eitherWay_andOnlyWhenAskedByName() {
    List<Double> rates = new ArrayList<>();
    for (long seed = 0; seed < 5; seed++) {
      for (ScheduledFault e : FaultSchedule.generate(List.of("clock-rate"), "leader", 5_000, 60_000, seed)) {
        if (!e.op().f().equals("start-clock")) continue;
        Map<?, ?> args = (Map<?, ?>) e.op().value();
        assertEquals("rate", args.get("mode"));
        assertEquals(0L, args.get("offset_ms"));
        rates.add((Double) args.get("rate"));
      }
    }
    assertTrue(rates.stream().anyMatch(r -> r <= 0.33) && rates.stream().anyMatch(r -> r >= 3.0), rates.toString());
    for (double r : rates) assertTrue(r >= 0.1 && r <= 0.33 || r >= 3.0 && r <= 10.0, rates.toString());
    for (long seed = 0; seed < 20; seed++) {
      for (ScheduledFault e : FaultSchedule.generate(List.of("clock"), "one", 5_000, 60_000, seed)) {
        assertTrue(!"rate".equals(e.op().value() instanceof Map ? ((Map<?, ?>) e.op().value()).get("mode") : null), e.toString());
      }
    }
  }

  @Test
  void isolateLeaderAndClockRate_combined_startTogether_onTheLeader() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of("partition-isolate-leader", "clock-rate"), "leader", 12_000, 36_000, 3,
        FaultSchedule.Options.defaults(), true);
    int starts = 0;
    for (int i = 0; i + 1 < s.size(); i++) {
      if (s.get(i).op().f().startsWith("start-") && s.get(i + 1).op().f().startsWith("start-")) {
        assertEquals(s.get(i).atMs() + 1, s.get(i + 1).atMs(), s.toString());
        starts++;
      }
    }
    assertTrue(starts >= 2, s.toString());
    assertEquals(FaultSchedule.describe(s), FaultSchedule.describe(FaultSchedule.generate(List.of("partition-isolate-leader", "clock-rate"),
        "leader", 12_000, 36_000, 3, FaultSchedule.Options.defaults(), true)));
  }
}
