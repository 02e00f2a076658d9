package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several nemeses as one, routed by {@code f} ({@link Nemesis#functions}), so that one schedule
 * can combine process, network, disk and clock faults. The op {@value #HEAL} heals everything at
 * once (the schedule's last entry): every part's heal ops, network first so that restarted nodes
 * find their peers, and its completion value lists the heal ops' completions.
 */
public final class CompositeNemesis implements Nemesis {
  public static final String HEAL = "heal";

  private final List<Nemesis> parts;
  private final Map<String, Nemesis> byFunction = new LinkedHashMap<>();

  /** Parts in heal order; two parts may not claim the same {@code f}. */
  public CompositeNemesis(List<Nemesis> parts) {
    this.parts = List.copyOf(parts);
    for (Nemesis part : this.parts) {
      for (String f : part.functions()) {
        if (byFunction.put(f, part) != null) throw new IllegalArgumentException("two nemeses claim f '" + f + "'");
      }
    }
  }

  /**
   * Network, process, disk, clock, corrupt and membership nemeses over one cluster, each seeded from {@code seed}
   * (the process nemesis with {@code seed} itself, so that its choices are those it makes alone).
   */
  public static CompositeNemesis standard(Cluster cluster, long seed, boolean partitionClients) {
    return new CompositeNemesis(List.of(
        new NetworkNemesis(cluster, seed ^ 0x6E6574L, partitionClients),
        new ProcessNemesis(cluster, seed),
        new DiskNemesis(cluster, seed ^ 0x6469736BL),
        new ClockNemesis(cluster, seed ^ 0x636C6F63L),
        new CorruptNemesis(cluster, seed ^ 0x636F7272L),
        new MembershipNemesis(cluster, seed ^ 0x6D656D62L)));
  }

  @Override
  public Set<String> functions() {
    Set<String> all = new LinkedHashSet<>(byFunction.keySet());
    all.add(HEAL);
    return all;
  }

  @Override
  public Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    if (invocation.f().equals(HEAL)) {
      List<Object> done = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (Op heal : healOps()) {
        Op completion = byFunction.get(heal.f()).invoke(heal);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("f", heal.f());
        entry.put("value", completion.value());
        done.add(entry);
        if (completion.error() != null) errors.add(heal.f() + ": " + completion.error());
      }
      return invocation.complete(OpType.INFO, done, errors.isEmpty() ? null : String.join("; ", errors));
    }
    Nemesis part = byFunction.get(invocation.f());
    if (part == null) return invocation.info("unknown f '" + invocation.f() + "'; expected one of " + functions());
    return part.invoke(invocation);
  }

  @Override
  public List<Op> healOps() {
    List<Op> ops = new ArrayList<>();
    for (Nemesis part : parts) ops.addAll(part.healOps());
    return ops;
  }

  @Override
  public void close() {
    for (Nemesis part : parts) part.close();
  }
}
