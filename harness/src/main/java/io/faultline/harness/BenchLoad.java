package io.faultline.harness;

import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop write load for the snapshot benchmarks: {@code concurrency} threads, each with its own
 * client, write values drawn from the seed before the load starts, for a time or until a number of
 * value bytes were written, whichever comes first. Writes that end after a warm-up and before the
 * end count. Keys are drawn from {@link BenchRun#KEY_SPACE} (a state of fixed size, overwritten), or
 * fresh for every write (a state that grows by each value: the preload of a large state).
 */
final class BenchLoad {
  /** How long a writer may take to finish its last op after the load, beyond the clients' own deadlines. */
  static final long JOIN_MS_MAX = 30_000;
  /** A load during which no write comes back ok for this long stops: the cluster is down (a node out of memory, say). */
  static final long STALL_MS_MAX = 30_000;
  /** Fresh keys start here, above the key space of the overwriting load. */
  static final long FRESH_KEY_BASE = 1_000_000_000L;

  /** What a load did: counts within the window, the window, and the value bytes of the ok writes. */
  record Result(long ok, long fail, long info, double windowS, long okValueBytes, Double loadAvgBefore, Double loadAvgAfter,
      boolean stalled) {
    double throughput() { return windowS > 0 ? ok / windowS : 0; }
  }

  private BenchLoad() {}

  /**
   * Runs the load and returns once every writer has stopped (or {@link #JOIN_MS_MAX} after the end).
   *
   * @param valueBytesMax stop once the ok writes carried this many value bytes; 0 for no bound
   * @param freshKeys     a fresh key for every write instead of one of {@link BenchRun#KEY_SPACE}
   */
  static Result run(Cluster cluster, int concurrency, long seed, String[] values, boolean freshKeys, long warmupMs, long timeMs,
      long valueBytesMax, BenchErrors errors, Progress progress, String label) {
    Double loadBefore = loadAverage();
    AtomicLong okBytes = new AtomicLong();
    AtomicLong okAll = new AtomicLong();
    long startNs = System.nanoTime();
    long fromNs = startNs + TimeUnit.MILLISECONDS.toNanos(warmupMs);
    long toNs = fromNs + TimeUnit.MILLISECONDS.toNanos(timeMs);
    List<Writer> writers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Writer w = new Writer(cluster, t, concurrency, new SplittableRandom(seed * 1_000_003L + t), values, freshKeys, fromNs, toNs,
          valueBytesMax, okBytes, okAll, errors);
      writers.add(w);
      threads.add(w.loop.start("bench-load-" + t));
    }
    long reportEveryNs = TimeUnit.MILLISECONDS.toNanos(Progress.PLAIN_INTERVAL_MS);
    long nextReportNs = startNs + reportEveryNs;
    long lastOk = -1;
    long lastOkNs = startNs;
    boolean stalled = false;
    while (System.nanoTime() < toNs && (valueBytesMax == 0 || okBytes.get() < valueBytesMax)) {
      Runner.sleepMs(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(toNs - System.nanoTime()))));
      long now = System.nanoTime();
      if (okAll.get() != lastOk) {
        lastOk = okAll.get();
        lastOkNs = now;
      } else if (now - lastOkNs > TimeUnit.MILLISECONDS.toNanos(STALL_MS_MAX)) {
        stalled = true;
        progress.line(label + ": no write came back ok for " + STALL_MS_MAX + " ms; the load stops");
        break;
      }
      if (now >= nextReportNs) {
        nextReportNs += reportEveryNs;
        progress.line(label + ": t=" + TimeUnit.NANOSECONDS.toSeconds(now - startNs) + "s" + (now < fromNs ? " (warm-up)" : "")
            + "  ok writes so far " + okAll.get() + (valueBytesMax > 0 ? ", value bytes " + okBytes.get() + " of " + valueBytesMax : ""));
      }
    }
    long endNs = Math.min(System.nanoTime(), toNs);
    for (Writer w : writers) w.stopNs = endNs;
    long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MS_MAX);
    for (Thread th : threads) {
      try {
        th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    long ok = 0;
    long fail = 0;
    long info = 0;
    for (Writer w : writers) {
      ok += w.ok;
      fail += w.fail;
      info += w.info;
    }
    double windowS = Math.max(0, endNs - fromNs) / 1e9;
    return new Result(ok, fail, info, windowS, okBytes.get(), loadBefore, loadAverage(), stalled);
  }

  /** The machine's 1-minute load average: on 2 cores a figure taken while something else ran is worth less, and this shows it. */
  static Double loadAverage() {
    double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return l < 0 ? null : Math.round(l * 100) / 100.0;
  }

  /** One closed-loop writer ({@link ClosedLoopClient}); its counts are read after it ends. */
  private static final class Writer {
    final ClosedLoopClient loop;
    final SplittableRandom rng;
    final long fromNs;
    final long toNs;
    final AtomicLong okBytes;
    final AtomicLong okAll;
    final BenchErrors errors;
    volatile long stopNs = Long.MAX_VALUE;
    long written;
    long ok;
    long fail;
    long info;

    Writer(Cluster cluster, int thread, int stride, SplittableRandom rng, String[] values, boolean freshKeys, long fromNs, long toNs,
        long valueBytesMax, AtomicLong okBytes, AtomicLong okAll, BenchErrors errors) {
      this.rng = rng;
      this.fromNs = fromNs;
      this.toNs = toNs;
      this.okBytes = okBytes;
      this.okAll = okAll;
      this.errors = errors;
      this.loop = new ClosedLoopClient(cluster, thread, stride,
          () -> System.nanoTime() < Math.min(toNs, stopNs) && (valueBytesMax == 0 || okBytes.get() < valueBytesMax),
          process -> Op.invoke(process, "write", freshKeys ? FRESH_KEY_BASE + written * stride + thread : rng.nextLong(BenchRun.KEY_SPACE),
              values[rng.nextInt(values.length)]),
          this::completed, errors);
    }

    private void completed(Op invoked, Op done, long t0, long t1) {
      boolean counted = t1 >= fromNs && t1 < Math.min(toNs, stopNs);
      if (done != null && done.isOk()) {
        written++;
        okAll.incrementAndGet();
        okBytes.addAndGet(((String) invoked.value()).length());
        if (counted) ok++;
      } else if (counted) {
        if (done != null && done.isFail()) fail++; else info++;
        errors.note(done == null ? "no completion" : done.error());
      }
    }
  }

  /** {@code count} text values of {@code bytes} ASCII letters and digits, drawn from the seed. */
  static String[] values(SplittableRandom rng, int count, int bytes) {
    char[] alphabet = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    String[] values = new String[count];
    char[] chars = new char[bytes];
    for (int v = 0; v < count; v++) {
      for (int i = 0; i < bytes; i++) chars[i] = alphabet[rng.nextInt(alphabet.length)];
      values[v] = new String(chars);
    }
    return values;
  }
}
