package io.faultline.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Partition shapes as grudges (Jepsen's {@code nemesis/partitioner} vocabulary): a grudge maps each
 * node to the nodes it no longer hears from, in cluster order. Complete grudges are symmetric; the
 * {@code majorities-ring} of an even-sized window and {@code one-way} are not.
 *
 * <p>Shapes, for n nodes shuffled at random:
 * <ul>
 *   <li>{@code halves}: the first n/2 and the rest, no traffic between them;
 *   <li>{@code majority-minority}: a minority of ⌈n/2⌉−1 nodes and the majority;
 *   <li>{@code isolate-one}: one node alone;
 *   <li>{@code bridge}: two halves that do not hear each other, and one node that hears both;
 *   <li>{@code majorities-ring}: on a ring, every node hears a majority (itself included), no two
 *       the same one: its ±k neighbours when a majority less one is even, else the next m−1 nodes;
 *   <li>{@code one-way}: one node hears no one, while all hear it.
 * </ul>
 */
public final class Grudges {
  public static final List<String> SHAPES =
      List.of("halves", "majority-minority", "isolate-one", "bridge", "majorities-ring", "one-way");

  private Grudges() {}

  /** The grudge of {@code shape} over {@code nodes}; draws from {@code random} to place nodes. */
  public static Map<String, List<String>> of(String shape, List<String> nodes, SplittableRandom random) {
    if (!SHAPES.contains(shape)) throw new IllegalArgumentException("shape must be one of " + SHAPES + ", got '" + shape + "'");
    if (new LinkedHashSet<>(nodes).size() != nodes.size()) throw new IllegalArgumentException("nodes must be distinct, got " + nodes);
    List<String> shuffled = shuffle(nodes, random);
    int n = nodes.size();
    Map<String, Set<String>> hate = new LinkedHashMap<>();
    for (String node : nodes) hate.put(node, new LinkedHashSet<>());
    switch (shape) {
      case "halves":
        complete(hate, shuffled.subList(0, n / 2), shuffled.subList(n / 2, n));
        break;
      case "majority-minority": {
        int minority = (n + 1) / 2 - 1;
        complete(hate, shuffled.subList(0, minority), shuffled.subList(minority, n));
        break;
      }
      case "isolate-one":
        complete(hate, shuffled.subList(0, Math.min(1, n)), shuffled.subList(Math.min(1, n), n));
        break;
      case "bridge":
        if (n >= 3) {
          int half = (n - 1) / 2;
          complete(hate, shuffled.subList(0, half), shuffled.subList(half + 1, n));
        }
        break;
      case "majorities-ring":
        ring(hate, shuffled);
        break;
      default: // one-way
        if (n >= 2) for (String other : shuffled.subList(1, n)) hate.get(shuffled.get(0)).add(other);
        break;
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String node : nodes) {
      List<String> from = new ArrayList<>();
      for (String other : nodes) if (hate.get(node).contains(other)) from.add(other);
      if (!from.isEmpty()) out.put(node, List.copyOf(from));
    }
    return out;
  }

  /** Every node that hears fewer than a majority of the nodes, itself included. */
  public static Set<String> withoutMajority(Map<String, List<String>> grudge, List<String> nodes) {
    Set<String> out = new LinkedHashSet<>();
    int majority = nodes.size() / 2 + 1;
    for (String node : nodes) {
      if (nodes.size() - grudge.getOrDefault(node, List.of()).size() < majority) out.add(node);
    }
    return out;
  }

  private static void complete(Map<String, Set<String>> hate, List<String> a, List<String> b) {
    for (String x : a) {
      for (String y : b) {
        hate.get(x).add(y);
        hate.get(y).add(x);
      }
    }
  }

  private static void ring(Map<String, Set<String>> hate, List<String> ring) {
    int n = ring.size();
    int others = n / 2; // a majority less the node itself
    for (int i = 0; i < n; i++) {
      Set<String> heard = new LinkedHashSet<>();
      if (others % 2 == 0) {
        for (int d = 1; d <= others / 2; d++) {
          heard.add(ring.get((i + d) % n));
          heard.add(ring.get(Math.floorMod(i - d, n)));
        }
      } else {
        for (int d = 1; d <= others; d++) heard.add(ring.get((i + d) % n));
      }
      for (int j = 0; j < n; j++) if (j != i && !heard.contains(ring.get(j))) hate.get(ring.get(i)).add(ring.get(j));
    }
  }

  private static List<String> shuffle(List<String> nodes, SplittableRandom random) {
    List<String> out = new ArrayList<>(nodes);
    for (int i = out.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String t = out.get(i);
      out.set(i, out.get(j));
      out.set(j, t);
    }
    return out;
  }
}
