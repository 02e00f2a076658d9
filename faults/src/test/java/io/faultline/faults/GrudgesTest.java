package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GrudgesTest {
  private static final List<String> THREE = List.of("n1", "n2", "n3");
  private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");

  private static Map<String, List<String>> grudge(String shape, List<String> nodes, long seed) {
    return Grudges.of(shape, nodes, new SplittableRandom(seed));
  }

  /** Nodes {@code node} hears, itself included. */
  private static Set<String> heard(Map<String, List<String>> g, List<String> nodes, String node) {
    Set<String> out = new HashSet<>(nodes);
    out.removeAll(g.getOrDefault(node, List.of()));
    return out;
  }

  private static boolean symmetric(Map<String, List<String>> g) {
    for (Map.Entry<String, List<String>> e : g.entrySet()) {
      for (String other : e.getValue()) if (!g.getOrDefault(other, List.of()).contains(e.getKey())) return false;
    }
    return true;
  }

  @Test
  void halvesOfFive_areTwoAndThree_withNoTrafficBetween() {
    for (long seed = 0; seed < 20; seed++) {
      Map<String, List<String>> g = grudge("halves", FIVE, seed);
      assertTrue(symmetric(g), g.toString());
      long small = FIVE.stream().filter(n -> g.get(n).size() == 3).count();
      long large = FIVE.stream().filter(n -> g.get(n).size() == 2).count();
      assertEquals(2, small, g.toString());
      assertEquals(3, large, g.toString());
    }
  }

  @Test
  void majorityMinority_leavesExactlyOneSideWithAMajority() {
    for (List<String> nodes : List.of(THREE, FIVE)) {
      Map<String, List<String>> g = grudge("majority-minority", nodes, 3);
      assertTrue(symmetric(g));
      assertEquals(nodes.size() - (nodes.size() / 2 + 1), Grudges.withoutMajority(g, nodes).size(), g.toString());
    }
  }

  @Test
  void isolateOne_cutsOneNodeFromAllOthers() {
    for (List<String> nodes : List.of(THREE, FIVE)) {
      Map<String, List<String>> g = grudge("isolate-one", nodes, 5);
      String lonely = nodes.stream().filter(n -> g.getOrDefault(n, List.of()).size() == nodes.size() - 1).findFirst().orElseThrow();
      for (String other : nodes) if (!other.equals(lonely)) assertEquals(List.of(lonely), g.get(other));
    }
  }

  @Test
  void bridge_oneNodeHearsEveryone_theOthersSplitInTwo() {
    for (List<String> nodes : List.of(THREE, FIVE)) {
      Map<String, List<String>> g = grudge("bridge", nodes, 7);
      assertTrue(symmetric(g));
      List<String> bridges = nodes.stream().filter(n -> !g.containsKey(n)).toList();
      assertEquals(1, bridges.size(), g.toString());
      for (String n : nodes) if (!bridges.contains(n)) assertEquals((nodes.size() - 1) / 2, g.get(n).size(), g.toString());
    }
  }

  @Test
  void majoritiesRing_everyNodeHearsAMajority_noTwoTheSame() {
    for (List<String> nodes : List.of(THREE, FIVE)) {
      Map<String, List<String>> g = grudge("majorities-ring", nodes, 11);
      Set<Set<String>> majorities = new HashSet<>();
      for (String n : nodes) {
        Set<String> h = heard(g, nodes, n);
        assertEquals(nodes.size() / 2 + 1, h.size(), n + " in " + g);
        majorities.add(h);
      }
      assertEquals(nodes.size(), majorities.size(), g.toString());
      assertTrue(Grudges.withoutMajority(g, nodes).isEmpty());
    }
    assertTrue(symmetric(grudge("majorities-ring", FIVE, 1)), "five nodes: a symmetric ring of ±1");
  }

  @Test
  void oneWay_oneNodeHearsNoOne_butAllHearIt() {
    for (List<String> nodes : List.of(THREE, FIVE)) {
      Map<String, List<String>> g = grudge("one-way", nodes, 13);
      assertEquals(1, g.size(), g.toString());
      assertEquals(nodes.size() - 1, g.values().iterator().next().size());
      assertTrue(!symmetric(g));
    }
  }

  @Test
  void sameSeed_sameGrudge_otherSeeds_otherPlacements() {
    assertEquals(grudge("halves", FIVE, 99), grudge("halves", FIVE, 99));
    Set<Map<String, List<String>>> seen = new HashSet<>();
    for (long seed = 0; seed < 30; seed++) seen.add(grudge("halves", FIVE, seed));
    assertNotEquals(1, seen.size());
  }
}
