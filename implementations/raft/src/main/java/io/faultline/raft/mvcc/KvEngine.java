package io.faultline.raft.mvcc;

/**
 * An ordered map of byte keys to byte values, ordered by unsigned bytewise comparison (RocksDB's
 * default comparator), under the {@link MvccStore}. Changes come only as a {@link KvBatch}, applied
 * whole or not at all, so every store record that one log entry changes changes together.
 *
 * <p>One thread owns an engine: implementations need not be thread safe, and a visitor must not
 * write to the engine it is scanning.
 */
public interface KvEngine extends AutoCloseable {
  /** The value under {@code key} (a copy), or null when there is none. */
  byte[] get(byte[] key);

  /** Applies the batch's mutations in order, atomically. */
  void write(KvBatch batch);

  /**
   * Visits the records with {@code fromInclusive <= key < toExclusive} in key order until the
   * visitor returns false. The arrays handed to the visitor are its to keep.
   */
  void scan(byte[] fromInclusive, byte[] toExclusive, Visitor visitor);

  /** Releases the engine's resources; using it afterwards is an IllegalStateException. Idempotent. */
  @Override
  void close();

  /** Receives the records of a {@link #scan}. */
  @FunctionalInterface
  interface Visitor {
    /** @return true to go on to the next record, false to stop */
    boolean visit(byte[] key, byte[] value);
  }
}
