package io.faultline.raft.mvcc;

/**
 * A condition of a {@link Txn}: the newest version of {@code key} must have been written at
 * {@code expectedModIndex}, as a read observed it; 0 means the key must not exist (never written, or
 * deleted), as etcd's {@code mod_revision == 0}.
 */
public record Compare(String key, long expectedModIndex) {
  public Compare {
    Txn.requireKey("compare key", key);
    if (expectedModIndex < 0) throw new IllegalArgumentException("expectedModIndex must be >= 0, got " + expectedModIndex);
  }
}
