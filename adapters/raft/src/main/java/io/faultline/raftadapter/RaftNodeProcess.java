package io.faultline.raftadapter;

import io.faultline.local.NodeProcess;
import io.faultline.raft.RaftNode;
import io.faultline.raft.Wal;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import io.faultline.sut.StorageFaults;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One node of our Raft as a nemesis sees it: its child JVM, killed, paused and restarted on its data;
 * its one log file; its clock and its storage's fault mode, set through the node's loopback-only admin
 * endpoints ({@code /admin/clock}, {@code /admin/storage}; a restart heals both).
 */
final class RaftNodeProcess implements Node, Killable, Pausable, LogSegments, ClockControl, StorageFaults {
  static final long ADMIN_TIMEOUT_MS = 2_000;
  private final NodeProcess process;
  private final HttpClient http;
  private final String httpAddress;

  RaftNodeProcess(NodeProcess process, HttpClient http, String httpAddress) {
    this.process = process;
    this.http = http;
    this.httpAddress = httpAddress;
  }

  @Override public String id() { return process.id(); }
  @Override public Path dataDir() { return process.dataDir(); }
  @Override public void kill() throws IOException { process.kill(); }
  @Override public void start() throws IOException { process.start(); }
  @Override public boolean isRunning() { return process.isRunning(); }
  @Override public void pause() throws IOException { process.pause(); }
  @Override public void resume() throws IOException { process.resume(); }

  /** The newest segment of the node's write-ahead log ({@link Wal#newestSegment}), else its single-file log of old. */
  @Override
  public Optional<Path> newestLogSegment() throws IOException {
    Optional<Path> segment = Wal.newestSegment(dataDir());
    if (segment.isPresent()) return segment;
    Path log = dataDir().resolve(RaftNode.LOG_FILE);
    return Files.isRegularFile(log) ? Optional.of(log) : Optional.empty();
  }

  @Override
  public void setClockOffsetMs(long offsetMs) throws IOException { admin("clock", "offset_ms=" + offsetMs); }

  @Override
  public void setClockRate(double rate) throws IOException { admin("clock", "rate=" + rate); }

  /** {@code POST /admin/storage?mode=fsync-stall} and so on: the mode's name in lower case with dashes. */
  @Override
  public void setStorageFault(Mode mode) throws IOException {
    admin("storage", "mode=" + mode.name().toLowerCase(Locale.ROOT).replace('_', '-'));
  }

  private void admin(String what, String query) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + httpAddress + "/admin/" + what + "?" + query))
        .timeout(Duration.ofMillis(ADMIN_TIMEOUT_MS)).POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while setting the " + what + " of " + id(), e);
    }
    if (response.statusCode() != 200) throw new IOException("node " + id() + " refused " + what + " " + query + ": " + response.body());
  }

  boolean isPaused() { return process.isPaused(); }

  @Override
  public String toString() { return "raft " + process; }
}
