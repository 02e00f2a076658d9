package io.faultline.ratis;

import io.faultline.local.LocalDeployment;
import io.faultline.local.NodeProcess;
import io.faultline.sut.Capability;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.SystemUnderTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Apache Ratis as a system under test: a replicated key-value register ({@link KvStateMachine}) on
 * gRPC, each node its own JVM ({@link RatisNodeMain}) under the {@code local} deployment.
 *
 * <p>Planted bug {@value #BUG_STALE_READ}: reads skip the linearizable path and take Ratis' stale
 * read at the client's node, which a paused or partitioned follower answers from its old state.
 *
 * <p>Planted bug {@value #BUG_BLIND_RETRY}: a cas that times out (after
 * {@link RatisClient#BLIND_RETRY_TIMEOUT_MS}) is sent again as a new request from a new Ratis
 * client, so Ratis' retry cache cannot tell it is the same: a slow first attempt and its retry both
 * apply, and the retry's "compare failed" or "ok" describes the second. Delay or resets on the links
 * expose it; a quiet network never does.
 *
 * <p>Network: every directed link between nodes runs through a fault proxy of the local deployment,
 * so the cluster is a {@link io.faultline.sut.NetworkControl}.
 */
public final class RatisSystem implements SystemUnderTest {
  public static final String BUG_STALE_READ = "ratis.stale-read";
  public static final String BUG_BLIND_RETRY = "ratis.blind-retry";
  /** How long {@link #start} waits for a leader before it gives up. */
  public static final long LEADER_WAIT_MS = 30_000;
  static final int LOG_TAIL_LINES = 5;
  static final List<String> NODE_LOGGING = List.of(
      "org.slf4j.simpleLogger.logFile=System.out",
      "org.slf4j.simpleLogger.defaultLogLevel=warn",
      "org.slf4j.simpleLogger.log.io.faultline=info",
      "org.slf4j.simpleLogger.showDateTime=true",
      "org.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");

  @Override
  public String name() { return "ratis"; }

  @Override
  public Set<Capability> capabilities() { return Set.of(Capability.REGISTER); }

  @Override
  public Set<String> bugs() { return Set.of(BUG_STALE_READ, BUG_BLIND_RETRY); }

  /** Starts the nodes and returns once one of them leads, or throws naming the node logs. */
  @Override
  public RatisCluster start(ClusterSpec spec) throws IOException {
    for (String bug : spec.bugs()) {
      if (!bugs().contains(bug)) throw new IllegalArgumentException("ratis has no planted bug '" + bug + "'; it has " + bugs());
    }
    RatisOptions options = RatisOptions.from(spec.options());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < spec.nodeCount(); i++) ids.add(spec.nodeId(i));
    List<String> initial = List.copyOf(ids);
    for (int i = 0; i < options.spareNodes(); i++) ids.add("n" + (spec.nodeCount() + i + 1));
    RaftGroupId groupId = RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("faultline-ratis-" + spec.seed()).getBytes(StandardCharsets.UTF_8)));
    LocalDeployment deployment = LocalDeployment.create(spec.runDir(), ids, spec.seed(), options.partitionClients(),
        options.network());
    RatisCluster cluster = null;
    try {
      String peers = initial.stream().map(id -> id + ":" + deployment.port(id)).collect(Collectors.joining(","));
      List<RatisNode> nodes = new ArrayList<>();
      List<RaftPeer> harnessPeers = new ArrayList<>();
      for (String id : ids) {
        NodeProcess process = deployment.launch(id, RatisNodeMain.class.getName(),
            List.of(id, Integer.toString(deployment.port(id)), initial.contains(id) ? peers : RatisNodeMain.SPARE,
                deployment.nodeDir(id).resolve("data").toString(), groupId.getUuid().toString(),
                Long.toString(options.snapshotThreshold()), deployment.nodeAddress(id)),
            NODE_LOGGING, options.fakeClock());
        nodes.add(new RatisNode(process));
        harnessPeers.add(RaftPeer.newBuilder().setId(id).setAddress(deployment.harnessAddress(id)).build());
      }
      cluster = new RatisCluster(deployment, RaftGroup.valueOf(groupId, harnessPeers), nodes,
          spec.bug(BUG_STALE_READ), spec.bug(BUG_BLIND_RETRY), options.clientRetryMs());
      Optional<String> leader = cluster.awaitLeader(LEADER_WAIT_MS);
      if (leader.isEmpty()) {
        throw new IOException("no ratis leader within " + LEADER_WAIT_MS + " ms; node logs: " + deployment.logFiles()
            + logTails(deployment.logFiles()));
      }
      return cluster;
    } catch (IOException | RuntimeException e) {
      try {
        if (cluster != null) cluster.close(); else deployment.close();
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The last lines of each node log, for an error message that explains itself. */
  private static String logTails(List<Path> logs) {
    StringBuilder tails = new StringBuilder();
    for (Path log : logs) {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        tails.append("\n--- ").append(log).append(" (last lines)");
        for (String line : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) {
          tails.append("\n").append(line);
        }
      } catch (IOException | RuntimeException e) {
        tails.append("\n--- ").append(log).append(": unreadable: ").append(e);
      }
    }
    return tails.toString();
  }
}
