package io.faultline.raftadapter;

import io.faultline.local.NodeProcess;
import io.faultline.raft.RaftNode;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One node of our Raft as a nemesis sees it: its child JVM, killed, paused and restarted on its data;
 * its one log file; its clock, skewed through the node's admin endpoint (a restart heals it).
 */
final class RaftNodeProcess implements Node, Killable, Pausable, LogSegments, ClockControl {
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

  @Override
  public Optional<Path> newestLogSegment() {
    Path log = dataDir().resolve(RaftNode.LOG_FILE);
    return Files.isRegularFile(log) ? Optional.of(log) : Optional.empty();
  }

  @Override
  public void setClockOffsetMs(long offsetMs) throws IOException { admin("offset_ms=" + offsetMs); }

  @Override
  public void setClockRate(double rate) throws IOException { admin("rate=" + rate); }

  private void admin(String query) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + httpAddress + "/admin/clock?" + query))
        .timeout(Duration.ofMillis(ADMIN_TIMEOUT_MS)).POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while setting the clock of " + id(), e);
    }
    if (response.statusCode() != 200) throw new IOException("node " + id() + " refused clock " + query + ": " + response.body());
  }

  boolean isPaused() { return process.isPaused(); }

  @Override
  public String toString() { return "raft " + process; }
}
