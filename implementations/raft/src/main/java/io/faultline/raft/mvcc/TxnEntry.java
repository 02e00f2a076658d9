package io.faultline.raft.mvcc;

/**
 * A txn as a Raft entry carries it, with the client session ({@code clientId} 0 = none, {@code seq}
 * the client's sequence number) that makes a retry apply once, as for a {@link io.faultline.raft.Command}.
 */
public record TxnEntry(long clientId, long seq, Txn txn) {
  public TxnEntry {
    if (txn == null) throw new IllegalArgumentException("txn is required");
  }
}
