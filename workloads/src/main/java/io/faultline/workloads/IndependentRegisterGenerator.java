package io.faultline.workloads;

import io.faultline.history.Op;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The register workload's generator (see {@link RegisterWorkload}): groups of threads on independent
 * keys, each key used for at most {@code opsPerKey} ops. An immutable value: arrays are copied before
 * any change and never written after construction.
 */
final class IndependentRegisterGenerator implements Generator {
  /** How soon a worker whose group has no key left to take asks again while other groups finish. */
  static final long NO_KEY_POLL_NS = 10_000_000L;

  private final RegisterWorkload.Options options;
  private final double[] zipfWeights; // shared, never written after start(); null for uniform
  private final Set<Long> touched;    // keys handed out, shared with the final reads; may be null
  private final SplitMix64 rng;
  private final long[] groupKey;      // the key each group works on, -1 for none yet
  private final int[] groupOps;       // ops the group has issued on its key
  private final long nextFreshKey;    // uniform: the next key never used
  private final BitSet usedUp;        // zipfian: keys that reached opsPerKey

  private IndependentRegisterGenerator(RegisterWorkload.Options options, double[] zipfWeights, Set<Long> touched,
      SplitMix64 rng, long[] groupKey, int[] groupOps, long nextFreshKey, BitSet usedUp) {
    this.options = options;
    this.zipfWeights = zipfWeights;
    this.touched = touched;
    this.rng = rng;
    this.groupKey = groupKey;
    this.groupOps = groupOps;
    this.nextFreshKey = nextFreshKey;
    this.usedUp = usedUp;
  }

  static Generator start(long seed, RegisterWorkload.Options options, Set<Long> touched) {
    double[] weights = null;
    if (options.keyChoice() == RegisterWorkload.KeyChoice.ZIPFIAN) {
      weights = new double[options.keyCount()];
      for (int k = 0; k < weights.length; k++) weights[k] = 1.0 / Math.pow(k + 1, options.zipfExponent());
    }
    return new IndependentRegisterGenerator(options, weights, touched, SplitMix64.seeded(seed),
        new long[0], new int[0], 0, new BitSet());
  }

  @Override
  public Step next(Context ctx) {
    int g = ctx.thread() / options.threadsPerKey();
    int groups = Math.max(groupKey.length, g + 1);
    long[] keys = Arrays.copyOf(groupKey, groups);
    int[] counts = Arrays.copyOf(groupOps, groups);
    for (int i = groupKey.length; i < groups; i++) keys[i] = -1;
    long fresh = nextFreshKey;
    BitSet used = usedUp;
    SplitMix64 r = rng;

    if (keys[g] < 0 || counts[g] >= options.opsPerKey()) {
      long key;
      if (zipfWeights == null) {
        key = fresh++;
      } else {
        if (keys[g] >= 0) {
          used = (BitSet) used.clone();
          used.set((int) keys[g]);
        }
        key = drawZipf(used, keys, g, r);
        r = r.next();
      }
      keys[g] = key;
      counts[g] = 0;
      if (key < 0) {
        Generator rest = new IndependentRegisterGenerator(options, zipfWeights, touched, r, keys, counts, fresh, used);
        for (long k : keys) if (k >= 0) return Step.waitUntil(ctx.timeNs() + NO_KEY_POLL_NS, rest);
        return Step.exhausted();
      }
    }

    long key = keys[g];
    counts[g]++;
    double total = options.readWeight() + options.writeWeight() + options.casWeight();
    double u = r.unit() * total;
    r = r.next();
    int values = options.valueCount();
    Op op;
    if (u < options.readWeight()) {
      op = Op.invoke(ctx.process(), "read", key, null);
    } else if (u < options.readWeight() + options.writeWeight()) {
      op = Op.invoke(ctx.process(), "write", key, r.below(values));
      r = r.next();
    } else {
      op = Op.invoke(ctx.process(), "cas", key, List.of(r.below(values), r.next().below(values)));
      r = r.next().next();
    }
    if (touched != null) touched.add(key);
    return Step.emit(op, new IndependentRegisterGenerator(options, zipfWeights, touched, r, keys, counts, fresh, used));
  }

  /** A zipf-weighted key that is neither used up nor held by another group; -1 when there is none. */
  private long drawZipf(BitSet used, long[] keys, int group, SplitMix64 r) {
    BitSet excluded = (BitSet) used.clone();
    for (int i = 0; i < keys.length; i++) if (i != group && keys[i] >= 0) excluded.set((int) keys[i]);
    double total = 0;
    for (int k = excluded.nextClearBit(0); k < zipfWeights.length; k = excluded.nextClearBit(k + 1)) total += zipfWeights[k];
    if (total <= 0) return -1;
    double u = r.unit() * total;
    long last = -1;
    for (int k = excluded.nextClearBit(0); k < zipfWeights.length; k = excluded.nextClearBit(k + 1)) {
      u -= zipfWeights[k];
      last = k;
      if (u < 0) return k;
    }
    return last;
  }
}
