package io.faultline.faults;

import java.util.List;

/**
 * A fault in force from {@code startNs} to {@code endNs} (run-relative; endNs is -1 when it never
 * healed), derived from the nemesis ops of a history.
 *
 * @param kind  kill, pause, partition-halves, ...
 * @param nodes the node ids it affected
 */
public record FaultInterval(String kind, List<String> nodes, long startNs, long endNs) {
  public FaultInterval {
    nodes = List.copyOf(nodes);
  }
}
