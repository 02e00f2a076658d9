package io.faultline.raft.mvcc;

import java.util.List;

/**
 * A txn's outcome. Every status but {@link Status#COMMITTED} means this entry changed no data: the
 * txn certainly did not apply (a {@link Status#REFUSED} retry's first attempt may have, earlier).
 *
 * @param failedAt the position of the failed compare (COMPARE_FAILED) or op (OP_FAILED); -1 otherwise
 * @param failure  why, for a person; null when committed
 * @param reads    one per GET op, in op order; empty unless committed
 */
public record TxnResult(Status status, int failedAt, String failure, List<Read> reads) {
  public enum Status {
    COMMITTED,
    /** A compare did not hold. */
    COMPARE_FAILED,
    /** An op could not apply: an APPEND to a value that is not a list, or to a full list. */
    OP_FAILED,
    /** A retry of a sequence number older than the client's last, or one that was not a txn. */
    REFUSED
  }

  /** A GET's answer: the value (null when absent) and the index that wrote it (0 when absent). */
  public record Read(String key, Object value, long modIndex) {
    public Read {
      Txn.requireKey("read key", key);
      if (modIndex < 0) throw new IllegalArgumentException("modIndex must be >= 0, got " + modIndex);
      if ((value == null) != (modIndex == 0)) throw new IllegalArgumentException("a read has a value exactly when its modIndex is not 0");
    }
  }

  public TxnResult {
    if (status == null) throw new IllegalArgumentException("status is required");
    reads = List.copyOf(reads);
    if (status == Status.COMMITTED) {
      if (failedAt != -1 || failure != null) throw new IllegalArgumentException("a committed txn has no failure");
    } else {
      if (failure == null) throw new IllegalArgumentException(status + " needs a failure message");
      if (!reads.isEmpty()) throw new IllegalArgumentException(status + " has no reads");
      boolean positioned = status == Status.COMPARE_FAILED || status == Status.OP_FAILED;
      if (positioned ? failedAt < 0 : failedAt != -1) throw new IllegalArgumentException(status + " with failedAt " + failedAt);
    }
  }

  public static TxnResult committed(List<Read> reads) { return new TxnResult(Status.COMMITTED, -1, null, reads); }

  public static TxnResult compareFailed(int compare, String failure) { return new TxnResult(Status.COMPARE_FAILED, compare, failure, List.of()); }

  public static TxnResult opFailed(int op, String failure) { return new TxnResult(Status.OP_FAILED, op, failure, List.of()); }

  public static TxnResult refused(String failure) { return new TxnResult(Status.REFUSED, -1, failure, List.of()); }

  public boolean succeeded() { return status == Status.COMMITTED; }
}
