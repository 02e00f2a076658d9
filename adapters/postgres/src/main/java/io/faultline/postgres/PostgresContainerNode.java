package io.faultline.postgres;

import io.faultline.containers.RunContainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one PostgreSQL server of a run under {@code deploy=containers}: a container of the configured
 * image ({@link RunContainer#postgres}), labelled with the run so that a later run removes it if this
 * harness dies without closing it.
 *
 * <p>Settings as {@link PostgresNode}'s: fsync off (a container kill leaves the host's page cache
 * intact, so only a machine crash could punish it), synchronous commit on, so that an acknowledged
 * commit survives a kill, and the short deadlock timeout.
 *
 * <p>Kill is {@code docker kill}: the postmaster is the container's first process, and its backends
 * die with the container. Start is {@code docker start} of the same container, whose data is still
 * in it; it is ready when a login and a query succeed at the port Docker maps this time, at most
 * {@value PostgresNode#STARTUP_WAIT_MS} ms after the start. The data never leaves the container, so
 * {@link #dataDir} names a host directory that holds none (file-level storage faults find nothing);
 * the server's output goes to {@code node.log} when the cluster closes, before the container is removed.
 */
final class PostgresContainerNode implements PostgresServer {
  static final long PROBE_INTERVAL_MS = 200;

  private final String id;
  private final Path nodeDir;
  private final RunContainer container;
  private boolean stopped;

  private PostgresContainerNode(String id, Path nodeDir, RunContainer container) {
    this.id = id;
    this.nodeDir = nodeDir;
    this.container = container;
  }

  /** Starts the container of {@code image} for node {@code id} of the run in {@code runDir}. */
  static PostgresContainerNode start(String id, Path runDir, Path nodeDir, String image) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("fsync", "off");
    settings.put("synchronous_commit", "on");
    settings.put("deadlock_timeout", PostgresNode.DEADLOCK_TIMEOUT_MS + "ms");
    RunContainer c = RunContainer.postgres(image, runDir.toAbsolutePath().normalize().toString(), id, settings);
    return new PostgresContainerNode(id, nodeDir, c);
  }

  @Override
  public String id() { return id; }

  @Override
  public Path dataDir() { return nodeDir.resolve("data-in-container"); }

  @Override
  public Path logFile() { return nodeDir.resolve("node.log"); }

  @Override
  public String host() { return container.host(); }

  @Override
  public int port() { return container.port(); }

  @Override
  public boolean isRunning() { return container.isRunning(); }

  /** {@code docker kill}: the postmaster and its backends die at once. */
  @Override
  public synchronized void kill() throws IOException { container.kill(); }

  /** {@code docker start}, then waits until the server answers; a no-op when it runs. */
  @Override
  public synchronized void start() throws IOException {
    if (container.isRunning()) return;
    container.start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PostgresNode.STARTUP_WAIT_MS);
    while (!PostgresCluster.answers(host(), port())) {
      if (System.nanoTime() - deadline > 0) {
        throw new IOException("postgres in " + container + " did not answer " + PostgresNode.STARTUP_WAIT_MS + " ms after docker start");
      }
      try {
        Thread.sleep(PROBE_INTERVAL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + container, e);
      }
    }
  }

  /** Saves the server's output to {@code node.log}, then removes the container. */
  @Override
  public synchronized void stop() throws IOException {
    if (stopped) return;
    stopped = true;
    try {
      Files.createDirectories(nodeDir);
      Files.writeString(logFile(), container.logs(), StandardCharsets.UTF_8);
    } finally {
      container.close();
    }
  }

  @Override
  public String toString() { return id + "@" + host() + ":" + port() + " (" + container + ")"; }
}
