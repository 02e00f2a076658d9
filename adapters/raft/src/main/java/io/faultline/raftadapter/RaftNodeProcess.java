package io.faultline.raftadapter;

import io.faultline.local.NodeProcess;
import io.faultline.raft.RaftNode;
import io.faultline.raft.RaftRepair;
import io.faultline.raft.Wal;
import io.faultline.sut.ClockControl;
import io.faultline.sut.Killable;
import io.faultline.sut.LogSegments;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import io.faultline.sut.Repairable;
import io.faultline.sut.StorageFaults;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One node of our Raft as a nemesis sees it: its child JVM, killed, paused and restarted on its data;
 * its one log file; its clock and its storage's fault mode, set through the node's loopback-only admin
 * endpoints ({@code /admin/clock}, {@code /admin/storage}; a restart heals both); its data directory
 * inspected and repaired while it is down ({@link RaftRepair}, in this JVM, as {@code faultline raft
 * repair} would).
 */
final class RaftNodeProcess implements Node, Killable, Pausable, LogSegments, ClockControl, StorageFaults, Repairable {
  static final long ADMIN_TIMEOUT_MS = 2_000;
  /** Bound on one {@link #state()} request. */
  static final long STATE_TIMEOUT_MS = 1_000;
  /** What a node that refuses to start prints ({@code RaftServerMain}). */
  static final String REFUSAL = "refuses to start";
  /** What {@code NodeProcess} writes to the node's log before each start. */
  static final String START_LINE = "---- faultline: starting ";
  /** Bound on the node log read for a refusal: its last bytes. */
  static final int LOG_TAIL_BYTES_MAX = 1 << 20;
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

  /** The segments of the node's WAL that hold records, as {@link RaftRepair#inspect} sees them. */
  @Override
  public List<LogRecords> logRecords() throws IOException {
    List<LogRecords> out = new ArrayList<>();
    if (!Files.isDirectory(dataDir())) return out;
    RaftRepair.Inspection ins;
    try {
      ins = RaftRepair.inspect(dataDir());
    } catch (IllegalArgumentException e) {
      return out; // a node that has written nothing yet
    }
    for (RaftRepair.FileReport f : ins.files()) {
      if (f.kind().equals("wal-segment") && f.recordsEnd() > f.recordsStart()) {
        out.add(new LogRecords(dataDir().resolve(f.file()), f.recordsStart(), f.recordsEnd()));
      }
    }
    return out;
  }

  /** The node's refusal line after the last start in its log, if that start was refused. */
  @Override
  public Optional<String> refusal() throws IOException {
    Path log = process.logFile();
    if (!Files.isRegularFile(log)) return Optional.empty();
    String text;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log)) {
      long from = Math.max(0, ch.size() - LOG_TAIL_BYTES_MAX);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) (ch.size() - from));
      while (b.hasRemaining() && ch.read(b, from + b.position()) > 0) { }
      text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }
    int start = text.lastIndexOf(START_LINE);
    for (String line : text.substring(Math.max(0, start)).split("\n")) {
      if (line.contains(REFUSAL)) return Optional.of(line.strip());
    }
    return Optional.empty();
  }

  @Override
  public Repair repair(boolean rebuild) throws IOException {
    if (process.isRunning()) throw new IOException("node " + id() + " is running: a repair needs it stopped");
    RaftRepair.Result r = RaftRepair.repair(dataDir(), rebuild);
    RaftRepair.Damage damage = r.inspection().damage();
    List<String> actions = new ArrayList<>(r.actions());
    if (r.outcome() == RaftRepair.Outcome.HEALTHY && r.inspection().rebuilding() != null) actions.add("a rebuild is under way already");
    return new Repair(r.outcome().name().toLowerCase(Locale.ROOT), damage == null ? null : damage.toString(), actions,
        RaftRepair.command(dataDir(), rebuild));
  }

  /** Down, starting, or answering {@code /api/v1/cluster/status} — still rebuilding while its marker is there. */
  @Override
  public State state() {
    if (!process.isRunning()) return State.DOWN;
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + httpAddress + "/api/v1/cluster/status"))
        .timeout(Duration.ofMillis(STATE_TIMEOUT_MS)).GET().build();
    try {
      if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) return State.STARTING;
    } catch (IOException e) {
      return State.STARTING;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return State.STARTING;
    }
    return RaftRepair.rebuilding(dataDir()) ? State.CATCHING_UP : State.SERVING;
  }

  boolean isPaused() { return process.isPaused(); }

  @Override
  public String toString() { return "raft " + process; }
}
