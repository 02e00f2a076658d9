package io.faultline.ratis;

import io.faultline.local.FakeClock;
import io.faultline.local.NodeProcess;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One Ratis node as a nemesis sees it: its child JVM, killed, paused and restarted on its data; its
 * newest log segment ({@code <group>/current/log_inprogress_<first index>}, else the newest closed
 * {@code log_<first>-<last>}); and its wall clock when the cluster was started with
 * {@value RatisOptions#FAKE_CLOCK} (libfaketime). Ratis times elections and leases with the
 * monotonic clock only, so a wall-clock skew is expected to change nothing.
 */
final class RatisNode implements Node, Killable, Pausable, LogSegments, ClockControl {
  static final int SEARCH_DEPTH_MAX = 4;
  private final NodeProcess process;

  RatisNode(NodeProcess process) {
    this.process = process;
  }

  @Override public String id() { return process.id(); }
  @Override public Path dataDir() { return process.dataDir(); }
  @Override public void kill() throws IOException { process.kill(); }
  @Override public void start() throws IOException { process.start(); }
  @Override public boolean isRunning() { return process.isRunning(); }
  @Override public void pause() throws IOException { process.pause(); }
  @Override public void resume() throws IOException { process.resume(); }

  @Override
  public Optional<Path> newestLogSegment() throws IOException {
    if (!Files.isDirectory(dataDir())) return Optional.empty();
    List<Path> segments;
    try (Stream<Path> files = Files.walk(dataDir(), SEARCH_DEPTH_MAX)) {
      segments = files.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().startsWith("log_"))
          .toList();
    }
    Comparator<Path> newest = Comparator.comparingLong(RatisNode::modifiedMs);
    Optional<Path> open = segments.stream().filter(p -> p.getFileName().toString().startsWith("log_inprogress_")).max(newest);
    return open.isPresent() ? open : segments.stream().max(newest);
  }

  private static long modifiedMs(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }

  @Override
  public void setClockOffsetMs(long offsetMs) throws IOException { fakeClock().setClockOffsetMs(offsetMs); }

  @Override
  public void setClockRate(double rate) throws IOException { fakeClock().setClockRate(rate); }

  private FakeClock fakeClock() throws IOException {
    return process.clock().orElseThrow(() -> new IOException(
        "node " + id() + " runs on the real clock: start the cluster with option " + RatisOptions.FAKE_CLOCK + "=true"));
  }

  boolean isPaused() { return process.isPaused(); }

  Path logFile() { return process.logFile(); }

  @Override
  public String toString() { return "ratis " + process; }
}
