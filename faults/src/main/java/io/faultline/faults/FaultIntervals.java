package io.faultline.faults;

import io.faultline.history.History;
import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process faults of a history as intervals per node, for shading plots and for checkers that
 * ask what was down when (Jepsen's {@code nemesis-intervals}).
 *
 * <p>Read from nemesis completions, whose values list the nodes actually affected: {@code kill}
 * opens a "kill" interval on each node and {@code start} closes it; {@code pause} opens "pause" and
 * {@code resume} closes it; a kill also ends a pause of the same node (SIGKILL ends a SIGSTOP). An
 * interval starts at its fault's completion and ends at its heal's completion, -1 if it never healed.
 * Intervals come in the order they started.
 */
public final class FaultIntervals {
  private FaultIntervals() {}

  public static List<FaultInterval> from(History history) {
    List<String> kinds = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    List<Long> ends = new ArrayList<>();
    Map<String, Integer> openKill = new HashMap<>();
    Map<String, Integer> openPause = new HashMap<>();
    for (Op op : history.ops()) {
      if (!op.isNemesis() || op.isInvoke() || !(op.value() instanceof List)) continue;
      for (Object v : (List<?>) op.value()) {
        String node = String.valueOf(v);
        switch (op.f()) {
          case "kill":
            close(openPause.remove(node), op.timeNs(), ends);
            if (!openKill.containsKey(node)) openKill.put(node, open("kill", node, op.timeNs(), kinds, nodes, starts, ends));
            break;
          case "pause":
            if (!openPause.containsKey(node)) openPause.put(node, open("pause", node, op.timeNs(), kinds, nodes, starts, ends));
            break;
          case "start":
            close(openKill.remove(node), op.timeNs(), ends);
            break;
          case "resume":
            close(openPause.remove(node), op.timeNs(), ends);
            break;
          default:
            break;
        }
      }
    }
    List<FaultInterval> out = new ArrayList<>(kinds.size());
    for (int i = 0; i < kinds.size(); i++) out.add(new FaultInterval(kinds.get(i), List.of(nodes.get(i)), starts.get(i), ends.get(i)));
    return out;
  }

  private static int open(String kind, String node, long timeNs, List<String> kinds, List<String> nodes, List<Long> starts, List<Long> ends) {
    kinds.add(kind);
    nodes.add(node);
    starts.add(timeNs);
    ends.add(-1L);
    return kinds.size() - 1;
  }

  private static void close(Integer position, long timeNs, List<Long> ends) {
    if (position != null) ends.set(position, timeNs);
  }
}
