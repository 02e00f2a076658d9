package io.faultline.raftadapter;

import io.faultline.history.Json;
import io.faultline.local.LocalDeployment;
import io.faultline.local.Ports;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.LeaderTransfer;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.MembershipChanges;
import io.faultline.sut.NetworkControl;
import io.faultline.sut.Node;
import io.faultline.sut.StorageUsage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running cluster of our Raft: one child JVM per node ({@link LocalDeployment}), a client per
 * logical process bound to node {@code process % nodeCount} for reads, and the leader as the nodes
 * report it on {@code /api/v1/cluster/status}. Links between nodes are faulted through
 * {@link NetworkControl}. Its WAL's size on disk is {@link StorageUsage}.
 */
public final class RaftCluster implements Cluster, LeaderAware, NetworkControl, StorageUsage, MembershipChanges, LeaderTransfer,
    io.faultline.sut.Backups {
  /** Bound on one membership or transfer request to the leader. */
  static final long ADMIN_REQUEST_MS = 5_000;
  /** The WAL's segment files in a node's data directory ({@code io.faultline.raft.Wal}'s naming); not its {@code wal.tmp}. */
  static final String WAL_SEGMENT_GLOB = "wal-*.seg";

  /** Bound on {@link #leader()}: each node is asked once, all at once. */
  static final long LEADER_QUERY_MS = 1_000;
  static final long CONNECT_TIMEOUT_MS = 1_000;

  private final LocalDeployment deployment;
  private final List<RaftNodeProcess> nodes;
  private final Map<String, String> httpAddresses;
  private final Map<String, String> clientAddresses;
  private final int[] httpPorts;
  private final HttpClient http;
  private final AtomicLong nextClientId = new AtomicLong();
  private final List<RaftHttpClient> clients = new ArrayList<>();
  private boolean closed;

  RaftCluster(LocalDeployment deployment, List<RaftNodeProcess> nodes, Map<String, String> httpAddresses,
      Map<String, String> clientAddresses, int[] httpPorts, HttpClient http) {
    this.clientAddresses = Map.copyOf(clientAddresses);
    this.deployment = deployment;
    this.nodes = List.copyOf(nodes);
    this.httpAddresses = Map.copyOf(httpAddresses);
    this.httpPorts = httpPorts.clone();
    this.http = http;
  }

  /** The one HTTP client of a cluster: HTTP/1.1 (the node's server speaks nothing else), bounded connects. */
  static HttpClient httpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS)).build();
  }

  @Override
  public List<Node> nodes() { return List.copyOf(nodes); }

  /** host:port of each node's HTTP API, direct (the harness's own status and admin requests). */
  public Map<String, String> httpAddresses() { return httpAddresses; }

  @Override
  public List<String> endpoints() { return deployment.network().endpoints(); }

  @Override
  public void setLink(String from, String to, LinkFaults faults) throws IOException { deployment.network().setLink(from, to, faults); }

  @Override
  public LinkFaults link(String from, String to) { return deployment.network().link(from, to); }

  @Override
  public void healAll() throws IOException { deployment.network().healAll(); }

  /**
   * The sizes of the {@value #WAL_SEGMENT_GLOB} files in every node's data directory, running or not,
   * preallocated space included (what the node's {@code raft_wal_bytes} gauge says of itself). Read from
   * the directories, not asked of the nodes: cheap, and a killed or paused node answers too.
   */
  @Override
  public long walBytes() throws IOException {
    long total = 0;
    for (RaftNodeProcess node : nodes) total += walBytes(node.dataDir());
    return total;
  }

  /** One data directory's WAL segments; a segment deleted while it is listed (compaction) counts nothing. */
  static long walBytes(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) return 0;
    long total = 0;
    try (DirectoryStream<Path> segments = Files.newDirectoryStream(dataDir, WAL_SEGMENT_GLOB)) {
      for (Path segment : segments) {
        try {
          total += Files.size(segment);
        } catch (NoSuchFileException e) {
          // compacted away between the listing and the size: it is no longer part of the log
        }
      }
    } catch (NoSuchFileException e) {
      return 0; // the directory went with a teardown
    }
    return total;
  }

  /** Log files of the nodes, for error messages and reports. */
  public List<Path> logFiles() { return deployment.logFiles(); }

  /** A client with a cluster-unique client id, so its retried writes apply once. */
  @Override
  public synchronized Client client(int process) {
    if (closed) throw new IllegalStateException("cluster is closed");
    String bound = nodes.get(Math.floorMod(process, nodes.size())).id();
    List<String> order = new ArrayList<>();
    for (RaftNodeProcess n : nodes) order.add(n.id());
    RaftHttpClient client = new RaftHttpClient(http, clientAddresses, order, bound, nextClientId.incrementAndGet());
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
    List<CompletableFuture<HttpResponse<String>>> asked = new ArrayList<>();
    for (RaftNodeProcess node : nodes) {
      if (!node.isRunning() || node.isPaused()) continue;
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + httpAddresses.get(node.id()) + "/api/v1/cluster/status"))
          .timeout(Duration.ofMillis(LEADER_QUERY_MS)).GET().build();
      asked.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_QUERY_MS);
    String best = null;
    long bestTerm = -1;
    for (CompletableFuture<HttpResponse<String>> answer : asked) {
      try {
        HttpResponse<String> r = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r.statusCode() != 200) continue;
        Object parsed = Json.parse(r.body());
        if (!(parsed instanceof Map)) continue;
        Map<?, ?> status = (Map<?, ?>) parsed;
        if (!"LEADER".equals(status.get("role")) || !(status.get("term") instanceof Long)) continue;
        long term = (Long) status.get("term");
        if (term > bestTerm) {
          bestTerm = term;
          best = (String) status.get("node");
        }
      } catch (TimeoutException | ExecutionException | Json.ParseException e) {
        answer.cancel(true); // that node could not tell in time: it does not count
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return Optional.ofNullable(best);
  }

  @Override
  public Members members() throws IOException {
    String leader = leader().orElseThrow(() -> new IOException("no leader to ask for the configuration"));
    Map<?, ?> status = ask(leader, "GET", "cluster/status", null);
    List<String> voters = new ArrayList<>();
    List<String> learners = new ArrayList<>();
    if (status.get("members") instanceof List) {
      for (Object m : (List<?>) status.get("members")) {
        if (!(m instanceof Map)) continue;
        Object node = ((Map<?, ?>) m).get("node");
        Object role = ((Map<?, ?>) m).get("role");
        if ("voter".equals(role)) voters.add(String.valueOf(node));
        if ("learner".equals(role)) learners.add(String.valueOf(node));
      }
    }
    List<String> deployed = new ArrayList<>();
    for (RaftNodeProcess n : nodes) deployed.add(n.id());
    return new Members(voters, learners, Boolean.TRUE.equals(status.get("joint")), deployed);
  }

  @Override
  public String add(String nodeId, String replaces) throws IOException {
    String body = "{\"node_id\":\"" + nodeId + "\"" + (replaces == null ? "" : ",\"replaces\":\"" + replaces + "\"") + "}";
    return toLeader("cluster/add-node", body);
  }

  @Override
  public String remove(String nodeId) throws IOException { return toLeader("cluster/remove-node", "{\"node_id\":\"" + nodeId + "\"}"); }

  @Override
  public String transferLeader(String target) throws IOException {
    return toLeader("cluster/transfer-leader", "{\"node_id\":\"" + target + "\"}");
  }

  private String toLeader(String path, String body) throws IOException {
    String leader = leader().orElseThrow(() -> new IOException("no leader to ask"));
    Map<?, ?> answer = ask(leader, "POST", path, body);
    return leader + ": " + path + " " + body + " -> index " + answer.get("index");
  }

  /** One request to node {@code nodeId}'s API; anything but 200 is an IOException with the node's reason. */
  private Map<?, ?> ask(String nodeId, String method, String path, String body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + httpAddresses.get(nodeId) + "/api/v1/" + path))
        .timeout(Duration.ofMillis(ADMIN_REQUEST_MS));
    b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted asking " + nodeId, e);
    }
    Object parsed;
    try {
      parsed = Json.parse(r.body());
    } catch (Json.ParseException e) {
      throw new IOException(nodeId + " answered " + r.statusCode() + " with no JSON: " + r.body(), e);
    }
    if (!(parsed instanceof Map)) throw new IOException(nodeId + " answered " + r.statusCode() + ": " + r.body());
    if (r.statusCode() != 200) throw new IOException(nodeId + " refused (" + r.statusCode() + "): " + ((Map<?, ?>) parsed).get("error"));
    return (Map<?, ?>) parsed;
  }

  /** Attempts of a backup (a kill may take the leader in the middle of one), {@link #BACKUP_RETRY_MS} apart. */
  static final int BACKUP_ATTEMPTS_MAX = 10;
  static final long BACKUP_RETRY_MS = 500;

  /**
   * A backup through the leader ({@code io.faultline.raft.RaftBackup}: {@code POST /api/v1/snapshot/create},
   * then the snapshot and the entries after it fetched): the running nodes are tried, the one that says
   * it leads first; a failed attempt (a kill, a new leader) starts again in an emptied directory.
   */
  @Override
  public Backup backup(java.nio.file.Path dir) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= BACKUP_ATTEMPTS_MAX; attempt++) {
      List<String> addresses = new ArrayList<>();
      leader().ifPresent(l -> addresses.add(httpAddresses.get(l)));
      for (RaftNodeProcess n : nodes) {
        String a = httpAddresses.get(n.id());
        if (n.isRunning() && a != null && !addresses.contains(a)) addresses.add(a);
      }
      try {
        emptyDirectory(dir);
        io.faultline.raft.RaftBackup.Manifest m = io.faultline.raft.RaftBackup.backup(addresses, dir);
        return new Backup(dir, m.bytes(), m.backupMs(), m.lastIndex());
      } catch (IOException e) {
        last = e;
      }
      try {
        Thread.sleep(BACKUP_RETRY_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    throw new IOException("no backup after " + BACKUP_ATTEMPTS_MAX + " attempts: " + last.getMessage(), last);
  }

  private static void emptyDirectory(java.nio.file.Path dir) throws IOException {
    if (!java.nio.file.Files.exists(dir)) return;
    try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(dir)) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        if (!p.equals(dir)) java.nio.file.Files.delete(p);
      }
    }
  }

  /**
   * A new cluster from {@code backup}: each node's data directory ({@code <runDir>/nodes/<id>/data}, where
   * {@link RaftSystem#start} puts it) written by {@code RaftBackup.restore} to the backup's end, voters the
   * new cluster's nodes, cluster id {@code restored-<seed>}; then the nodes started. The time is until the
   * new cluster has a leader.
   */
  @Override
  public Restored restore(Backup backup, io.faultline.sut.ClusterSpec spec) throws IOException {
    long t0 = System.nanoTime();
    List<String> voters = new ArrayList<>();
    for (int i = 0; i < spec.nodeCount(); i++) voters.add(spec.nodeId(i));
    String clusterId = "restored-" + Long.toUnsignedString(spec.seed(), 36);
    for (String id : voters) {
      io.faultline.raft.RaftBackup.restore(backup.dir(), spec.runDir().resolve("nodes").resolve(id).resolve("data"), id, voters,
          io.faultline.raft.RaftBackup.Point.END, clusterId);
    }
    RaftCluster restored = new RaftSystem().start(spec);
    return new Restored(restored, (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Waits until some node claims the lead, up to {@code timeoutMs}; gives up at once when too few
   * nodes run to elect one (a node that died at startup, say).
   */
  public Optional<String> awaitLeader(long timeoutMs) {
    int majority = nodes.size() / 2 + 1;
    return LeaderAware.await(this, () -> nodes.stream().filter(RaftNodeProcess::isRunning).count() >= majority, timeoutMs, 50);
  }


  @Override
  public void close() throws IOException {
    List<RaftHttpClient> toClose;
    synchronized (this) {
      if (closed) return;
      closed = true;
      toClose = new ArrayList<>(clients);
      clients.clear();
    }
    for (RaftHttpClient client : toClose) client.close();
    try {
      deployment.close();
    } finally {
      Ports.release(httpPorts);
    }
  }
}
