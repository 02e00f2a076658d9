package io.faultline.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one PostgreSQL server of a run: a postmaster that zonky's {@link EmbeddedPostgres} starts
 * through {@code pg_ctl} (under {@code unshare -U} when we are root), with its data directory and log
 * under the run directory and a fixed port, so that a restart after a kill finds both again.
 *
 * <p>Durability: zonky runs postgres with fsync off ({@code -F}), which only a machine crash can
 * punish, and {@code synchronous_commit=off}, which a process kill does punish (commits still in the
 * WAL buffers are lost); we turn synchronous commit back on, so an acknowledged commit survives a
 * kill and a lost write found after one is a finding, not an artefact of the set-up.
 *
 * <p>Kill: SIGKILL to the postmaster named in {@code postmaster.pid} and to every backend it forked
 * (orphaned backends would keep the shared memory segment attached and stop the restart), then
 * zonky's handle is closed to release its lock on the data directory. Its {@code pg_ctl stop} then
 * finds no server and logs an error, which is expected.
 */
final class PostgresNode implements PostgresServer {
  /** How long zonky waits for the postmaster to accept connections. */
  static final long STARTUP_WAIT_MS = 60_000;
  /**
   * How long a backend waits on a lock before it looks for a deadlock (PostgreSQL's default is 1 s).
   * Elle's few-keys workloads deadlock often at every level; with the default each deadlock stalls
   * its victims a second: 400 list-append txns from 10 threads on 3 keys ran at 17 txn/s at
   * read-committed on 2 cores with 1 s, at 178 txn/s with 100 ms.
   */
  static final long DEADLOCK_TIMEOUT_MS = 100;
  /** How long a stop or kill waits for the postgres processes to be gone before it SIGKILLs them. */
  static final long EXIT_WAIT_MS = 10_000;

  private final String id;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private EmbeddedPostgres server;

  PostgresNode(String id, Path dataDir, Path logFile, int port) {
    this.id = id;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.port = port;
  }

  @Override
  public String id() { return id; }

  @Override
  public Path dataDir() { return dataDir; }

  @Override
  public Path logFile() { return logFile; }

  @Override
  public String host() { return "127.0.0.1"; }

  @Override
  public int port() { return port; }

  @Override
  public synchronized boolean isRunning() {
    return server != null && postmasterPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Starts the postmaster (initdb first when the data directory is empty); a no-op when it runs. */
  @Override
  public synchronized void start() throws IOException {
    if (server != null) return;
    Files.createDirectories(dataDir);
    Redirect log = Redirect.appendTo(logFile.toFile());
    server = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setOutputRedirector(log)
        .setErrorRedirector(log)
        .setPGStartupWait(Duration.ofMillis(STARTUP_WAIT_MS))
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("deadlock_timeout", DEADLOCK_TIMEOUT_MS + "ms")
        .start();
  }

  /** SIGKILL, no shutdown: the postmaster and its backends die at once. */
  @Override
  public synchronized void kill() throws IOException {
    if (server == null) return;
    killAll(processes(postmasterPid()));
    closeHandle();
  }

  /** A clean, fast shutdown; the processes are SIGKILLed if they outlive {@link #EXIT_WAIT_MS}. */
  @Override
  public synchronized void stop() throws IOException {
    if (server == null) return;
    List<ProcessHandle> processes = processes(postmasterPid());
    closeHandle();
    if (!awaitExit(processes)) killAll(processes);
  }

  private void closeHandle() throws IOException {
    EmbeddedPostgres s = server;
    server = null;
    s.close();
  }

  private static void killAll(List<ProcessHandle> processes) throws IOException {
    for (ProcessHandle p : processes) p.destroyForcibly();
    if (!awaitExit(processes)) {
      throw new IOException("postgres processes still alive " + EXIT_WAIT_MS + " ms after SIGKILL: " + processes);
    }
  }

  /** The postmaster first, then its backends. */
  private static List<ProcessHandle> processes(Optional<Long> pid) {
    List<ProcessHandle> out = new ArrayList<>();
    Optional<ProcessHandle> postmaster = pid.flatMap(ProcessHandle::of);
    if (postmaster.isPresent()) {
      out.add(postmaster.get());
      postmaster.get().descendants().forEach(out::add);
    }
    return out;
  }

  private static boolean awaitExit(List<ProcessHandle> processes) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_WAIT_MS);
    for (ProcessHandle p : processes) {
      long leftNs = deadline - System.nanoTime();
      try {
        if (leftNs <= 0) return !p.isAlive();
        p.onExit().get(leftNs, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException | TimeoutException e) {
        return false;
      }
    }
    return true;
  }

  /** The postmaster's pid from the first line of {@code postmaster.pid}, if the file is there. */
  Optional<Long> postmasterPid() {
    Path pidFile = dataDir.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() { return id + "@127.0.0.1:" + port + " (" + dataDir + ")"; }
}
