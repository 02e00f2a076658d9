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
  private final boolean partitionClients;
  private final NetworkBackend backend;
  private LocalNetwork network;
  private NetnsNetwork netns;
  private LayeredNetwork layered;
  private ToxiproxyNetwork toxiproxy;
  private boolean closed;

  /**
   * How node links are faulted: {@code proxy} anywhere, {@code netns} as root (see {@link NetnsNetwork}),
   * {@code toxiproxy} through a Toxiproxy server on this machine ({@link ToxiproxyNetwork}; its
   * address from {@link ToxiproxyNetwork#configuredEndpoint}).
   */
  public enum NetworkBackend { PROXY, NETNS, TOXIPROXY }

  private LocalDeployment(Path runDir, List<String> nodeIds, int[] ports, boolean partitionClients, NetworkBackend backend) {
    this.partitionClients = partitionClients;
    this.backend = backend;
    this.runDir = runDir;
    this.runId = runDir.getFileName() == null ? "run" : runDir.getFileName().toString();
    this.nodeIds = List.copyOf(nodeIds);
    this.ports = ports.clone();
  }

  /** {@link #create(Path, List, long, boolean)} with clients that reach every node directly. */
  public static LocalDeployment create(Path runDir, List<String> nodeIds, long seed) throws IOException {
    return create(runDir, nodeIds, seed, false);
  }

  /**
   * Reserves a port per node, writes each node's hosts file and starts the fault proxy of every
   * directed link ({@link #network}). Starts no node process: see {@link #launch}.
   *
   * @param partitionClients whether the harness's clients reach nodes through proxies too, so that
   *                         a nemesis can cut them off ({@link io.faultline.sut.NetworkControl#CLIENTS})
   */
  public static LocalDeployment create(Path runDir, List<String> nodeIds, long seed, boolean partitionClients)
      throws IOException {
    return create(runDir, nodeIds, seed, partitionClients, NetworkBackend.PROXY);
  }

  /**
   * As {@link #create(Path, List, long, boolean)}, on the given network backend. {@code NETNS} throws
   * an IOException saying why when it cannot run here ({@link NetnsNetwork#unavailableReason}).
   */
  public static LocalDeployment create(Path runDir, List<String> nodeIds, long seed, boolean partitionClients,
      NetworkBackend backend) throws IOException {
    if (nodeIds.isEmpty()) throw new IllegalArgumentException("nodeIds must not be empty");
    if (new LinkedHashSet<>(nodeIds).size() != nodeIds.size()) {
      throw new IllegalArgumentException("nodeIds must be distinct, got " + nodeIds);
    }
    Path absoluteRunDir = runDir.toAbsolutePath();
    int[] ports = Ports.allocate(nodeIds.size(), seed);
    LocalDeployment deployment = new LocalDeployment(absoluteRunDir, nodeIds, ports, partitionClients, backend);
    try {
      if (backend == NetworkBackend.NETNS) deployment.netns = new NetnsNetwork(nodeIds, partitionClients);
      for (String id : nodeIds) {
        Path nodeDir = deployment.nodeDir(id);
        Files.createDirectories(nodeDir);
        if (deployment.netns != null) {
          NetnsNetwork ns = deployment.netns;
          HostsFile.write(nodeDir.resolve("hosts"), id, nodeIds,
              (from, to) -> from.equals(to) ? ns.address(to) : ns.linkAddress(from, to));
        } else {
          HostsFile.write(nodeDir.resolve("hosts"), id, nodeIds);
        }
      }
      if (backend == NetworkBackend.TOXIPROXY) {
        String endpoint = ToxiproxyNetwork.configuredEndpoint();
        if (endpoint == null) {
          throw new IOException("network toxiproxy needs a Toxiproxy server: pass --toxiproxy HOST:PORT (or set "
              + ToxiproxyNetwork.ENDPOINT_PROPERTY + " / " + ToxiproxyNetwork.ENDPOINT_ENV + ")");
        }
        deployment.toxiproxy = new ToxiproxyNetwork(endpoint, deployment.runId, nodeIds, ports, partitionClients,
            LocalNetwork.loopback(nodeIds));
      } else if (deployment.netns == null) {
        deployment.network = new LocalNetwork(nodeIds, ports, seed, partitionClients);
      } else {
        NetnsNetwork ns = deployment.netns;
        LocalNetwork proxies = new LocalNetwork(nodeIds, ports, seed, false, new LocalNetwork.Addressing() {
          @Override public String listen(String from, String to) { return ns.linkAddress(from, to); }
          @Override public String target(String to) { return ns.address(to); }
          @Override public String source(String from) { return ns.sourceAddress(from); }
        });
        deployment.layered = new LayeredNetwork(ns, proxies);
      }
    } catch (IOException | RuntimeException e) {
      if (deployment.netns != null) deployment.netns.close();
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

  /** The links between nodes, and from the clients when they are partitionable. */
  public io.faultline.sut.NetworkControl network() {
    if (toxiproxy != null) return toxiproxy;
    return layered != null ? layered : network;
  }

  public NetworkBackend backend() { return backend; }

  /** The address node {@code nodeId} must bind its server sockets to: its own loopback or veth address. */
  public String nodeAddress(String nodeId) {
    return netns != null ? netns.address(nodeId) : HostsFile.nodeAddress(nodeIds, nodeId);
  }

  /** The port node {@code nodeId} listens on, at {@link #nodeAddress}. */
  public int port(String nodeId) {
    int i = nodeIds.indexOf(nodeId);
    if (i < 0) throw new IllegalArgumentException("no node " + nodeId + " in " + nodeIds);
    return ports[i];
  }

  /**
   * The host:port the harness's clients use for a node: the node itself, or the proxy of the link
   * from the clients when clients are partitionable.
   */
  public String harnessAddress(String nodeId) {
    String host = !partitionClients || netns != null ? nodeAddress(nodeId)
        : toxiproxy != null ? toxiproxy.proxyAddress(io.faultline.sut.NetworkControl.CLIENTS, nodeId)
        : network.proxyAddress(io.faultline.sut.NetworkControl.CLIENTS, nodeId);
    return host + ":" + port(nodeId);
  }

  /** The same command every later {@link NodeProcess#start} reruns; the real clock. */
  public NodeProcess launch(String nodeId, String mainClass, List<String> args, List<String> systemProperties)
      throws IOException {
    return launch(nodeId, mainClass, args, systemProperties, false);
  }

  /**
   * Starts a node; the same command every later {@link NodeProcess#start} reruns.
   *
   * @param fakeClock whether the node's wall clock runs through libfaketime ({@link FakeClock}), so
   *                  that a nemesis can skew it; an IOException names the package when missing
   */
  public NodeProcess launch(String nodeId, String mainClass, List<String> args,
      List<String> systemProperties, boolean fakeClock) throws IOException {
    return launch(nodeId, mainClass, args, systemProperties, fakeClock, NodeProcess.HEAP_MB_DEFAULT);
  }

  /** {@link #launch(String, String, List, List, boolean)} with {@code heapMb} MiB of heap for the node's JVM. */
  public synchronized NodeProcess launch(String nodeId, String mainClass, List<String> args,
      List<String> systemProperties, boolean fakeClock, long heapMb) throws IOException {
    if (closed) throw new IllegalStateException("deployment of run " + runId + " is closed");
    port(nodeId);
    if (nodes.containsKey(nodeId)) throw new IllegalStateException("node " + nodeId + " already launched");
    if (fakeClock && !FakeClock.available()) {
      throw new IOException("libfaketime is not installed (" + FakeClock.LIBRARY + "): apt-get install -y faketime");
    }
    FakeClock clock = fakeClock ? new FakeClock(nodeDir(nodeId).resolve("faketime")) : null;
    NodeProcess node = new NodeProcess(runId, nodeId, nodeDir(nodeId), mainClass, args, systemProperties, clock,
        netns != null ? netns.commandPrefix(nodeId) : List.of(), heapMb);
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
    if (network != null) network.close();
    if (toxiproxy != null) toxiproxy.close();
    if (layered != null) layered.close();
    if (netns != null) netns.close();
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
