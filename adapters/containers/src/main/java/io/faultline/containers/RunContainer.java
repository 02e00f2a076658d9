package io.faultline.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One server of a run in a container: started by Testcontainers, labelled with the run ({@link
 * ContainerSweeper#labels}), crashed and started again through the Docker client, removed with its
 * volumes on {@link #close}.
 *
 * <p>Kill is {@code docker kill} (SIGKILL to the container's first process; the kernel then kills
 * the rest of it). Start after a kill is {@code docker start} of the same container, so its
 * filesystem, and the data in it, is kept. The host port Docker maps for a container can change when
 * it starts again, so {@link #port} is read again after each start; ask it for every new connection.
 * A started container is ready when its own wait strategy says so; a restarted one when the mapped
 * port is known, which is not when the server answers: the caller checks that with its protocol.
 */
public final class RunContainer implements AutoCloseable {
  /** Bound on a restart until Docker reports the container running with its port mapped, and on a kill until it is stopped. */
  static final long RESTART_WAIT_MS = 30_000;
  static final long POLL_MS = 100;
  public static final int POSTGRES_PORT = 5432;

  private final GenericContainer<?> container;
  private final int exposedPort;
  private final String describe;
  private volatile int hostPort;
  private boolean closed;

  private RunContainer(GenericContainer<?> container, int exposedPort, String describe) {
    this.container = container;
    this.exposedPort = exposedPort;
    this.describe = describe;
  }

  /**
   * A PostgreSQL server from {@code image} for {@code node} of {@code run}: user {@code postgres},
   * database {@code postgres}, trust authentication (the container is reachable only through its
   * mapped port), started as {@code postgres -c KEY=VALUE ...} with {@code settings}. Removes the
   * containers of dead harnesses first. An IOException says why when no Docker engine answers.
   */
  public static RunContainer postgres(String image, String run, String node, Map<String, String> settings) throws IOException {
    List<String> command = new ArrayList<>(List.of("postgres"));
    for (Map.Entry<String, String> s : settings.entrySet()) {
      command.add("-c");
      command.add(s.getKey() + "=" + s.getValue());
    }
    return start(image, run, node, POSTGRES_PORT, c -> c
        .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
        .withCommand(command.toArray(new String[0]))
        // The image's entrypoint runs a temporary server for initdb first: ready is the second "ready".
        .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\s", 2)));
  }

  @FunctionalInterface
  interface Definition {
    void define(GenericContainer<?> c);
  }

  static RunContainer start(String image, String run, String node, int exposedPort, Definition definition) throws IOException {
    var reason = DockerEngine.unavailableReason();
    if (reason.isPresent()) throw new IOException("the containers deployment needs a Docker engine: " + reason.get());
    for (String swept : ContainerSweeper.sweep()) System.err.println("faultline: removed a container of an earlier run: " + swept);
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image));
    c.withExposedPorts(exposedPort).withLabels(ContainerSweeper.labels(run, node)).withStartupTimeout(PeerContainers.START_TIMEOUT);
    definition.define(c);
    RunContainer out = new RunContainer(c, exposedPort, node + " (" + image + ")");
    try {
      c.start();
      out.hostPort = c.getMappedPort(exposedPort);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw new IOException("starting " + out.describe + " in a container: " + e.getMessage(), e);
    }
  }

  /** Where the mapped port listens. */
  public String host() { return container.getHost(); }

  /** The host port mapped to the server's port since the last start. */
  public int port() { return hostPort; }

  /**
   * SIGKILL to the container ({@code docker kill}), then waits, at most {@value #RESTART_WAIT_MS} ms,
   * until Docker reports it stopped; a no-op when it is not running.
   */
  public synchronized void kill() throws IOException {
    if (closed || !isRunning()) return;
    try {
      docker().killContainerCmd(id()).exec();
    } catch (DockerException e) {
      if (isRunning()) throw new IOException("docker kill " + describe + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESTART_WAIT_MS);
    while (isRunning()) {
      if (System.nanoTime() - deadline > 0) throw new IOException(describe + " still running " + RESTART_WAIT_MS + " ms after docker kill");
      sleep(POLL_MS / 10);
    }
  }

  /**
   * Starts the container again ({@code docker start}) and waits, at most {@value #RESTART_WAIT_MS} ms,
   * until Docker reports it running with its port mapped; a no-op when it runs.
   */
  public synchronized void start() throws IOException {
    if (closed) throw new IOException(describe + ": the container was removed");
    if (isRunning()) return;
    try {
      docker().startContainerCmd(id()).exec();
    } catch (DockerException e) {
      throw new IOException("docker start " + describe + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESTART_WAIT_MS);
    while (true) {
      Integer mapped = mappedPort(inspect());
      if (mapped != null) {
        hostPort = mapped;
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(describe + " not running with port " + exposedPort + " mapped " + RESTART_WAIT_MS + " ms after docker start");
      }
      sleep(POLL_MS);
    }
  }

  /** Whether Docker reports the container running (a paused container counts as running). */
  public boolean isRunning() {
    if (closed) return false;
    try {
      InspectContainerResponse.ContainerState state = inspect().getState();
      return state != null && Boolean.TRUE.equals(state.getRunning());
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** What the server wrote to stdout and stderr over every start, or why it cannot be had. */
  public String logs() {
    try {
      return container.getLogs();
    } catch (RuntimeException e) {
      return "(no logs of " + describe + ": " + e.getMessage() + ")\n";
    }
  }

  /** Stops and removes the container with its volumes. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    String id = container.getContainerId();
    try {
      container.stop();
    } catch (RuntimeException e) {
      System.err.println("faultline: stopping " + describe + ": " + e.getMessage());
    }
    if (id == null) return;
    try {
      docker().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException gone) {
      // Testcontainers removed it.
    } catch (RuntimeException e) {
      System.err.println("faultline: removing container " + id + " of " + describe + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() { return describe; }

  private InspectContainerResponse inspect() {
    return docker().inspectContainerCmd(id()).exec();
  }

  /** The host port of the exposed one, or null while the container is not running or not mapped yet. */
  private Integer mappedPort(InspectContainerResponse info) {
    if (info.getState() == null || !Boolean.TRUE.equals(info.getState().getRunning())) return null;
    if (info.getNetworkSettings() == null || info.getNetworkSettings().getPorts() == null) return null;
    Map<ExposedPort, Ports.Binding[]> bindings = info.getNetworkSettings().getPorts().getBindings();
    Ports.Binding[] b = bindings == null ? null : bindings.get(ExposedPort.tcp(exposedPort));
    if (b == null) return null;
    for (Ports.Binding binding : b) {
      String spec = binding.getHostPortSpec();
      if (spec != null && spec.matches("[0-9]+")) return Integer.parseInt(spec);
    }
    return null;
  }

  private String id() {
    String id = container.getContainerId();
    if (id == null) throw new IllegalStateException(describe + " was never started");
    return id;
  }

  private DockerClient docker() { return container.getDockerClient(); }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
