package io.faultline.ratis;

import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * How far each node of a running Ratis cluster has come, as the node itself says: Ratis' group info
 * ({@code LogInfoProto}: applied, committed, last snapshot and last entry index) asked of the node
 * through its admin API, for benchmarks that time a restarted node until it is caught up.
 *
 * <p>The node's address and group come from the command it was started with, which
 * {@code NodeProcess} writes first into the node's log ({@code ---- faultline: starting <id>: ...
 * RatisNodeMain <id> <port> <peers> <dataDir> <group> <threshold> <bindAddress>}): the node
 * directly, not through a client proxy. Each question is asked by a client made for it: a gRPC
 * channel that saw the node down would wait out its reconnect back-off (a second and more) and time
 * the node's restart too slow.
 */
public final class RatisLogInfo {
  /** Bound on one question to a node. */
  public static final long REQUEST_TIMEOUT_MS = 800;
  static final String START_MARKER = "---- faultline: starting ";

  /** A node's log position; an index Ratis does not report is -1. */
  public record Position(String role, long applied, long committed, long lastSnapshotIndex, long lastEntryIndex) {}

  private final Map<String, RaftPeer> peers;
  private final Map<String, Path> logs;
  private final RaftGroupId groupId;

  private RatisLogInfo(Map<String, RaftPeer> peers, Map<String, Path> logs, RaftGroupId groupId) {
    this.peers = Map.copyOf(peers);
    this.logs = Map.copyOf(logs);
    this.groupId = groupId;
  }

  /** Reads each node's start command from its log; an IOException names the node whose log lacks it. */
  public static RatisLogInfo of(RatisCluster cluster) throws IOException {
    Map<String, RaftPeer> peers = new LinkedHashMap<>();
    Map<String, Path> logs = new LinkedHashMap<>();
    RaftGroupId group = null;
    for (Node node : cluster.nodes()) {
      Path log = ((RatisNode) node).logFile();
      logs.put(node.id(), log);
      List<String> args = startArgs(log, node.id());
      peers.put(node.id(), RaftPeer.newBuilder().setId(node.id()).setAddress(args.get(6) + ":" + args.get(1)).build());
      group = RaftGroupId.valueOf(UUID.fromString(args.get(4)));
    }
    if (group == null) throw new IOException("a Ratis cluster without nodes");
    return new RatisLogInfo(peers, logs, group);
  }

  /** The seven arguments after {@link RatisNodeMain} on the node's first start line. */
  static List<String> startArgs(Path log, String nodeId) throws IOException {
    String main = RatisNodeMain.class.getName();
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (!line.startsWith(START_MARKER + nodeId + ":")) continue;
        String[] words = line.split(" ");
        for (int i = 0; i + 7 < words.length; i++) {
          if (words[i].equals(main)) return List.of(words).subList(i + 1, i + 8);
        }
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    throw new IOException("no start line of " + nodeId + " naming " + main + " with 7 arguments in " + log);
  }

  /**
   * The indices of the snapshots the node's state machine loaded since it was last started, from its
   * log ({@code KvStateMachine}'s {@code loaded snapshot (t:T, i:I)}): at start its own newest, then
   * each one installed from the leader.
   */
  public List<Long> snapshotsLoadedSinceStart(String nodeId) throws IOException {
    Path log = logs.get(nodeId);
    if (log == null) throw new IllegalArgumentException("no node " + nodeId + " in " + logs.keySet());
    List<Long> loaded = new ArrayList<>();
    java.util.regex.Pattern index = java.util.regex.Pattern.compile("loaded snapshot .*?i:(\\d+)");
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.startsWith(START_MARKER + nodeId + ":")) loaded.clear();
        java.util.regex.Matcher m = index.matcher(line);
        if (m.find()) loaded.add(Long.parseLong(m.group(1)));
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    return loaded;
  }

  /** The node's position, or empty when it does not answer within {@link #REQUEST_TIMEOUT_MS}. */
  public Optional<Position> position(String nodeId) {
    RaftPeer peer = peers.get(nodeId);
    if (peer == null) throw new IllegalArgumentException("no node " + nodeId + " in " + peers.keySet());
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    List<RaftPeer> all = new ArrayList<>(peers.values());
    try (RaftClient admin = RaftClient.newBuilder().setProperties(props).setRaftGroup(RaftGroup.valueOf(groupId, all))
        .setRetryPolicy(RetryPolicies.noRetry()).build()) {
      GroupInfoReply info = admin.getGroupManagementApi(RaftPeerId.valueOf(nodeId)).info(groupId);
      LogInfoProto log = info.getLogInfoProto();
      return Optional.of(new Position(info.getRoleInfoProto().getRole().name(),
          log.hasApplied() ? log.getApplied().getIndex() : -1,
          log.hasCommitted() ? log.getCommitted().getIndex() : -1,
          log.hasLastSnapshot() ? log.getLastSnapshot().getIndex() : -1,
          log.hasLastEntry() ? log.getLastEntry().getIndex() : -1));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
