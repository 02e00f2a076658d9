package io.faultline.faults;

import io.faultline.sut.Cluster;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Which nodes a fault acts on: a target spec {@code one | minority | majority | all | leader}
 * (minority is {@code n/2} rounded down, majority {@code n/2 + 1}, chosen at random), a node id, or
 * a list of node ids. Shared by the nemeses so that a spec means the same to all of them.
 */
final class Targets {
  static final List<String> SPECS = List.of("one", "minority", "majority", "all", "leader");

  private Targets() {}

  /** The nodes {@code value} names, in cluster order; what cannot be resolved goes to {@code errors}. */
  static List<Node> choose(Cluster cluster, SplittableRandom random, Object value, List<String> errors) {
    List<Node> nodes = cluster.nodes();
    if (value instanceof List) return listed(cluster, (List<?>) value, errors);
    if (!(value instanceof String)) {
      errors.add("no target: expected " + String.join("|", SPECS) + " or a list of node ids, got " + value);
      return List.of();
    }
    String spec = (String) value;
    int n = nodes.size();
    switch (spec) {
      case "one": return randomSubset(random, nodes, Math.min(1, n));
      case "minority": return randomSubset(random, nodes, n / 2);
      case "majority": return randomSubset(random, nodes, n / 2 + 1);
      case "all": return nodes;
      case "leader": return leader(cluster, nodes, errors);
      default:
        for (Node node : nodes) if (node.id().equals(spec)) return List.of(node);
        errors.add("unknown target '" + spec + "'; expected " + String.join("|", SPECS) + " or a list of node ids");
        return List.of();
    }
  }

  static List<Node> listed(Cluster cluster, List<?> ids, List<String> errors) {
    List<Node> out = new ArrayList<>();
    for (Object id : ids) {
      Node found = null;
      for (Node node : cluster.nodes()) if (node.id().equals(String.valueOf(id))) found = node;
      if (found == null) errors.add("unknown node '" + id + "'");
      else if (!out.contains(found)) out.add(found);
    }
    return out;
  }

  static List<String> ids(List<Node> nodes) {
    List<String> out = new ArrayList<>();
    for (Node node : nodes) out.add(node.id());
    return out;
  }

  private static List<Node> leader(Cluster cluster, List<Node> nodes, List<String> errors) {
    if (!(cluster instanceof LeaderAware)) {
      errors.add("cluster is not LeaderAware, cannot target the leader");
      return List.of();
    }
    Optional<String> leader;
    try {
      leader = ((LeaderAware) cluster).leader();
    } catch (RuntimeException e) {
      errors.add("asking for the leader failed: " + e);
      return List.of();
    }
    if (leader == null || leader.isEmpty()) {
      errors.add("no leader known");
      return List.of();
    }
    for (Node node : nodes) if (node.id().equals(leader.get())) return List.of(node);
    errors.add("leader '" + leader.get() + "' is not a node of the cluster");
    return List.of();
  }

  /** {@code k} distinct nodes drawn at random, in cluster order. */
  private static List<Node> randomSubset(SplittableRandom random, List<Node> nodes, int k) {
    int n = nodes.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] chosen = new boolean[n];
    for (int i = 0; i < k; i++) chosen[order[i]] = true;
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < n; i++) if (chosen[i]) out.add(nodes.get(i));
    return out;
  }
}
