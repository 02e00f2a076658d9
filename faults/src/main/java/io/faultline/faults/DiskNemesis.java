package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A torn write, done from outside: kills a {@link Killable} node, damages the tail of the newest
 * segment of its log while it is down, and starts it again. A correct system truncates a torn tail
 * at start-up; one that acknowledged the torn entries as durable loses them, and the check sees it.
 * Mid-file corruption that needs a repair tool is another nemesis's.
 *
 * <p>Op {@code torn-tail}: value a target spec or list of ids ({@link Targets}), or a map
 * {@code {"targets": T, "mode": "truncate"|"zero", "bytes": b}}; a mode or size left out is drawn
 * from the seed (1..{@link #TAIL_BYTES_MAX} bytes, never more than the file). The file is the one
 * the node names ({@link LogSegments}), else the newest regular file below its data directory.
 * Completion {@code info}, value one map per node: {@code {"node", "file" (relative to the data
 * directory), "mode", "bytes", "size_before", "data_end"}} (the tail is that of the written data,
 * before any zero padding); a node with nothing to damage is still restarted.
 */
public final class DiskNemesis implements Nemesis {
  public static final String FUNCTION = "torn-tail";
  public static final long TAIL_BYTES_MAX = 4_096;
  static final int SEARCH_DEPTH_MAX = 8;
  static final int SCAN_BLOCK_BYTES = 64 * 1024;

  private final Cluster cluster;
  private final SplittableRandom random;

  public DiskNemesis(Cluster cluster, long seed) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Set<String> functions() { return Set.of(FUNCTION); }

  @Override
  public List<Op> healOps() { return List.of(); }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    if (!invocation.f().equals(FUNCTION)) return invocation.info("unknown f '" + invocation.f() + "'; expected " + FUNCTION);
    List<String> errors = new ArrayList<>();
    List<Object> damaged = new ArrayList<>();
    try {
      Object value = invocation.value();
      Map<?, ?> args = value instanceof Map ? (Map<?, ?>) value : Map.of();
      Object targets = value instanceof Map ? args.get("targets") : value;
      for (Node node : Targets.choose(cluster, random, targets, errors)) {
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
      return invocation.complete(OpType.INFO, damaged, errors.isEmpty() ? null : String.join("; ", errors));
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
