package io.faultline.raft;

import java.util.List;

/**
 * A client's linearizable read of several keys at one version (ReadIndex, or the lease, first): at
 * the applied index once it covers the read index, or at {@code atIndex} when given (the node waits
 * until it has applied that far), or at the store's time {@code atHlcMs} when given. Answered OK with
 * a {@link ReadResult}, or REFUSED with a message (a version compacted away, a time not yet reached).
 *
 * @param atIndex 0: the applied index at the barrier
 * @param atHlcMs 0: none
 */
public record ReadRequest(long requestId, List<String> keys, long atIndex, long atHlcMs) implements Wire {
  /** Keys one read may ask for. */
  public static final int KEYS_MAX = 1_024;

  public ReadRequest {
    keys = List.copyOf(keys);
    if (keys.isEmpty() || keys.size() > KEYS_MAX) throw new IllegalArgumentException("a read asks for 1.." + KEYS_MAX + " keys, got " + keys.size());
    for (String k : keys) io.faultline.raft.mvcc.Txn.requireKey("key", k);
    if (atIndex < 0 || atHlcMs < 0) throw new IllegalArgumentException("version and timestamp must be >= 0");
    if (atIndex > 0 && atHlcMs > 0) throw new IllegalArgumentException("a read is at a version or at a timestamp, not both");
  }
}
