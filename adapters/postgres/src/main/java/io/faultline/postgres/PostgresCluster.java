package io.faultline.postgres;

import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * A running PostgreSQL server and the clients of its logical processes, each client one JDBC
 * connection of its own.
 *
 * <p>Schema, created idempotently at start: {@code lists} (list-append: one row per key, the list as
 * comma-separated values, as Jepsen's postgres test keeps it), {@code registers} (rw-register) and
 * {@code accounts} (bank: accounts {@code 0..bankAccounts-1}, all of {@code bankTotal} on account 0).
 *
 * <p>Bounds on every connection: {@value #CONNECT_TIMEOUT_S} s to connect and log in, {@value
 * #SOCKET_TIMEOUT_S} s for any server reply, and server-side {@code statement_timeout} and {@code
 * lock_timeout} of {@value #STATEMENT_TIMEOUT_MS} ms, so a client never waits long on a lock.
 */
public final class PostgresCluster implements Cluster {
  static final int CONNECT_TIMEOUT_S = 5;
  static final int SOCKET_TIMEOUT_S = 15;
  /** Bound on one readiness probe of a restarted server. */
  static final int PROBE_TIMEOUT_S = 2;
  static final long STATEMENT_TIMEOUT_MS = 5_000;
  static final String DATABASE = "postgres";
  static final String USER = "postgres";

  static final String SCHEMA = "CREATE TABLE IF NOT EXISTS lists (k BIGINT PRIMARY KEY, v TEXT NOT NULL);"
      + " CREATE TABLE IF NOT EXISTS registers (k BIGINT PRIMARY KEY, v BIGINT NOT NULL);"
      + " CREATE TABLE IF NOT EXISTS accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)";

  private static final Driver DRIVER = new Driver();

  private final PostgresServer node;
  private final PostgresOptions options;
  private final List<PostgresClient> clients = new ArrayList<>();
  private boolean closed;

  PostgresCluster(PostgresServer node, PostgresOptions options) {
    this.node = node;
    this.options = options;
  }

  @Override
  public List<Node> nodes() { return List.of(node); }

  public PostgresOptions options() { return options; }

  /** The JDBC URL of the server, for tools and tests. */
  public String jdbcUrl() { return jdbcUrl(node.host(), node.port()); }

  static String jdbcUrl(String host, int port) { return "jdbc:postgresql://" + host + ":" + port + "/" + DATABASE; }

  /** The server's log: its output since the first start (in a container: written when the cluster closes). */
  public Path logFile() { return node.logFile(); }

  /** A client with its own connection (opened on first use) for {@code process}. Safe to call concurrently. */
  @Override
  public synchronized Client client(int process) {
    if (closed) throw new IllegalStateException("cluster is closed");
    PostgresClient client = new PostgresClient(this, process);
    clients.add(client);
    return client;
  }

  /** A new connection: autocommit off, the run's isolation level, the bounds above. */
  Connection connect(int process) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
    props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_S));
    props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_S));
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "faultline-p" + process);
    props.setProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT_MS + " -c lock_timeout=" + STATEMENT_TIMEOUT_MS);
    String url = jdbcUrl();
    Connection c = DRIVER.connect(url, props);
    if (c == null) throw new SQLException("the driver does not accept " + url, "08001");
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(options.isolation().jdbcLevel());
      return c;
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** Whether the server at {@code host:port} accepts a login and answers a query now, within {@value #PROBE_TIMEOUT_S} s. */
  static boolean answers(String host, int port) {
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_S));
    props.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_S));
    props.setProperty("socketTimeout", Integer.toString(PROBE_TIMEOUT_S));
    try (Connection c = DRIVER.connect(jdbcUrl(host, port), props)) {
      if (c == null) return false;
      try (Statement s = c.createStatement()) {
        s.execute("SELECT 1");
        return true;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /** Creates the tables and the bank accounts if they are not there yet. */
  void createSchema() throws IOException {
    try (Connection c = connect(-1); Statement s = c.createStatement()) {
      s.execute(SCHEMA);
      s.execute("INSERT INTO accounts (id, balance) SELECT i, CASE WHEN i = 0 THEN " + options.bankTotal()
          + " ELSE 0 END FROM generate_series(0, " + (options.bankAccounts() - 1) + ") AS i ON CONFLICT (id) DO NOTHING");
      c.commit();
    } catch (SQLException e) {
      throw new IOException("postgres schema set-up failed at " + jdbcUrl() + ": " + e.getMessage(), e);
    }
  }

  /** Closes every client, stops the server and waits until no postgres process (or container) of it is left. */
  @Override
  public void close() throws IOException {
    List<PostgresClient> toClose;
    synchronized (this) {
      if (closed) return;
      closed = true;
      toClose = new ArrayList<>(clients);
      clients.clear();
    }
    for (PostgresClient client : toClose) client.close();
    node.stop();
  }
}
