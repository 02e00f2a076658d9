package io.faultline.ratis;

import io.faultline.local.LocalDeployment;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.LeaderTransfer;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.MembershipChanges;
import io.faultline.sut.NetworkControl;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * A running Ratis cluster: one child JVM per node ({@link LocalDeployment}), a client per logical
 * process bound to node {@code process % nodeCount}, and the leader as the nodes themselves report
 * it.
 *
 * <p>The harness reaches nodes at their own loopback addresses (or through the clients' proxies):
 * its own JVM does not resolve node names, so its {@link RaftGroup} carries addresses where the
 * nodes' group carries names. Links between nodes are faulted through {@link NetworkControl}.
 */
public final class RatisCluster implements Cluster, LeaderAware, NetworkControl, MembershipChanges, LeaderTransfer {
  /**
   * Bound on one {@code setConfiguration} or {@code transferLeadership}: Ratis answers once the new
   * configuration committed, after bringing new peers up to date.
   */
  static final long CHANGE_TIMEOUT_MS = 10_000;
  /** Bound on {@link #leader()}: each node is asked once, all at once. */
  static final long LEADER_QUERY_MS = 1_000;
  static final long ADMIN_REQUEST_TIMEOUT_MS = 800;

  private final LocalDeployment deployment;
  private final RaftGroup harnessGroup;
  private final List<RatisNode> nodes;
  private final boolean staleRead;
  private final boolean blindRetry;
  private final long clientRetryMs;
  private final Map<String, RaftClient> adminClients = new LinkedHashMap<>();
  private final List<RatisClient> clients = new ArrayList<>();
  private final ExecutorService leaderQueries;
  private boolean closed;

  RatisCluster(LocalDeployment deployment, RaftGroup harnessGroup, List<RatisNode> nodes, boolean staleRead,
      boolean blindRetry, long clientRetryMs) {
    this.blindRetry = blindRetry;
    this.clientRetryMs = clientRetryMs;
    this.deployment = deployment;
    this.harnessGroup = harnessGroup;
    this.nodes = List.copyOf(nodes);
    this.staleRead = staleRead;
    for (RatisNode node : nodes) {
      RaftProperties props = new RaftProperties();
      RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(ADMIN_REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS));
      adminClients.put(node.id(), RaftClient.newBuilder().setProperties(props).setRaftGroup(harnessGroup)
          .setRetryPolicy(RetryPolicies.noRetry()).build());
    }
    this.leaderQueries = Executors.newFixedThreadPool(nodes.size(), runnable -> {
      Thread thread = new Thread(runnable, "ratis-leader-query");
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public List<Node> nodes() { return List.copyOf(nodes); }

  @Override
  public List<String> endpoints() { return deployment.network().endpoints(); }

  @Override
  public void setLink(String from, String to, LinkFaults faults) throws IOException {
    deployment.network().setLink(from, to, faults);
  }

  @Override
  public LinkFaults link(String from, String to) { return deployment.network().link(from, to); }

  @Override
  public void healAll() throws IOException { deployment.network().healAll(); }

  /** Log files of the nodes, for error messages and reports. */
  public List<Path> logFiles() { return deployment.logFiles(); }

  @Override
  public synchronized Client client(int process) {
    if (closed) throw new IllegalStateException("cluster is closed");
    RatisNode node = nodes.get(Math.floorMod(process, nodes.size()));
    RatisClient client = new RatisClient(harnessGroup, RaftPeerId.valueOf(node.id()), staleRead, blindRetry, clientRetryMs);
    clients.add(client);
    return client;
  }

  /**
   * The node that says it leads, asked of every running, unpaused node at once within
   * {@link #LEADER_QUERY_MS}; with several claims (a deposed leader that has not heard yet), the one
   * of the highest term.
   */
  @Override
  public Optional<String> leader() {
    List<CompletableFuture<Optional<Claim>>> asked = new ArrayList<>();
    for (RatisNode node : nodes) {
      if (!node.isRunning() || node.isPaused()) continue;
      RaftClient admin = adminClients.get(node.id());
      asked.add(CompletableFuture.supplyAsync(() -> ask(admin, node.id()), leaderQueries));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_QUERY_MS);
    Claim best = null;
    for (CompletableFuture<Optional<Claim>> answer : asked) {
      long leftNs = Math.max(0, deadline - System.nanoTime());
      try {
        Optional<Claim> claim = answer.get(leftNs, TimeUnit.NANOSECONDS);
        if (claim.isPresent() && (best == null || claim.get().term() > best.term())) best = claim.get();
      } catch (TimeoutException | ExecutionException e) {
        // That node could not tell in time: it does not count.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.nodeId());
  }

  private record Claim(String nodeId, long term) {}

  private Optional<Claim> ask(RaftClient admin, String nodeId) {
    try {
      GroupInfoReply info = admin.getGroupManagementApi(RaftPeerId.valueOf(nodeId)).info(harnessGroup.getGroupId());
      RoleInfoProto role = info.getRoleInfoProto();
      if (role.getRole() == RaftPeerRole.LEADER) return Optional.of(new Claim(nodeId, role.getLeaderInfo().getTerm()));
    } catch (IOException | RuntimeException e) {
      // Unreachable or not ready: no claim.
    }
    return Optional.empty();
  }

  /**
   * Whether the node answers for the group as its leader or a follower within
   * {@link #ADMIN_REQUEST_TIMEOUT_MS}: up and back in the group after a restart.
   */
  public boolean isServing(String nodeId) {
    RaftClient admin = adminClients.get(nodeId);
    if (admin == null) throw new IllegalArgumentException("no node " + nodeId);
    try {
      RaftPeerRole role = admin.getGroupManagementApi(RaftPeerId.valueOf(nodeId)).info(harnessGroup.getGroupId())
          .getRoleInfoProto().getRole();
      return role == RaftPeerRole.LEADER || role == RaftPeerRole.FOLLOWER;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The configuration in the leader's group info: peers (voters), old peers while joint, listeners as learners. */
  @Override
  public Members members() throws IOException {
    String leader = leader().orElseThrow(() -> new IOException("no leader to ask for the configuration"));
    GroupInfoReply info = adminClients.get(leader).getGroupManagementApi(RaftPeerId.valueOf(leader)).info(harnessGroup.getGroupId());
    List<String> voters = new ArrayList<>();
    List<String> learners = new ArrayList<>();
    boolean joint = false;
    if (info.getConf().isPresent()) {
      RaftConfigurationProto conf = info.getConf().get();
      for (RaftPeerProto p : conf.getPeersList()) voters.add(p.getId().toStringUtf8());
      for (RaftPeerProto p : conf.getListenersList()) learners.add(p.getId().toStringUtf8());
      joint = conf.getOldPeersCount() > 0;
    } else { // this Ratis says its configuration as its group's peers and listeners
      for (RaftPeer p : info.getGroup().getPeers()) {
        if (p.getStartupRole() == RaftPeerRole.LISTENER) learners.add(p.getId().toString()); else voters.add(p.getId().toString());
      }
    }
    List<String> deployed = new ArrayList<>();
    for (RatisNode n : nodes) deployed.add(n.id());
    return new Members(voters, learners, joint, deployed);
  }

  /** {@code setConfiguration} (the list overload) with {@code nodeId} added and {@code replaces} removed. */
  @Override
  public String add(String nodeId, String replaces) throws IOException {
    List<String> voters = new ArrayList<>(members().voters());
    if (voters.contains(nodeId)) throw new IOException(nodeId + " is a voter already");
    voters.add(nodeId);
    if (replaces != null && !voters.remove(replaces)) throw new IOException(replaces + " is not a voter");
    return setConfiguration(voters);
  }

  @Override
  public String remove(String nodeId) throws IOException {
    List<String> voters = new ArrayList<>(members().voters());
    if (!voters.remove(nodeId)) throw new IOException(nodeId + " is not a voter");
    return setConfiguration(voters);
  }

  private String setConfiguration(List<String> voters) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : voters) peers.add(RaftPeer.newBuilder().setId(id).setAddress(id + ":" + deployment.port(id)).build());
    return change("setConfiguration " + voters, admin -> admin.admin().setConfiguration(peers));
  }

  @Override
  public String transferLeader(String target) throws IOException {
    return change("transferLeadership to " + target,
        admin -> admin.admin().transferLeadership(RaftPeerId.valueOf(target), CHANGE_TIMEOUT_MS));
  }

  private interface AdminCall {
    RaftClientReply call(RaftClient admin) throws IOException;
  }

  /** One admin call through a client aimed at the leader, bounded by {@link #CHANGE_TIMEOUT_MS}; a failed reply is an IOException. */
  private String change(String what, AdminCall call) throws IOException {
    String leader = leader().orElseThrow(() -> new IOException("no leader for " + what));
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    try (RaftClient admin = RaftClient.newBuilder().setProperties(props).setRaftGroup(harnessGroup)
        .setLeaderId(RaftPeerId.valueOf(leader)).setRetryPolicy(RetryPolicies.noRetry()).build()) {
      RaftClientReply reply = call.call(admin);
      if (!reply.isSuccess()) throw new IOException(leader + " refused " + what + ": " + reply.getException());
      return leader + ": " + what;
    }
  }

  /**
   * Waits until some node claims the lead, up to {@code timeoutMs}; gives up at once when too few
   * nodes run to elect one (a node that died at startup, say).
   */
  Optional<String> awaitLeader(long timeoutMs) {
    int majority = nodes.size() / 2 + 1;
    return LeaderAware.await(this, () -> nodes.stream().filter(RatisNode::isRunning).count() >= majority, timeoutMs, 100);
  }


  @Override
  public void close() throws IOException {
    List<RatisClient> toClose;
    synchronized (this) {
      if (closed) return;
      closed = true;
      toClose = new ArrayList<>(clients);
      clients.clear();
    }
    for (RatisClient client : toClose) client.close();
    for (RaftClient admin : adminClients.values()) {
      try {
        admin.close();
      } catch (IOException e) {
        // Admin clients hold no state worth saving.
      }
    }
    leaderQueries.shutdownNow();
    deployment.close();
  }
}
