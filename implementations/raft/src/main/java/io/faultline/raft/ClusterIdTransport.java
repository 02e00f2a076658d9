package io.faultline.raft;

import io.faultline.runtime.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The peer transport of a node that belongs to a named cluster: messages from a node of another
 * cluster (or of none) are dropped and logged, never stepped.
 *
 * <p>Why: a cluster restored from a backup, or forced out of a lost quorum, starts from an old
 * cluster's log, and its nodes may carry the old nodes' names. An old member that still runs (or is
 * started again) would otherwise be heard as a peer — its votes and appends merged into a log it has
 * no part in. The cluster id lives in the data directory ({@value #FILE}, written by {@code faultline
 * raft restore} and {@code force-new-cluster}), and travels in the one place every connection already
 * names its sender: {@link io.faultline.runtime.TcpTransport}'s hello frame, as {@code name@id}. A node
 * with no id sends its bare name, as every node did before ids existed, and hears only nodes without
 * one; so old and new clusters refuse each other both ways, and clusters that never had an id are
 * unchanged.
 */
final class ClusterIdTransport implements Transport<Wire> {
  /** The cluster id's file in the data directory: one line. */
  static final String FILE = "cluster-id";
  static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Distinct refused senders logged; beyond this they are only counted. */
  static final int LOGGED_SENDERS_MAX = 64;

  private final Transport<Wire> peers;
  private final String self;
  private final String clusterId;
  private final Consumer<String> log;
  private final Set<String> logged = ConcurrentHashMap.newKeySet();
  private final AtomicLong refused = new AtomicLong();

  ClusterIdTransport(Transport<Wire> peers, String self, String clusterId, Consumer<String> log) {
    this.peers = peers;
    this.self = self;
    this.clusterId = clusterId;
    this.log = log;
  }

  /** The name a node announces itself by in its hello frame: {@code n1}, or {@code n1@<cluster id>}. */
  static String helloName(String nodeName, String clusterId) { return clusterId == null ? nodeName : nodeName + "@" + clusterId; }

  /** The cluster id in {@code dataDir}, or null when it has none; a malformed file is an error naming it. */
  static String read(Path dataDir) throws IOException {
    Path f = dataDir.resolve(FILE);
    if (!Files.isRegularFile(f)) return null;
    String id = Files.readString(f, StandardCharsets.UTF_8).trim();
    if (!ID.matcher(id).matches()) throw new IOException(f + ": cluster id must be 1-64 of [A-Za-z0-9._-], got '" + id + "'");
    return id;
  }

  /** Writes {@code id} as the data directory's cluster id (synced, replacing any). */
  static void write(Path dataDir, String id) throws IOException {
    requireValid(id);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
    try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Files.move(tmp, dataDir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    RaftRepair.fsyncDirectory(dataDir);
  }

  static String requireValid(String id) {
    if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("cluster id must be 1-64 of [A-Za-z0-9._-], got '" + id + "'");
    return id;
  }

  /** Messages from another cluster's nodes dropped so far. */
  long refused() { return refused.get(); }

  @Override
  public String self() { return self; }

  @Override
  public void send(String to, Wire message) { peers.send(to, message); }

  @Override
  public void setHandler(Handler<Wire> h) {
    peers.setHandler((from, message) -> {
      int at = from.indexOf('@');
      String name = at < 0 ? from : from.substring(0, at);
      String id = at < 0 ? null : from.substring(at + 1);
      if (Objects.equals(id, clusterId)) {
        h.onMessage(name, message);
        return;
      }
      refused.incrementAndGet();
      if (logged.size() < LOGGED_SENDERS_MAX && logged.add(from)) {
        log.accept(self + " ignores " + name + " of " + (id == null ? "a cluster without id" : "cluster " + id) + ": this node is of "
            + (clusterId == null ? "a cluster without id" : "cluster " + clusterId) + " (an old member?); its messages are dropped");
      }
    });
  }
}
