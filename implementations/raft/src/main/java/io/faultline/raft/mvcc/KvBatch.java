package io.faultline.raft.mvcc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Puts and deletes that a {@link KvEngine} applies in order and atomically; a later mutation of a key wins. */
public final class KvBatch {
  /** Mutations in one batch: the store's largest is a compaction chunk or a transaction of {@link Txn#OPS_MAX} writes. */
  public static final int MUTATIONS_MAX = 100_000;

  /** A put of {@code value}, or a delete when {@code value} is null. */
  public record Mutation(byte[] key, byte[] value) {}

  private final List<Mutation> mutations = new ArrayList<>();

  public KvBatch put(byte[] key, byte[] value) {
    if (value == null) throw new IllegalArgumentException("a put needs a value; use delete");
    return add(new Mutation(key.clone(), value.clone()));
  }

  public KvBatch delete(byte[] key) {
    return add(new Mutation(key.clone(), null));
  }

  public List<Mutation> mutations() { return Collections.unmodifiableList(mutations); }

  public int size() { return mutations.size(); }

  private KvBatch add(Mutation m) {
    if (mutations.size() >= MUTATIONS_MAX) throw new IllegalStateException("batch already holds " + MUTATIONS_MAX + " mutations");
    mutations.add(m);
    return this;
  }
}
