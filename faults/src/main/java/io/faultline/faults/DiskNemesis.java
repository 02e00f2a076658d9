package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import io.faultline.sut.StorageFaults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
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
import java.util.stream.Stream;

/**
 * Disk faults. A torn write, done from outside: kills a {@link Killable} node, damages the tail of
 * the newest segment of its log while it is down, and starts it again. A correct system truncates a
 * torn tail at start-up; one that acknowledged the torn entries as durable loses them, and the check
 * sees it. Mid-file corruption that needs a repair tool is another nemesis's. On nodes whose storage
 * misbehaves on request ({@link StorageFaults}), also fsync stalls and lost unsynced writes.
 *
 * <p>Damage bound: a torn tail may destroy data the node had synced, and synced data lost on a
 * majority is committed data lost in any Raft: such a run proves nothing. So {@code torn-tail} acts on
 * at most {@link #damageBound} nodes (a minority; the one node of a one-node system), the first of
 * those chosen, and says so in its error. Losing what was never synced is harmless to a correct
 * system on any number of nodes, since it acknowledges only what it synced: {@code lose-unsynced}
 * has no bound, and on a majority it is what exposes a system that acknowledges before fsync.
 *
 * <p>Op {@code torn-tail}: value a target spec or list of ids ({@link Targets}), or a map
 * {@code {"targets": T, "mode": "truncate"|"zero", "bytes": b}}; a mode or size left out is drawn
 * from the seed (1..{@link #TAIL_BYTES_MAX} bytes, never more than the file). The file is the one
 * the node names ({@link LogSegments}), else the newest regular file below its data directory.
 * Completion {@code info}, value one map per node: {@code {"node", "file" (relative to the data
 * directory), "mode", "bytes", "size_before", "data_end"}} (the tail is that of the written data,
 * before any zero padding); a node with nothing to damage is still restarted.
 *
 * <p>Op {@code start-disk}: value {@code {"targets": T, "mode": "fsync-stall"|"lose-unsynced"|
 * "torn-write"|"disk-full"}} puts each target's storage in that mode; {@code stop-disk} heals every
 * node it touched (mode none; a node that died of its fault is started again). Op
 * {@code lose-unsynced}: value {@code {"targets": T, "write_ms": w}} sets the targets' storage to
 * lose what is not synced, lets the workload write for {@code w} ms, SIGKILLs them all, and starts
 * them again (a restarted node's storage has no fault). Completions {@code {"nodes": [...], "mode"}}
 * or {@code {"nodes": [...], "write_ms"}}. A cluster none of whose targets is {@link StorageFaults}
 * (Ratis, PostgreSQL) gets a {@code torn-tail} of the same targets instead, within the bound, and the
 * completion says {@code "instead": "torn-tail"}.
 */
public final class DiskNemesis implements Nemesis {
  public static final String FUNCTION = "torn-tail";
  public static final String START = "start-disk";
  public static final String STOP = "stop-disk";
  public static final String LOSE_UNSYNCED = "lose-unsynced";
  public static final Set<String> FUNCTIONS = Set.of(FUNCTION, START, STOP, LOSE_UNSYNCED);
  /** The storage modes {@code start-disk} takes, by name. */
  public static final List<String> MODES = List.of("fsync-stall", "lose-unsynced", "torn-write", "disk-full");
  /** Bound on {@code lose-unsynced}'s {@code write_ms}. */
  public static final long WRITE_MS_MAX = 60_000;
  public static final long TAIL_BYTES_MAX = 4_096;
  static final int SEARCH_DEPTH_MAX = 8;
  static final int SCAN_BLOCK_BYTES = 64 * 1024;

  private final Cluster cluster;
  private final SplittableRandom random;
  private final Set<String> faulted = new LinkedHashSet<>();

  public DiskNemesis(Cluster cluster, long seed) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Set<String> functions() { return FUNCTIONS; }

  @Override
  public synchronized List<Op> healOps() {
    return faulted.isEmpty() ? List.of() : List.of(Op.invoke(Op.NEMESIS, STOP, null, null));
  }

