package io.faultline.workloads;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Transactions of Elle micro-ops {@code [f, k, v]}: reads {@code ["r", k, null]} and writes {@code
 * [writeF, k, v]} over a pool of {@code keyCount} active keys. The n-th write to a key carries the
 * value n, so values are unique per key; after {@code maxWritesPerKey} writes a key retires and the
 * next fresh key (keyCount, keyCount+1, ...) takes its slot.
 *
 * <p>An immutable value: the pool and the write counts are copied on every step (the pool is small).
 * {@code touched}, when not null, is a set shared with the final generator that records every key
 * handed out.
 */
record ElleTxnGenerator(String writeF, TxnOptions options, List<Long> activeKeys, List<Long> writeCounts, long nextKey,
                        SplitMix64 rng, Set<Long> touched) implements Generator {
  /** Most keys a final read-only transaction reads; more keys take several transactions. */
  static final int FINAL_READ_KEYS_PER_TXN = 64;

  static ElleTxnGenerator start(String writeF, long seed, TxnOptions options, Set<Long> touched) {
    List<Long> keys = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (long k = 0; k < options.keyCount(); k++) {
      keys.add(k);
      counts.add(0L);
    }
    return new ElleTxnGenerator(writeF, options, List.copyOf(keys), List.copyOf(counts), options.keyCount(),
        SplitMix64.seeded(seed), touched);
  }

  @Override
  public Step next(Context ctx) {
    SplitMix64 r = rng.fork();
    List<Long> keys = new ArrayList<>(activeKeys);
    List<Long> counts = new ArrayList<>(writeCounts);
    long fresh = nextKey;
    int length = (int) r.between(options.minTxnLength(), options.maxTxnLength());
    r = r.next();
    List<Object> txn = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      int slot = (int) r.below(keys.size());
      r = r.next();
      boolean read = r.unit() < options.readFraction();
      r = r.next();
      Long key = keys.get(slot);
      if (touched != null) touched.add(key);
      if (read) {
        txn.add(microOp("r", key, null));
      } else {
        long value = counts.get(slot) + 1;
        txn.add(microOp(writeF, key, value));
        if (value >= options.maxWritesPerKey()) {
          keys.set(slot, fresh++);
          counts.set(slot, 0L);
        } else {
          counts.set(slot, value);
        }
      }
    }
    Op op = Op.invoke(ctx.process(), "txn", null, Collections.unmodifiableList(txn));
    return Step.emit(op, new ElleTxnGenerator(writeF, options, List.copyOf(keys), List.copyOf(counts), fresh, rng.next(),
        touched));
  }

  /** {@code [f, k, v]}; v may be null, so not {@code List.of}. */
  static List<Object> microOp(String f, Long key, Long value) {
    return Collections.unmodifiableList(Arrays.asList(f, key, value));
  }

  /** Read-only transactions covering {@code keys} in order, {@link #FINAL_READ_KEYS_PER_TXN} keys each. */
  static Generator finalReads(Collection<Long> keys) {
    List<Op> txns = new ArrayList<>();
    List<Object> txn = new ArrayList<>();
    for (Long k : keys) {
      txn.add(microOp("r", k, null));
      if (txn.size() == FINAL_READ_KEYS_PER_TXN) {
        txns.add(Op.invoke(0, "txn", null, Collections.unmodifiableList(txn)));
        txn = new ArrayList<>();
      }
    }
    if (!txn.isEmpty()) txns.add(Op.invoke(0, "txn", null, Collections.unmodifiableList(txn)));
    return Generators.ops(txns);
  }

  /** Becomes {@link #finalReads} of the keys recorded so far when first asked, after the main phase. */
  record DeferredFinalReads(Set<Long> touched) implements Generator {
    @Override
    public Step next(Context ctx) {
      return finalReads(List.copyOf(touched)).next(ctx);
    }
  }
}
