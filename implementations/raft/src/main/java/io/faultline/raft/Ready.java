package io.faultline.raft;

import java.util.List;

/**
 * A batch of work from {@link RaftCore#ready()} (etcd raft's Ready). The driver must, in this order:
 * persist {@code hardState} (when non-null) and {@code entries} (an entry supersedes any earlier entry
 * with the same index or higher) and fsync; call {@link RaftCore#advance(Ready)}; send
 * {@code messages}; apply {@code committed} in order; serve {@code reads} once applied up to their index.
 * A {@code snapshot} (installed from the leader; may be null) comes before all of that: made durable
 * first, the log restarted after it (the entries that follow are the whole log after its index), and
 * the state machine restored from it before {@code committed} is applied.
 */
public record Ready(HardState hardState, List<Entry> entries, List<Message> messages, List<Entry> committed,
    List<ReadState> reads, Snapshot snapshot) {
  /** A Ready without a snapshot. */
  public Ready(HardState hardState, List<Entry> entries, List<Message> messages, List<Entry> committed, List<ReadState> reads) {
    this(hardState, entries, messages, committed, reads, null);
  }

  public Ready {
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    committed = List.copyOf(committed);
    reads = List.copyOf(reads);
  }

  public boolean needsPersist() { return hardState != null || !entries.isEmpty() || snapshot != null; }
}
