package io.faultline.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code local} deployment of one cluster: its nodes as child JVMs on loopback, their ports,
 * hosts files, logs and pids under {@code <runDir>/nodes/<id>/}.
 *
 * <p>No orphans: each node halts when the harness's end of its stdin closes ({@link ParentWatch});
 * {@link #close} stops every node (SIGCONT, SIGTERM, SIGKILL after a bound); a JVM shutdown hook
 * closes every deployment still open, for Ctrl-C; and {@link Sweeper} cleans up after a harness
 * that was killed outright while some node was stopped.
 */
public final class LocalDeployment implements AutoCloseable {
  private static final Set<LocalDeployment> OPEN = Collections.synchronizedSet(new LinkedHashSet<>());
  private static boolean hookInstalled;

  private final Path runDir;
  private final String runId;
  private final List<String> nodeIds;
  private final int[] ports;
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private boolean closed;

  private LocalDeployment(Path runDir, List<String> nodeIds, int[] ports) {
    this.runDir = runDir;
    this.runId = runDir.getFileName() == null ? "run" : runDir.getFileName().toString();
    this.nodeIds = List.copyOf(nodeIds);
    this.ports = ports.clone();
  }

  /**
   * Reserves a port per node and writes each node's hosts file. Starts no process: see
   * {@link #launch}.
   */
  public static LocalDeployment create(Path runDir, List<String> nodeIds, long seed) throws IOException {
    if (nodeIds.isEmpty()) throw new IllegalArgumentException("nodeIds must not be empty");
    if (new LinkedHashSet<>(nodeIds).size() != nodeIds.size()) {
      throw new IllegalArgumentException("nodeIds must be distinct, got " + nodeIds);
    }
    Path absoluteRunDir = runDir.toAbsolutePath();
    int[] ports = Ports.allocate(nodeIds.size(), seed);
    LocalDeployment deployment = new LocalDeployment(absoluteRunDir, nodeIds, ports);
    try {
      for (String id : nodeIds) {
        Path nodeDir = deployment.nodeDir(id);
        Files.createDirectories(nodeDir);
        HostsFile.write(nodeDir.resolve("hosts"), id, nodeIds);
      }
    } catch (IOException e) {
      Ports.release(ports);
      throw e;
    }
    register(deployment);
    return deployment;
  }

  public Path runDir() { return runDir; }
  public String runId() { return runId; }
  public List<String> nodeIds() { return nodeIds; }
  public Path nodeDir(String nodeId) { return runDir.resolve("nodes").resolve(nodeId); }

  /** The port node {@code nodeId} listens on; the harness reaches it at 127.0.0.1:port. */
  public int port(String nodeId) {
    int i = nodeIds.indexOf(nodeId);
    if (i < 0) throw new IllegalArgumentException("no node " + nodeId + " in " + nodeIds);
    return ports[i];
  }

  /** The address the harness uses for a node's port. */
  public String harnessAddress(String nodeId) { return HostsFile.LOOPBACK + ":" + port(nodeId); }

  /** The same command every later {@link NodeProcess#start} reruns. */
  public synchronized NodeProcess launch(String nodeId, String mainClass, List<String> args,
      List<String> systemProperties) throws IOException {
    if (closed) throw new IllegalStateException("deployment of run " + runId + " is closed");
    port(nodeId);
    if (nodes.containsKey(nodeId)) throw new IllegalStateException("node " + nodeId + " already launched");
    NodeProcess node = new NodeProcess(runId, nodeId, nodeDir(nodeId), mainClass, args, systemProperties);
    nodes.put(nodeId, node);
    node.start();
    return node;
  }

  public synchronized NodeProcess node(String nodeId) {
    NodeProcess node = nodes.get(nodeId);
    if (node == null) throw new IllegalArgumentException("node " + nodeId + " was never launched");
    return node;
  }

  /** Log files of all launched nodes, for error messages. */
  public synchronized List<Path> logFiles() {
    List<Path> logs = new ArrayList<>();
    for (NodeProcess node : nodes.values()) logs.add(node.logFile());
    return logs;
  }

  /**
   * Stops every node: all get SIGCONT and SIGTERM first, then each gets up to
   * {@link NodeProcess#STOP_WAIT_MS} to exit before SIGKILL. Idempotent.
   */
  @Override
  public void close() throws IOException {
    List<NodeProcess> toStop;
    synchronized (this) {
      if (closed) return;
      closed = true;
      toStop = new ArrayList<>(nodes.values());
    }
    IOException failure = null;
    for (NodeProcess node : toStop) node.terminate();
    for (NodeProcess node : toStop) {
      try {
        node.stop();
      } catch (IOException e) {
        if (failure == null) failure = e; else failure.addSuppressed(e);
      }
    }
    OPEN.remove(this);
    Ports.release(ports);
    if (failure != null) throw failure;
  }

  /** Whether a pid file belongs to a deployment that this JVM has open: the sweeper leaves those. */
  static boolean ownsPidFile(Path pidFile) {
    Path absolute = pidFile.toAbsolutePath().normalize();
    synchronized (OPEN) {
      for (LocalDeployment deployment : OPEN) {
        if (absolute.startsWith(deployment.runDir.normalize())) return true;
      }
    }
    return false;
  }

  private static void register(LocalDeployment deployment) {
    synchronized (OPEN) {
      OPEN.add(deployment);
      if (!hookInstalled) {
        Runtime.getRuntime().addShutdownHook(new Thread(LocalDeployment::closeAllOpen, "faultline-teardown"));
        hookInstalled = true;
      }
    }
  }

  private static void closeAllOpen() {
    List<LocalDeployment> open;
    synchronized (OPEN) {
      open = new ArrayList<>(OPEN);
    }
    for (LocalDeployment deployment : open) {
      try {
        deployment.close();
      } catch (IOException | RuntimeException e) {
        System.err.println("faultline: teardown of run " + deployment.runId + " at shutdown: " + e);
      }
    }
  }
}
