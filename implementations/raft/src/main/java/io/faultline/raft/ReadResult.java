package io.faultline.raft;

import io.faultline.raft.mvcc.TxnResult;
import java.util.List;

/** A {@link ReadRequest}'s answer: the version read at and each key's value and the index that wrote it (0: absent). */
public record ReadResult(long version, List<TxnResult.Read> reads) {
  public ReadResult {
    reads = List.copyOf(reads);
  }
}
