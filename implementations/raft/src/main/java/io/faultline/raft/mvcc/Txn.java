package io.faultline.raft.mvcc;

import io.faultline.raft.Command;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A multi-key transaction, etcd's Txn without the else branch: when every compare holds, the ops
 * apply in order, all at the version of the log entry that carries the txn; when any fails, nothing
 * applies. A client that read keys at some version commits writes based on them with one compare per
 * key read (optimistic concurrency control).
 */
public record Txn(List<Compare> compares, List<Op> ops) {
  public static final int KEY_BYTES_MAX = Command.KEY_BYTES_MAX;
  public static final int VALUE_BYTES_MAX = Command.VALUE_BYTES_MAX;
  public static final int LIST_LENGTH_MAX = Command.LIST_LENGTH_MAX;
  public static final int COMPARES_MAX = 128;
  public static final int OPS_MAX = 128;
  /** Encoded size of a txn's compares and ops: far below a Raft entry's limit, and one entry's apply stays short. */
  public static final int BYTES_MAX = 1 << 20;

  public Txn {
    if (compares == null) throw new IllegalArgumentException("compares is required (may be empty)");
    if (ops == null) throw new IllegalArgumentException("ops is required (may be empty)");
    for (Compare c : compares) if (c == null) throw new IllegalArgumentException("a txn's compares must not be null");
    for (Op o : ops) if (o == null) throw new IllegalArgumentException("a txn's ops must not be null");
    compares = List.copyOf(compares);
    ops = List.copyOf(ops);
    if (compares.isEmpty() && ops.isEmpty()) throw new IllegalArgumentException("a txn needs at least one compare or op");
    if (compares.size() > COMPARES_MAX) throw new IllegalArgumentException("txn of " + compares.size() + " compares, more than " + COMPARES_MAX);
    if (ops.size() > OPS_MAX) throw new IllegalArgumentException("txn of " + ops.size() + " ops, more than " + OPS_MAX);
    long bytes = 0;
    for (Compare c : compares) bytes += 2 + c.key().getBytes(StandardCharsets.UTF_8).length + 8;
    for (Op o : ops) bytes += o.encodedBytes();
    if (bytes > BYTES_MAX) throw new IllegalArgumentException("txn of " + bytes + " encoded bytes, more than " + BYTES_MAX);
  }

  /** A txn without compares. */
  public static Txn of(Op... ops) { return new Txn(List.of(), List.of(ops)); }

  public static void requireKey(String field, String key) {
    if (key == null || key.isEmpty()) throw new IllegalArgumentException(field + " must be a non-empty string");
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > KEY_BYTES_MAX) throw new IllegalArgumentException(field + " of " + bytes + " bytes, more than " + KEY_BYTES_MAX);
  }
}
