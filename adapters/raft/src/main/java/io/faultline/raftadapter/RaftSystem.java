package io.faultline.raftadapter;

import io.faultline.local.LocalDeployment;
import io.faultline.local.NodeProcess;
import io.faultline.local.Ports;
import io.faultline.raft.Bug;
import io.faultline.raft.RaftServerMain;
import io.faultline.sut.Capability;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.SystemUnderTest;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Our Raft ({@code implementations/raft}) as a system under test: each node its own JVM
 * ({@link RaftServerMain}) under the {@code local} deployment, clients over its HTTP API.
 *
 * <p>Ports: the Raft port is the deployment's port for the node (so the per-link fault proxies stand
 * between nodes); the HTTP API has a second port from the same range at the node's own address, which
 * the harness uses for status and admin, and clients too unless option {@code partition-clients} is
 * on: then clients use the deployment's harness address, the client proxy of the Raft port, where
 * the node passes HTTP connections on to its API.
 *
 * <p>Planted bugs: every {@link Bug} of the core, passed to the nodes. {@code raft.stale-read}
 * (reads served locally on any node) is caught by pauses and partitions; {@code raft.no-fsync} needs
 * lost unsynced writes (the disk nemesis), {@code raft.lease-read-unsafe} timer-rate skew (the clock
 * nemesis) and switches the nodes to lease reads; {@code raft.vote-twice} needs kills at the right moment.
 */
public final class RaftSystem implements SystemUnderTest {
  /** How long {@link #start} waits for a leader before it gives up. */
  public static final long LEADER_WAIT_MS = 30_000;
  static final int LOG_TAIL_LINES = 5;

  @Override
  public String name() { return "raft"; }

  @Override
  public Set<Capability> capabilities() { return Set.of(Capability.REGISTER, Capability.TXN_LIST_APPEND, Capability.TXN_RW_REGISTER); }

  @Override
  public Set<String> bugs() {
    Set<String> names = new LinkedHashSet<>();
    for (Bug b : Bug.values()) names.add(b.switchName());
    return names;
  }

  /** Starts the nodes and returns once one of them leads, or throws naming the node logs. */
  @Override
  public RaftCluster start(ClusterSpec spec) throws IOException {
    for (String bug : spec.bugs()) {
      if (!bugs().contains(bug)) throw new IllegalArgumentException("raft has no planted bug '" + bug + "'; it has " + bugs());
    }
    RaftOptions options = RaftOptions.from(spec.options());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < spec.nodeCount(); i++) ids.add(spec.nodeId(i));
    List<String> initialVoters = List.copyOf(ids);
    for (int i = 0; i < options.spareNodes(); i++) ids.add("n" + (spec.nodeCount() + i + 1));
    LocalDeployment deployment = LocalDeployment.create(spec.runDir(), ids, spec.seed(), options.partitionClients(),
        options.network());
    int[] httpPorts;
    try {
      httpPorts = Ports.allocate(ids.size(), spec.seed() + 1);
    } catch (IOException | RuntimeException e) {
      deployment.close();
      throw e;
    }
    RaftCluster cluster = null;
    HttpClient http = RaftCluster.httpClient();
    try {
      String peers = ids.stream().map(id -> id + ":" + deployment.port(id)).collect(Collectors.joining(","));
      List<RaftNodeProcess> nodes = new ArrayList<>();
      Map<String, String> httpAddresses = new LinkedHashMap<>();
      Map<String, String> clientAddresses = new LinkedHashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        List<String> args = new ArrayList<>(List.of(id, peers, deployment.nodeAddress(id), Integer.toString(httpPorts[i]),
            deployment.nodeDir(id).resolve("data").toString(), "--tick-ms", Long.toString(options.tickMs()),
            "--read-mode", options.readMode(), "--seed", Long.toString(spec.seed()), "--watch-stdin"));
        if (options.snapshotEntries() >= 0) args.addAll(List.of("--snapshot-entries", Long.toString(options.snapshotEntries())));
        if (options.snapshotRetain() >= 0) args.addAll(List.of("--snapshot-retain", Long.toString(options.snapshotRetain())));
        if (options.snapshotFormat() != null) args.addAll(List.of("--snapshot-format", options.snapshotFormat()));
        if (options.walSegmentBytes() >= 0) args.addAll(List.of("--wal-segment-bytes", Long.toString(options.walSegmentBytes())));
        if (options.spareNodes() > 0) args.addAll(List.of("--initial-voters", String.join(",", initialVoters)));
        for (String bug : spec.bugs()) {
          args.add("--bug");
          args.add(bug);
        }
        NodeProcess process = deployment.launch(id, RaftServerMain.class.getName(), args, List.of(), false,
            options.nodeHeapMb() > 0 ? options.nodeHeapMb() : NodeProcess.HEAP_MB_DEFAULT);
        String httpAddress = deployment.nodeAddress(id) + ":" + httpPorts[i];
        nodes.add(new RaftNodeProcess(process, http, httpAddress));
        httpAddresses.put(id, httpAddress);
        clientAddresses.put(id, options.partitionClients() ? deployment.harnessAddress(id) : httpAddress);
      }
      cluster = new RaftCluster(deployment, nodes, httpAddresses, clientAddresses, httpPorts, http);
      Optional<String> leader = cluster.awaitLeader(LEADER_WAIT_MS);
      if (leader.isEmpty()) {
        throw new IOException("no raft leader within " + LEADER_WAIT_MS + " ms; node logs: " + deployment.logFiles()
            + logTails(deployment.logFiles()));
      }
      return cluster;
    } catch (IOException | RuntimeException e) {
      try {
        if (cluster != null) {
          cluster.close();
        } else {
          deployment.close();
          Ports.release(httpPorts);
        }
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The last lines of each node log, for an error message that explains itself. */
  static String logTails(List<Path> logs) {
    StringBuilder tails = new StringBuilder();
    for (Path log : logs) {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        tails.append("\n--- ").append(log).append(" (last lines)");
        for (String line : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) tails.append("\n").append(line);
      } catch (IOException | RuntimeException e) {
        tails.append("\n--- ").append(log).append(": unreadable: ").append(e);
      }
    }
    return tails.toString();
  }
}
