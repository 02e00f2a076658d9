package io.faultline.faults;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import io.faultline.sut.Repairable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Corruption before the tail, and the repair it needs: the whole drill an operator would go through.
 * Op {@code corrupt} takes a follower (drawn with the run's seed among the running {@link Repairable},
 * {@link Killable} nodes other than the leader; or the node the value names), stops it (SIGKILL), flips
 * one byte in the middle of its log's records — a synced record, never a header or the tail, which a
 * torn write could explain and the node would truncate — and starts it: it must refuse, exit, and say
 * in its log which command repairs it. Then the system's repair runs with a rebuild (the log discarded,
 * term and vote kept), the node is started again and must serve, then catch up from the leader.
 *
 * <p>Only a follower, one at a time: a rebuilt node lost entries it acknowledged, and only the other
 * copies keep them; a second damaged node of a three-node cluster would be a majority, and no system
 * could promise anything (see {@link DiskNemesis#damageBound}).
 *
 * <p>Completion {@code info}, value {@code {"node", "file", "offset", "byte": [before, after],
 * "refused", "refusal", "repair": {"outcome", "damage", "actions", "command"}, "state", "steps": [{"step",
 * "ms"}...]}}: steps kill, flip, start, refused (or started, an error: the node ran on a corrupt log),
 * repair, start, serving, caught-up, each at ms since the op began. Anything that went wrong is in the
 * error. A node this op could not bring back is repaired and started again by the heal, op
 * {@code repair} (value a list of ids, or null for every such node).
 */
public final class CorruptNemesis implements Nemesis {
  public static final String FUNCTION = "corrupt";
  public static final String REPAIR = "repair";
  public static final Set<String> FUNCTIONS = Set.of(FUNCTION, REPAIR);
  /** Bound on the wait for a leader to tell the followers by. */
  static final long LEADER_WAIT_MS = 10_000;
  /** Bound on the wait for a node started on a corrupt log to exit. */
  static final long REFUSAL_WAIT_MS = 30_000;
  /** Bound on the wait for a repaired node to answer. */
  static final long SERVING_WAIT_MS = 30_000;
  /** Bound on the wait for a rebuilt node to catch up. */
  static final long CATCH_UP_WAIT_MS = 30_000;
  static final long POLL_MS = 100;
  /** The flipped byte lies in this middle part of the records, so that whole records come after it. */
  static final double MIDDLE_FROM = 0.25;
  static final double MIDDLE_TO = 0.75;

  private final Cluster cluster;
  private final SplittableRandom random;
  private final long pollMs;
  private final long waitScale;
  /** Nodes a corrupt op left down or unrepaired, for the heal. */
  private final Set<String> stranded = new LinkedHashSet<>();

  public CorruptNemesis(Cluster cluster, long seed) {
    this(cluster, seed, POLL_MS, 1);
  }

  /** With a poll period and bounds divided by {@code waitScale}, for tests. */
  CorruptNemesis(Cluster cluster, long seed, long pollMs, long waitScale) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
    this.pollMs = pollMs;
    this.waitScale = waitScale;
  }

  @Override
  public Set<String> functions() { return FUNCTIONS; }

  @Override
  public synchronized List<Op> healOps() {
    return stranded.isEmpty() ? List.of() : List.of(Op.invoke(Op.NEMESIS, REPAIR, null, List.copyOf(stranded)));
  }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    try {
      if (invocation.f().equals(FUNCTION)) return corrupt(invocation);
      if (invocation.f().equals(REPAIR)) return heal(invocation);
      return invocation.info("unknown f '" + invocation.f() + "'; expected one of " + new java.util.TreeSet<>(FUNCTIONS));
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, null, "nemesis failed: " + e);
    }
  }

  private Op corrupt(Op invocation) {
    List<String> errors = new ArrayList<>();
    Node node = choose(invocation.value(), errors);
    if (node == null) return invocation.complete(OpType.INFO, null, String.join("; ", errors));
    Killable killable = (Killable) node;
    Repairable repairable = (Repairable) node;
    long t0 = System.nanoTime();
    List<Object> steps = new ArrayList<>();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", node.id());
    boolean damaged = false;
    boolean repaired = false;
    boolean restarted = false;
    try {
      killable.kill();
      step(steps, "kill", t0);
      List<Repairable.LogRecords> logs = repairable.logRecords();
      Repairable.LogRecords target = null;
      for (Repairable.LogRecords r : logs) if (target == null || r.bytes() > target.bytes()) target = r;
      if (target == null || target.bytes() < 2) {
        errors.add(node.id() + ": no log records to damage");
        return invocation.complete(OpType.INFO, out, String.join("; ", errors));
      }
      long from = target.start() + (long) (target.bytes() * MIDDLE_FROM);
      long to = Math.max(from + 1, target.start() + (long) (target.bytes() * MIDDLE_TO));
      long offset = random.nextLong(from, to);
      int[] flipped = flip(target.file(), offset);
      damaged = true;
      Path data = node.dataDir();
      out.put("file", target.file().startsWith(data) ? data.relativize(target.file()).toString() : target.file().toString());
      out.put("offset", offset);
      out.put("byte", List.of((long) flipped[0], (long) flipped[1]));
      step(steps, "flip", t0);

      killable.start();
      step(steps, "start", t0);
      boolean exited = await(() -> !killable.isRunning() || repairable.state() == Repairable.State.SERVING, REFUSAL_WAIT_MS)
          && !killable.isRunning();
      if (!exited) {
        errors.add(node.id() + " started on a corrupt log (it should have refused)");
        step(steps, "started", t0);
        killable.kill();
      } else {
        step(steps, "refused", t0);
      }
      Optional<String> refusal = repairable.refusal();
      out.put("refused", exited && refusal.isPresent());
      refusal.ifPresent(r -> out.put("refusal", r));
      if (exited && refusal.isEmpty()) errors.add(node.id() + " exited without saying why in its log");
      if (refusal.isPresent() && !refusal.get().contains("repair")) errors.add(node.id() + "'s refusal names no repair command");

      Repairable.Repair repair = repairable.repair(true);
      repaired = !repair.outcome().equals("corrupt") && !repair.outcome().equals("unrepairable");
      out.put("repair", repairJson(repair));
      step(steps, "repair", t0);
      if (!repaired) errors.add(node.id() + ": repair " + repair.outcome() + " (" + repair.damage() + ")");
      if (repair.damage() == null) errors.add(node.id() + ": the repair found no damage after the flip");

      restarted = true;
      restart(node, steps, t0, out, errors);
    } catch (IOException | RuntimeException e) {
      errors.add(node.id() + ": " + e);
    } finally {
      if (!killable.isRunning()) {
        if (damaged && (!repaired || restarted)) stranded.add(node.id()); // the heal repairs and starts it once more
        else bringBack(node, errors);
      }
      out.put("steps", steps);
    }
    return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /** Starts a repaired node and waits for it to serve, then to catch up; records the steps. */
  private void restart(Node node, List<Object> steps, long t0, Map<String, Object> out, List<String> errors) throws IOException {
    Killable killable = (Killable) node;
    Repairable repairable = (Repairable) node;
    killable.start();
    step(steps, "start", t0);
    boolean serving = await(() -> {
      Repairable.State s = repairable.state();
      return s == Repairable.State.SERVING || s == Repairable.State.CATCHING_UP || s == Repairable.State.DOWN;
    }, SERVING_WAIT_MS) && repairable.state() != Repairable.State.DOWN;
    if (!serving) {
      Optional<String> refusal = repairable.refusal();
      errors.add(node.id() + " did not serve after the repair" + (refusal.isPresent() ? ": " + refusal.get() : " within " + SERVING_WAIT_MS / waitScale + " ms"));
      out.put("state", repairable.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      return;
    }
    step(steps, "serving", t0);
    boolean caughtUp = await(() -> repairable.state() != Repairable.State.CATCHING_UP, CATCH_UP_WAIT_MS)
        && repairable.state() == Repairable.State.SERVING;
    if (caughtUp) step(steps, "caught-up", t0);
    out.put("state", repairable.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
  }

  /** Best effort after a failure: a repaired or untouched node is started again; one still corrupt is left to the heal. */
  private void bringBack(Node node, List<String> errors) {
    try {
      ((Killable) node).start();
    } catch (IOException | RuntimeException e) {
      errors.add(node.id() + ": start after the fault failed: " + e);
      stranded.add(node.id());
    }
  }

  /** The heal: repair (with a rebuild) and start every node named, or every one a corrupt op left behind. */
  private Op heal(Op invocation) {
    List<String> errors = new ArrayList<>();
    List<Node> nodes = invocation.value() instanceof List ? Targets.listed(cluster, (List<?>) invocation.value(), errors)
        : Targets.listed(cluster, List.copyOf(stranded), errors);
    List<Object> done = new ArrayList<>();
    for (Node node : nodes) {
      if (!(node instanceof Repairable) || !(node instanceof Killable)) {
        errors.add(node.id() + " is not Repairable and Killable, skipped");
        continue;
      }
      long t0 = System.nanoTime();
      Map<String, Object> out = new LinkedHashMap<>();
      List<Object> steps = new ArrayList<>();
      out.put("node", node.id());
      try {
        ((Killable) node).kill();
        Repairable.Repair repair = ((Repairable) node).repair(true);
        out.put("repair", repairJson(repair));
        step(steps, "repair", t0);
        restart(node, steps, t0, out, errors);
        if (((Killable) node).isRunning()) stranded.remove(node.id());
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": " + e);
      }
      out.put("steps", steps);
      done.add(out);
    }
    return invocation.complete(OpType.INFO, done, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /** The follower the value names, or one drawn with the seed; null (with the reason in {@code errors}) when there is none. */
  private Node choose(Object value, List<String> errors) {
    List<Node> able = new ArrayList<>();
    for (Node n : cluster.nodes()) if (n instanceof Repairable && n instanceof Killable) able.add(n);
    if (able.isEmpty()) {
      errors.add("no node of this cluster is Repairable and Killable: it cannot be corrupted and repaired");
      return null;
    }
    if (value instanceof String) {
      for (Node n : able) if (n.id().equals(value)) return n;
      errors.add("no repairable node '" + value + "'");
      return null;
    }
    String leader = null;
    if (cluster instanceof LeaderAware) {
      leader = LeaderAware.await((LeaderAware) cluster, () -> true, LEADER_WAIT_MS / waitScale, pollMs).orElse(null);
      if (leader == null) {
        errors.add("no leader within " + LEADER_WAIT_MS / waitScale + " ms: no follower to tell");
        return null;
      }
    }
    List<Node> followers = new ArrayList<>();
    for (Node n : able) if (!n.id().equals(leader) && ((Killable) n).isRunning()) followers.add(n);
    if (followers.isEmpty()) {
      errors.add("no running follower to corrupt (leader " + leader + ")");
      return null;
    }
    return followers.get(random.nextInt(followers.size()));
  }

  /** Inverts every bit of the byte at {@code offset} and syncs the file; returns the byte before and after. */
  static int[] flip(Path file, long offset) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      if (ch.read(one, offset) != 1) throw new IOException("no byte at offset " + offset + " of " + file);
      int before = one.get(0) & 0xff;
      int after = before ^ 0xff;
      ch.write(ByteBuffer.wrap(new byte[] {(byte) after}), offset);
      ch.force(true);
      return new int[] {before, after};
    }
  }

  private static Map<String, Object> repairJson(Repairable.Repair repair) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("outcome", repair.outcome());
    m.put("damage", repair.damage());
    m.put("actions", repair.actions());
    m.put("command", repair.command());
    return m;
  }

  private static void step(List<Object> steps, String step, long t0) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", step);
    m.put("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    steps.add(m);
  }

  /** Polls {@code done} every poll period until it holds or {@code boundMs} (divided by the test scale) passes. */
  private boolean await(BooleanSupplier done, long boundMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMs / waitScale);
    while (true) {
      if (done.getAsBoolean()) return true;
      if (System.nanoTime() >= deadline) return false;
      try {
        Thread.sleep(pollMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * What the {@code corrupt} faults of a history came to, for result.json's {@code repairs}: faults that
   * damaged a node, starts the node refused, repairs by outcome and their actions, nodes that served
   * again and that caught up. Empty when the history has no corrupt fault.
   */
  public static Map<String, Object> summary(History history) {
    long faults = 0;
    long refused = 0;
    long rebuilt = 0;
    long repaired = 0;
    long actions = 0;
    long served = 0;
    long caughtUp = 0;
    long startedCorrupt = 0;
    for (Op op : history.ops()) {
      if (!op.isNemesis() || op.isInvoke() || !FUNCTIONS.contains(op.f())) continue;
      List<Map<?, ?>> entries = new ArrayList<>();
      if (op.value() instanceof Map) entries.add((Map<?, ?>) op.value());
      if (op.value() instanceof List) for (Object o : (List<?>) op.value()) if (o instanceof Map) entries.add((Map<?, ?>) o);
      for (Map<?, ?> v : entries) {
        if (op.f().equals(FUNCTION) && v.get("offset") != null) faults++;
        if (Boolean.TRUE.equals(v.get("refused"))) refused++;
        if (v.get("repair") instanceof Map) {
          Map<?, ?> r = (Map<?, ?>) v.get("repair");
          if ("rebuilt".equals(r.get("outcome"))) rebuilt++;
          if ("repaired".equals(r.get("outcome"))) repaired++;
          if (r.get("actions") instanceof List) actions += ((List<?>) r.get("actions")).size();
        }
        if (v.get("steps") instanceof List) {
          for (Object s : (List<?>) v.get("steps")) {
            Object name = s instanceof Map ? ((Map<?, ?>) s).get("step") : null;
            if ("serving".equals(name)) served++;
            if ("caught-up".equals(name)) caughtUp++;
            if ("started".equals(name)) startedCorrupt++;
          }
        }
      }
    }
    if (faults == 0 && rebuilt == 0 && repaired == 0) return Map.of();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("corrupt_faults", faults);
    m.put("refused_starts", refused);
    m.put("started_on_corrupt_log", startedCorrupt);
    m.put("rebuilds", rebuilt);
    m.put("safe_repairs", repaired);
    m.put("repair_actions", actions);
    m.put("served_again", served);
    m.put("caught_up", caughtUp);
    return m;
  }
}
