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
 *
 * <p>Network and clock faults ({@link NetworkNemesis}, {@link ClockNemesis}): a {@code start-X}
 * completion opens one interval over the nodes it names, of kind {@code X}, or
 * {@code partition-<shape>} for a partition (nodes: every node of the grudge); {@code stop-X}, or
 * the next {@code start-X}, closes it. A {@code torn-tail} ({@link DiskNemesis}) is a "disk"
 * interval per damaged node from its invocation to its completion (the node's downtime), and a
 * {@code lose-unsynced} one "disk-lose-unsynced" interval over its nodes, the same way; a
 * {@code start-disk} opens "disk-<mode>". A {@code membership} or {@code transfer-leader}
 * ({@link MembershipNemesis}) that did something is an interval from its invocation to its completion
 * over the nodes it named, of kind {@code membership-<action>} or {@code transfer-leader}. A
 * {@code corrupt} ({@link CorruptNemesis}) is a "corrupt" interval on its node from invocation to
 * completion (down, refused, repaired, started again), its heal {@code repair} a "corrupt-repair" one.
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
    Map<String, Integer> openStarted = new HashMap<>();
    Map<String, Long> invokedNs = new HashMap<>();
    for (Op op : history.ops()) {
      if (!op.isNemesis()) continue;
      if (op.isInvoke()) {
        invokedNs.put(op.f(), op.timeNs());
        continue;
      }
      Object tornTails = op.f().equals(DiskNemesis.FUNCTION) ? op.value() : null;
      if (op.value() instanceof Map && ((Map<?, ?>) op.value()).containsKey("instead")) tornTails = ((Map<?, ?>) op.value()).get("damaged");
      if (op.f().equals(DiskNemesis.LOSE_UNSYNCED) && op.value() instanceof Map && ((Map<?, ?>) op.value()).get("nodes") instanceof List) {
        List<String> affected = new ArrayList<>();
        for (Object o : (List<?>) ((Map<?, ?>) op.value()).get("nodes")) affected.add(String.valueOf(o));
        if (!affected.isEmpty()) {
          int at = open("disk-lose-unsynced", String.join(",", affected), invokedNs.getOrDefault(op.f(), op.timeNs()), kinds, nodes, starts, ends);
          ends.set(at, op.timeNs());
        }
        continue;
      }
      if (MembershipNemesis.FUNCTIONS.contains(op.f()) && op.value() instanceof Map && ((Map<?, ?>) op.value()).get("node") != null) {
        Map<?, ?> v = (Map<?, ?>) op.value();
        String kind = op.f().equals(MembershipNemesis.TRANSFER_LEADER) ? op.f() : op.f() + "-" + v.get("action");
        String named = v.get("replaces") == null ? String.valueOf(v.get("node")) : v.get("node") + "," + v.get("replaces");
        int at = open(kind, named, invokedNs.getOrDefault(op.f(), op.timeNs()), kinds, nodes, starts, ends);
        ends.set(at, op.timeNs());
        continue;
      }
      if (CorruptNemesis.FUNCTIONS.contains(op.f())) {
        List<Object> entries = op.value() instanceof List ? new ArrayList<>((List<?>) op.value()) : new ArrayList<>();
        if (op.value() instanceof Map) entries.add(op.value());
        for (Object v : entries) {
          Object node = v instanceof Map ? ((Map<?, ?>) v).get("node") : null;
          if (node == null) continue;
          String kind = op.f().equals(CorruptNemesis.FUNCTION) ? "corrupt" : "corrupt-repair";
          int at = open(kind, String.valueOf(node), invokedNs.getOrDefault(op.f(), op.timeNs()), kinds, nodes, starts, ends);
          ends.set(at, op.timeNs());
        }
        continue;
      }
      if (tornTails instanceof List) {
        for (Object v : (List<?>) tornTails) {
          Object node = v instanceof Map ? ((Map<?, ?>) v).get("node") : null;
          if (node == null) continue;
          int at = open("disk", String.valueOf(node), invokedNs.getOrDefault(op.f(), op.timeNs()), kinds, nodes, starts, ends);
          ends.set(at, op.timeNs());
        }
        continue;
      }
      if (op.f().startsWith("start-") && op.value() instanceof Map) {
        String family = op.f().substring(6);
        Map<?, ?> value = (Map<?, ?>) op.value();
        String kind = family;
        List<String> affected = new ArrayList<>();
        if (family.equals("partition")) {
          kind = "partition-" + value.get("shape");
          if (value.get("grudge") instanceof Map) {
            java.util.Set<String> all = new java.util.TreeSet<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value.get("grudge")).entrySet()) {
              all.add(String.valueOf(e.getKey()));
              if (e.getValue() instanceof List) for (Object o : (List<?>) e.getValue()) all.add(String.valueOf(o));
            }
            affected.addAll(all);
          }
        } else if (value.get("nodes") instanceof List) {
          for (Object o : (List<?>) value.get("nodes")) affected.add(String.valueOf(o));
          if (family.equals("disk") && value.get("mode") != null) kind = "disk-" + value.get("mode");
        }
        close(openStarted.remove(family), op.timeNs(), ends);
        kinds.add(kind);
        nodes.add(String.join(",", affected));
        starts.add(op.timeNs());
        ends.add(-1L);
        openStarted.put(family, kinds.size() - 1);
        continue;
      }
      if (op.f().startsWith("stop-")) {
        close(openStarted.remove(op.f().substring(5)), op.timeNs(), ends);
        continue;
      }
      if (!(op.value() instanceof List)) continue;
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
    for (int i = 0; i < kinds.size(); i++) {
      List<String> affected = nodes.get(i).isEmpty() ? List.of() : List.of(nodes.get(i).split(","));
      out.add(new FaultInterval(kinds.get(i), affected, starts.get(i), ends.get(i)));
    }
    return out;
  }

  /**
   * How long the system took to recover from {@code fault}: from its heal to the completion of the
   * first {@code ok} client op after it, in ns; -1 when it never healed or nothing succeeded after.
   */
  public static long recoveryNs(History history, FaultInterval fault) {
    if (fault.endNs() < 0) return -1;
    for (Op op : history.ops()) {
      if (op.isClient() && op.isOk() && op.timeNs() >= fault.endNs()) return op.timeNs() - fault.endNs();
    }
    return -1;
  }

  /** {@link #recoveryNs} of each interval, in the same order. */
  public static List<Long> recoveriesNs(History history, List<FaultInterval> faults) {
    List<Long> out = new ArrayList<>(faults.size());
    for (FaultInterval fault : faults) out.add(recoveryNs(history, fault));
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
