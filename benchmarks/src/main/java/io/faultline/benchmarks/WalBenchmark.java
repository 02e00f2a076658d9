package io.faultline.benchmarks;

import io.faultline.raft.Entry;
import io.faultline.raft.Wal;
import io.faultline.raft.WalConfig;
import io.faultline.runtime.EventLoop;
import io.faultline.runtime.FileStorage;
import io.faultline.runtime.RealClock;
import io.faultline.runtime.RealTimers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Durable appends to our Raft's write-ahead log ({@link Wal}) on a real {@link FileStorage} in a
 * fresh temporary directory (java.io.tmpdir), segments of {@value #SEGMENT_BYTES} bytes (16 MiB, as when
 * the README's figures were measured; a node's default is now 2 MiB), preallocated 1 MiB at a time, so
 * rotations are measured too. One op appends one batch of {@code batch} entries of
 * {@value #PAYLOAD_BYTES}-byte payloads on the storage's event loop and waits until the WAL says the
 * batch is durable: under {@code safe}, one write and one fsync (group commit); under
 * {@code every-write}, one write and one fsync per record, each waited for. The score is batches per
 * second; entries per second is that times {@code batch}.
 *
 * <p>The batch is built once, in setup: the same entries are appended again and again (the WAL does not
 * check indexes on append), so the measured loop allocates only the encoded records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WalBenchmark {
  static final int PAYLOAD_BYTES = 100;
  static final int SEGMENT_BYTES = 16 << 20;
  /** Bound on waiting for one batch to be durable; exceeding it means the disk or the log is stuck. */
  static final long DURABLE_WAIT_MS = 30_000;

  @Param({"safe", "every-write"})
  String policy;

  @Param({"1", "16", "128"})
  int batch;

  private Path dir;
  private EventLoop loop;
  private FileStorage storage;
  private Wal wal;
  private List<Entry> entries;

  @Setup(Level.Iteration)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("wal-bench");
    loop = new EventLoop("wal-bench");
    storage = new FileStorage(dir, loop);
    WalConfig cfg = WalConfig.DEFAULT.withSync(WalConfig.SyncPolicy.fromFlag(policy)).withSegmentBytes(SEGMENT_BYTES);
    CountDownLatch opened = new CountDownLatch(1);
    loop.execute(() -> {
      wal = Wal.open(storage, new RealTimers(loop, new RealClock()), cfg, System.err::println);
      opened.countDown();
    });
    if (!opened.await(DURABLE_WAIT_MS, TimeUnit.MILLISECONDS)) throw new IllegalStateException("WAL did not open");
    byte[] payload = new byte[PAYLOAD_BYTES];
    for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
    entries = new ArrayList<>();
    for (int i = 1; i <= batch; i++) entries.add(new Entry(1, i, payload));
  }

  @Benchmark
  public long appendDurably() throws InterruptedException {
    CountDownLatch durable = new CountDownLatch(1);
    loop.execute(() -> wal.append(entries, -1, true, durable::countDown));
    if (!durable.await(DURABLE_WAIT_MS, TimeUnit.MILLISECONDS)) throw new IllegalStateException("batch not durable in " + DURABLE_WAIT_MS + " ms");
    return wal.bytes();
  }

  @TearDown(Level.Iteration)
  public void tearDown() throws IOException {
    storage.close();
    loop.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
