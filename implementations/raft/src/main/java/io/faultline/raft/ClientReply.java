package io.faultline.raft;

/**
 * A node's answer. OK, CAS_FAILED and REFUSED are definite; NOT_LEADER and BUSY mean this attempt did
 * nothing (an earlier attempt of the same command may still apply).
 *
 * @param value read: the value (null = absent); CAS_FAILED: the current value; a txn: its
 *              {@link io.faultline.raft.mvcc.TxnResult}; a {@link ReadRequest}: its {@link ReadResult};
 *              REFUSED: why (a String)
 * @param leaderHint the node's idea of the leader, 0 when it has none
 */
public record ClientReply(long requestId, Status status, Object value, int leaderHint) implements Wire {
  public enum Status { OK, CAS_FAILED, NOT_LEADER, BUSY, REFUSED }
}
