package io.faultline.sut;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How to start a cluster: validated once, on construction.
 *
 * @param nodeCount     number of nodes, 1..9
 * @param runDir        the run's directory: node data, logs and pid files go below it
 * @param seed          the run's seed, for every random choice of the deployment
 * @param bugs          planted bugs to switch on; each must be one the system offers
 * @param options       system-specific settings (for example {@code isolation}), validated by the system
 */
public record ClusterSpec(int nodeCount, Path runDir, long seed, Set<String> bugs, Map<String, String> options) {
  public static final int NODE_COUNT_MAX = 9;

  public ClusterSpec {
    Objects.requireNonNull(runDir, "runDir");
    if (nodeCount < 1 || nodeCount > NODE_COUNT_MAX) {
      throw new IllegalArgumentException("nodeCount must be 1.." + NODE_COUNT_MAX + ", got " + nodeCount);
    }
    bugs = Set.copyOf(bugs == null ? Set.of() : bugs);
    options = Map.copyOf(options == null ? Map.of() : options);
  }

  public boolean bug(String name) { return bugs.contains(name); }

  /** Node ids are n1..nN: names, never addresses (DESIGN.md, "Addressing"). */
  public String nodeId(int i) { return "n" + (i + 1); }
}
