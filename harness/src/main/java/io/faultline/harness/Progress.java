package io.faultline.harness;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What a run tells the person watching: a progress bar redrawn in place when stdout is a terminal,
 * plain periodic lines when it is not (CI logs, files).
 */
final class Progress {
  /** Plain-mode status lines come this often. */
  static final long PLAIN_INTERVAL_MS = 5_000;
  static final long TTY_INTERVAL_MS = 250;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final PrintStream out;
  private final boolean tty;
  private final boolean quiet;
  private boolean barShown;

  Progress(PrintStream out, boolean tty, boolean quiet) {
    this.out = out;
    this.tty = tty;
    this.quiet = quiet;
  }

  static Progress forStdout(boolean quiet) {
    return new Progress(System.out, System.console() != null, quiet);
  }

  synchronized void line(String text) {
    if (quiet) return;
    if (barShown) {
      out.print("\r\033[2K");
      barShown = false;
    }
    out.println(LocalTime.now().format(CLOCK) + " " + text);
    out.flush();
  }

  private synchronized void bar(String text) {
    out.print("\r\033[2K" + text);
    out.flush();
    barShown = true;
  }

  /** Starts a daemon thread that reports progress until interrupted; it also runs {@code flush} each tick. */
  Thread startTicker(LongSupplier nowNs, long timeMs, AtomicLong ok, AtomicLong fail, AtomicLong info,
      AtomicLong faults, Runnable flush) {
    Thread t = new Thread(() -> {
      long interval = tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
      long lastPlain = 0;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(tty ? TTY_INTERVAL_MS : 1000);
        } catch (InterruptedException e) {
          return;
        }
        try {
          flush.run();
        } catch (RuntimeException e) {
          line("could not flush the history: " + e.getMessage());
        }
        if (quiet) continue;
        long nowMs = nowNs.getAsLong() / 1_000_000;
        String counts = "ok " + ok.get() + "  fail " + fail.get() + "  info " + info.get() + "  faults " + faults.get();
        if (tty) {
          double frac = Math.min(1.0, (double) nowMs / timeMs);
          int width = 30;
          int filled = (int) Math.round(frac * width);
          String phase = nowMs >= timeMs ? " (after --time: heal, quiet period, final reads)" : "";
          bar("[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + (Math.min(nowMs, timeMs) / 1000) + "/" + (timeMs / 1000) + "s  " + counts + phase);
        } else if (nowMs - lastPlain >= interval) {
          lastPlain = nowMs;
          line("t=" + (nowMs / 1000) + "s/" + (timeMs / 1000) + "s  " + counts);
        }
      }
    }, "progress");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
