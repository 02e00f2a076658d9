package io.faultline.postgres;

import io.faultline.history.Op;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client of one logical process: one JDBC connection, one transaction per op.
 *
 * <p>Vocabulary: {@code txn} with Elle micro-ops {@code ["append", k, v]} (appends to the list at k),
 * {@code ["w", k, v]} (sets the register k) and {@code ["r", k, null]} (reads a list, {@code []} when
 * absent, or a register, {@code null} when absent: which of the two is decided by the transaction's
 * writes, or by the {@code workload} option for a read-only transaction); bank {@code transfer}
 * ({@code {"from", "to", "amount"}}) and {@code read} (every balance, {@code {"0": b0, ...}}).
 *
 * <p>Outcomes (Jepsen's postgres client): the server's serialization failure (SQLState {@code
 * 40001}) and deadlock ({@code 40P01}) are {@code fail}, since the server aborted the transaction, at
 * any point including COMMIT; any other error before COMMIT is sent is {@code fail} after a rollback
 * (a transaction whose COMMIT was never sent cannot commit); an error or timeout during COMMIT is
 * {@code info}, and the connection is dropped so that the next op opens a fresh one. A transfer that
 * would overdraw its source is refused, {@code fail} with "insufficient funds". invoke never throws.
 */
final class PostgresClient implements io.faultline.sut.Client {
  static final String SERIALIZATION_FAILURE = "40001";
  static final String DEADLOCK_DETECTED = "40P01";

  private static final String APPEND_SQL =
      "INSERT INTO lists AS l (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = l.v || ',' || EXCLUDED.v";
  private static final String READ_LIST_SQL = "SELECT v FROM lists WHERE k = ?";
  private static final String WRITE_REGISTER_SQL =
      "INSERT INTO registers AS r (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
  private static final String READ_REGISTER_SQL = "SELECT v FROM registers WHERE k = ?";
  private static final String BALANCE_SQL = "SELECT balance FROM accounts WHERE id = ?";
  private static final String SET_BALANCE_SQL = "UPDATE accounts SET balance = ? WHERE id = ?";
  private static final String BALANCES_SQL = "SELECT id, balance FROM accounts ORDER BY id";

  private final PostgresCluster cluster;
  private final int process;
  private Connection connection;
  private boolean closed;

  PostgresClient(PostgresCluster cluster, int process) {
    this.cluster = cluster;
    this.process = process;
  }

  /** What a transaction body returns: the completion value, or a refusal that rolls it back. */
  private record Result(Object value, String refusal) {
    static Result ok(Object value) { return new Result(value, null); }
    static Result refuse(String why) { return new Result(null, why); }
  }

  @FunctionalInterface
  private interface Body {
    Result run(Connection c) throws SQLException;
  }

  @Override
  public synchronized Op invoke(Op op) {
    if (closed) return op.fail("client is closed");
    Body body;
    try {
      body = body(op);
    } catch (IllegalArgumentException | ClassCastException e) {
      return op.fail("malformed op: " + e.getMessage());
    }
    Connection c;
    try {
      if (connection == null) connection = cluster.connect(process);
      c = connection;
    } catch (SQLException | RuntimeException e) {
      return op.fail("connect: " + describe(e));
    }
    boolean commitSent = false;
    try {
      Result result = body.run(c);
      if (result.refusal() != null) {
        rollback(c);
        return op.fail(result.refusal());
      }
      commitSent = true;
      c.commit();
      return op.ok(result.value());
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state)) {
        rollback(c);
        return op.fail(describe(e));
      }
      return commitSent ? unknown(op, e) : failed(op, c, e);
    } catch (RuntimeException e) {
      return commitSent ? unknown(op, e) : failed(op, c, e);
    }
  }

  private Op failed(Op op, Connection c, Exception e) {
    rollback(c);
    return op.fail(describe(e));
  }

  private Op unknown(Op op, Exception e) {
    drop();
    return op.info("during commit: " + describe(e));
  }

  private Body body(Op op) {
    switch (op.f()) {
      case "txn":
        return txn(op.value());
      case "transfer":
        return transfer(op.value());
      case "read":
        return c -> Result.ok(balances(c));
      default:
        throw new IllegalArgumentException("postgres client has no f '" + op.f() + "'");
    }
  }

  /** A transaction of micro-ops; the completion is the micro-ops with the reads' values. */
  private Body txn(Object value) {
    if (!(value instanceof List)) throw new IllegalArgumentException("txn value must be a list of micro-ops, got " + value);
    List<?> microOps = (List<?>) value;
    boolean appends = false;
    boolean writes = false;
    for (Object m : microOps) {
      List<?> micro = microOp(m);
      if ("append".equals(micro.get(0))) appends = true;
      else if ("w".equals(micro.get(0))) writes = true;
      else if (!"r".equals(micro.get(0))) throw new IllegalArgumentException("unknown micro-op " + micro.get(0));
    }
    if (appends && writes) throw new IllegalArgumentException("a txn mixes append and w micro-ops: " + microOps);
    boolean readLists = appends || (!writes && cluster.options().txnReads() != PostgresOptions.TxnReads.RW_REGISTER);
    return c -> {
      List<Object> done = new ArrayList<>(microOps.size());
      for (Object m : microOps) {
        List<?> micro = (List<?>) m;
        String f = (String) micro.get(0);
        long k = asLong(micro.get(1), "key");
        switch (f) {
          case "append":
            update(c, APPEND_SQL, k, Long.toString(asLong(micro.get(2), "append value")));
            done.add(micro);
            break;
          case "w":
            update(c, WRITE_REGISTER_SQL, k, asLong(micro.get(2), "write value"));
            done.add(micro);
            break;
          default:
            done.add(Collections.unmodifiableList(Arrays.asList("r", micro.get(1), readLists ? readList(c, k) : readRegister(c, k))));
        }
      }
      return Result.ok(Collections.unmodifiableList(done));
    };
  }

  private static List<?> microOp(Object m) {
    if (!(m instanceof List) || ((List<?>) m).size() != 3 || !(((List<?>) m).get(0) instanceof String)) {
      throw new IllegalArgumentException("micro-op must be [f, k, v], got " + m);
    }
    return (List<?>) m;
  }

  private Body transfer(Object value) {
    if (!(value instanceof Map)) throw new IllegalArgumentException("transfer value must be {from, to, amount}, got " + value);
    Map<?, ?> t = (Map<?, ?>) value;
    long from = asLong(t.get("from"), "from");
    long to = asLong(t.get("to"), "to");
    long amount = asLong(t.get("amount"), "amount");
    return c -> {
      Long fromBalance = balance(c, from);
      Long toBalance = balance(c, to);
      if (fromBalance == null || toBalance == null) return Result.refuse("no such account");
      if (fromBalance - amount < 0) return Result.refuse("insufficient funds");
      setBalance(c, from, fromBalance - amount);
      setBalance(c, to, toBalance + amount);
      return Result.ok(value);
    };
  }

  private static void update(Connection c, String sql, long k, Object v) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, k);
      s.setObject(2, v);
      s.executeUpdate();
    }
  }

  private static List<Long> readList(Connection c, long k) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(READ_LIST_SQL)) {
      s.setLong(1, k);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) return List.of();
        List<Long> out = new ArrayList<>();
        for (String e : rs.getString(1).split(",")) out.add(Long.parseLong(e));
        return Collections.unmodifiableList(out);
      }
    }
  }

  private static Long readRegister(Connection c, long k) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(READ_REGISTER_SQL)) {
      s.setLong(1, k);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private static Long balance(Connection c, long id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(BALANCE_SQL)) {
      s.setLong(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private static void setBalance(Connection c, long id, long balance) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SET_BALANCE_SQL)) {
      s.setLong(1, balance);
      s.setLong(2, id);
      s.executeUpdate();
    }
  }

  private static Map<String, Object> balances(Connection c) throws SQLException {
    Map<String, Object> out = new LinkedHashMap<>();
    try (PreparedStatement s = c.prepareStatement(BALANCES_SQL); ResultSet rs = s.executeQuery()) {
      while (rs.next()) out.put(Long.toString(rs.getLong(1)), rs.getLong(2));
    }
    return Collections.unmodifiableMap(out);
  }

  private static long asLong(Object v, String what) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short) return ((Number) v).longValue();
    throw new IllegalArgumentException(what + " must be an integer, got " + v);
  }

  /** Rolls back; a connection that cannot even do that is dropped. */
  private void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      drop();
    }
  }

  private void drop() {
    Connection c = connection;
    connection = null;
    if (c == null) return;
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // The connection is gone either way.
    }
  }

  private static String describe(Exception e) {
    String state = e instanceof SQLException ? ((SQLException) e).getSQLState() : null;
    String message = String.valueOf(e.getMessage()).split("\n", 2)[0];
    return (state == null ? e.getClass().getSimpleName() : "SQLState " + state) + ": " + message;
  }

  @Override
  public synchronized void close() {
    closed = true;
    drop();
  }
}