  /** At most this many nodes of {@code n} have synced data damaged at once: a minority, or the one node of a one-node system. */
  public static int damageBound(int n) { return Math.max(1, (n - 1) / 2); }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    try {
      switch (invocation.f()) {
        case FUNCTION: return tornTail(invocation, false);
        case START: return startDisk(invocation);
        case STOP: return stopDisk(invocation);
        case LOSE_UNSYNCED: return loseUnsynced(invocation);
        default: return invocation.info("unknown f '" + invocation.f() + "'; expected one of " + new java.util.TreeSet<>(FUNCTIONS));
      }
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, null, "nemesis failed: " + e);
    }
  }

  private static Map<?, ?> args(Op invocation) {
    Object value = invocation.value();
    return value instanceof Map ? (Map<?, ?>) value : Map.of("targets", value == null ? "one" : value);
  }

  /** The targets that can take storage faults, or null (after a torn tail instead) when none can. */
  private List<Node> storageTargets(Op invocation, List<String> errors) {
    List<Node> chosen = Targets.choose(cluster, random, args(invocation).get("targets"), errors);
    List<Node> able = new ArrayList<>();
    for (Node node : chosen) {
      if (node instanceof StorageFaults) able.add(node);
      else errors.add(node.id() + " is not StorageFaults, skipped");
    }
    return able.isEmpty() && !chosen.isEmpty() ? null : able;
  }

  private Op startDisk(Op invocation) {
    List<String> errors = new ArrayList<>();
    Object modeName = args(invocation).get("mode");
    int m = MODES.indexOf(String.valueOf(modeName));
    if (m < 0) return invocation.info("mode must be one of " + MODES + ", got " + modeName);
    StorageFaults.Mode mode = mode(MODES.get(m));
    List<Node> nodes = storageTargets(invocation, errors);
    if (nodes == null) return tornTail(invocation, true);
    List<String> done = new ArrayList<>();
    for (Node node : nodes) {
      faulted.add(node.id());
      try {
        ((StorageFaults) node).setStorageFault(mode);
        done.add(node.id());
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": " + e);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodes", done);
    out.put("mode", MODES.get(m));
    return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
  }

  private Op stopDisk(Op invocation) {
    List<String> errors = new ArrayList<>();
    List<String> done = new ArrayList<>();
    for (Node node : cluster.nodes()) {
      if (!faulted.contains(node.id())) continue;
      try {
        if (node instanceof Killable && !((Killable) node).isRunning()) {
          ((Killable) node).start(); // died of its fault (a full disk): a fresh start has none
        } else {
          ((StorageFaults) node).setStorageFault(StorageFaults.Mode.NONE);
        }
        faulted.remove(node.id());
        done.add(node.id());
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": " + e);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodes", done);
    out.put("mode", "none");
    return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
  }

  private Op loseUnsynced(Op invocation) {
    List<String> errors = new ArrayList<>();
    Object writeMs = args(invocation).get("write_ms");
    long ms = writeMs instanceof Number ? ((Number) writeMs).longValue() : -1;
    if (ms < 0 || ms > WRITE_MS_MAX) return invocation.info("write_ms must be 0.." + WRITE_MS_MAX + ", got " + writeMs);
    List<Node> nodes = storageTargets(invocation, errors);
    if (nodes == null) return tornTail(invocation, true);
    List<Node> armed = new ArrayList<>();
    for (Node node : nodes) {
      if (!(node instanceof Killable)) {
        errors.add(node.id() + " is not Killable, skipped");
        continue;
      }
      try {
        ((StorageFaults) node).setStorageFault(StorageFaults.Mode.LOSE_UNSYNCED);
        armed.add(node);
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": " + e);
      }
    }
    if (!armed.isEmpty()) sleep(ms);
    for (Node node : armed) {
      try {
        ((Killable) node).kill();
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": kill: " + e);
      }
    }
    List<String> done = new ArrayList<>();
    for (Node node : armed) {
      try {
        ((Killable) node).start();
        done.add(node.id());
      } catch (IOException | RuntimeException e) {
        errors.add(node.id() + ": start after the kill failed: " + e);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodes", done);
    out.put("write_ms", ms);
    return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code fsync-stall} → {@link StorageFaults.Mode#FSYNC_STALL}. */
  static StorageFaults.Mode mode(String name) {
    return StorageFaults.Mode.valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  /**
   * A torn tail on the targets of {@code invocation}, at most {@link #damageBound} of them;
   * {@code instead} when it stands in for a storage fault the nodes cannot take.
   */
  private Op tornTail(Op invocation, boolean instead) {
    List<String> errors = new ArrayList<>();
    List<Object> damaged = new ArrayList<>();
    try {
      Object value = invocation.value();
      Map<?, ?> args = value instanceof Map && !instead ? (Map<?, ?>) value : Map.of();
      Object targets = value instanceof Map ? ((Map<?, ?>) value).get("targets") : value;
      List<Node> chosen = Targets.choose(cluster, random, targets, errors);
      int bound = damageBound(cluster.nodes().size());
      if (chosen.size() > bound) {
        errors.add("torn tails bounded to " + bound + " of " + cluster.nodes().size() + " nodes: " + Targets.ids(chosen.subList(bound, chosen.size()))
            + " spared");
        chosen = chosen.subList(0, bound);
      }
      for (Node node : chosen) {
        if (!(node instanceof Killable)) {
          errors.add(node.id() + " is not Killable, skipped");
          continue;
        }
        String mode = args.get("mode") != null ? String.valueOf(args.get("mode")) : (random.nextBoolean() ? "truncate" : "zero");
        long wanted = args.get("bytes") instanceof Number ? ((Number) args.get("bytes")).longValue()
            : random.nextLong(1, TAIL_BYTES_MAX + 1);
        if (!mode.equals("truncate") && !mode.equals("zero")) {
          errors.add("mode must be truncate or zero, got " + mode);
          continue;
        }
        Killable killable = (Killable) node;
        try {
          killable.kill();
          Optional<Path> file = segment(node);
          if (file.isEmpty()) {
            errors.add(node.id() + ": no log segment to damage");
          } else {
            damaged.add(damage(node, file.get(), mode, wanted));
          }
        } catch (IOException | RuntimeException e) {
          errors.add(node.id() + ": " + e);
        } finally {
          try {
            killable.start();
          } catch (IOException | RuntimeException e) {
            errors.add(node.id() + ": start after the damage failed: " + e);
          }
        }
      }
      Object out = damaged;
      if (instead) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instead", FUNCTION);
        m.put("damaged", damaged);
        out = m;
      }
      return invocation.complete(OpType.INFO, out, errors.isEmpty() ? null : String.join("; ", errors));
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, damaged, "nemesis failed: " + e);
    }
  }

  private static Optional<Path> segment(Node node) throws IOException {
    if (node instanceof LogSegments) return ((LogSegments) node).newestLogSegment();
    if (!Files.isDirectory(node.dataDir())) return Optional.empty();
    try (Stream<Path> files = Files.walk(node.dataDir(), SEARCH_DEPTH_MAX)) {
      List<Path> regular = files.filter(Files::isRegularFile).toList();
      Path newest = null;
      long newestMs = Long.MIN_VALUE;
      for (Path p : regular) {
        long ms = Files.getLastModifiedTime(p).toMillis();
        if (ms > newestMs) {
          newest = p;
          newestMs = ms;
        }
      }
      return Optional.ofNullable(newest);
    }
  }

  /**
   * Truncates or zeroes the last {@code wanted} bytes of what was written to {@code file}, at most
   * all of it. What was written ends at the last non-zero byte: segments preallocated and padded
   * with zeros (Ratis' are 4 MiB) would otherwise lose only padding.
   */
  static Map<String, Object> damage(Node node, Path file, String mode, long wanted) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      long dataEnd = dataEnd(channel, size);
      long bytes = Math.min(wanted, dataEnd);
      if (mode.equals("truncate")) {
        channel.truncate(dataEnd - bytes);
      } else {
        ByteBuffer zeros = ByteBuffer.allocate((int) bytes);
        long at = dataEnd - bytes;
        while (zeros.hasRemaining()) at += channel.write(zeros, at);
      }
      channel.force(true);
      out.put("node", node.id());
      Path data = node.dataDir();
      out.put("file", file.startsWith(data) ? data.relativize(file).toString() : file.toString());
      out.put("mode", mode);
      out.put("bytes", bytes);
      out.put("size_before", size);
      out.put("data_end", dataEnd);
    }
    return out;
  }

  /** One past the last non-zero byte, read backwards in blocks. */
  private static long dataEnd(FileChannel channel, long size) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(SCAN_BLOCK_BYTES);
    long end = size;
    while (end > 0) {
      long start = Math.max(0, end - SCAN_BLOCK_BYTES);
      block.clear().limit((int) (end - start));
      long at = start;
      while (block.hasRemaining()) {
        int n = channel.read(block, at);
        if (n < 0) break;
        at += n;
      }
      for (int i = block.position() - 1; i >= 0; i--) if (block.get(i) != 0) return start + i + 1;
      end = start;
    }
    return 0;
  }
}
