package io.faultline.local;

import io.faultline.sut.ClockControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/**
 * The clock of a node JVM we do not own the code of, skewed through libfaketime (Debian package
 * {@code faketime}): the library is preloaded into the node and reads its fake time from a file of
 * the node's directory ({@code FAKETIME_TIMESTAMP_FILE}), at most every {@link #CACHE_DURATION_S} s
 * ({@code FAKETIME_CACHE_DURATION}; {@code FAKETIME_NO_CACHE} makes a JVM crawl).
 *
 * <p>libfaketime shifts the monotonic clock with the wall clock: with
 * {@code FAKETIME_DONT_FAKE_MONOTONIC=1} a 3-node Ratis cluster elected no leader in 30 s here
 * (sleeps overshoot, references/infra-on-these-machines.md), so it is left out. An offset is then
 * a jump of {@code System.nanoTime()} too: forward, timers fire early; backward, they fire late.
 * Ratis times only with the monotonic clock and never compares wall clocks across nodes, so a
 * wall-clock skew as such cannot change its behaviour; what a jump can do is an early election.
 */
public final class FakeClock implements ClockControl {
  /** Where Debian installs the library. */
  public static final Path LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
  public static final int CACHE_DURATION_S = 1;

  private final Path file;
  private long offsetMs;
  private double rate = 1.0;

  FakeClock(Path file) throws IOException {
    this.file = file;
    write();
  }

  /** Whether libfaketime is installed here; {@code apt-get install -y faketime} when not. */
  public static boolean available() { return Files.isReadable(LIBRARY); }

  /** The environment of a node process whose clock this is. */
  Map<String, String> environment() {
    return Map.of(
        "LD_PRELOAD", LIBRARY.toString(),
        "FAKETIME_TIMESTAMP_FILE", file.toAbsolutePath().toString(),
        "FAKETIME_CACHE_DURATION", Integer.toString(CACHE_DURATION_S));
  }

  @Override
  public synchronized void setClockOffsetMs(long newOffsetMs) throws IOException {
    offsetMs = newOffsetMs;
    write();
  }

  /** Makes the wall clock run {@code newRate} times as fast as the real one (1.0 heals). */
  @Override
  public synchronized void setClockRate(double newRate) throws IOException {
    if (!(newRate > 0) || newRate > 1_000) throw new IllegalArgumentException("rate must be in (0, 1000], got " + newRate);
    rate = newRate;
    write();
  }

  /** libfaketime's relative form: {@code +1.500 x2.0} (offset in seconds, then rate). */
  static String spec(long offsetMs, double rate) {
    String offset = String.format(Locale.ROOT, "%+.3f", offsetMs / 1000.0);
    return rate == 1.0 ? offset : offset + String.format(Locale.ROOT, " x%s", rate);
  }

  private void write() throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, spec(offsetMs, rate) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
