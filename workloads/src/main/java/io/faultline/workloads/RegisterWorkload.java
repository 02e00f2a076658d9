package io.faultline.workloads;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The register workload: read, write and compare-and-set over independent keys, checked per key for
 * linearizability (Jepsen's {@code jepsen.tests.linearizable-register}).
 *
 * <p>Keys: worker threads form groups of {@code threadsPerKey} (thread {@code t} is in group {@code
 * t / threadsPerKey}); each group works one key at a time, and after {@code opsPerKey} ops on it
 * moves to a key no group has used (Jepsen's {@code independent/concurrent-generator}). That bounds
 * both the concurrency and the number of crashed ({@code info}) ops on any key, which is what keeps
 * a linearizability search per key tractable [1]. {@code uniform} takes fresh keys 0, 1, 2, ...;
 * {@code zipfian} draws the next key from {@code 0..keyCount-1} with weights {@code 1/(k+1)^s},
 * skipping keys that are used up or held by another group.
 *
 * <p>Vocabulary: {@code read} (value null; the completion carries the value read), {@code write}
 * (a Long in {@code 0..valueCount-1}, Jepsen's {@code rand-int 5}), {@code cas} ({@code [old, new]}).
 * Every op has {@code key} set (a Long).
 *
 * <p>Final reads: after the heal, one read of every key the generator handed out. The generator is
 * an immutable value; the keys it handed out are recorded in a set shared with the final generator
 * (a key recorded by a step that a combinator discarded only adds a harmless extra read).
 *
 * <p>[1] P. Gibbons, E. Korach, "Testing shared memories", SIAM J. Comput. 1997: checking
 * linearizability is NP-complete in the number of concurrent operations.
 */
public final class RegisterWorkload {
  private RegisterWorkload() {}

  public static final String NAME = "register";

  /** How a group picks its next key. */
  public enum KeyChoice {
    UNIFORM, ZIPFIAN;

    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** Parses {@code uniform|zipfian}; the message names the field. */
    public static KeyChoice parse(String word) {
      for (KeyChoice k : values()) if (k.label().equals(word)) return k;
      throw new IllegalArgumentException("keyChoice must be uniform or zipfian, got '" + word + "'");
    }
  }

  /**
   * The workload's settings, validated on construction.
   *
   * @param threadsPerKey worker threads sharing one key at a time
   * @param opsPerKey     most ops any key receives over the whole run
   * @param keyChoice     uniform (fresh keys in order) or zipfian (weighted draw from a key space)
   * @param keyCount      size of the zipfian key space; unused for uniform
   * @param zipfExponent  zipfian skew s: key k has weight 1/(k+1)^s
   * @param readWeight    relative frequency of read
   * @param writeWeight   relative frequency of write
   * @param casWeight     relative frequency of cas
   * @param valueCount    values written and compared are 0..valueCount-1
   */
  public record Options(int threadsPerKey, int opsPerKey, KeyChoice keyChoice, int keyCount, double zipfExponent,
                        double readWeight, double writeWeight, double casWeight, int valueCount) {
    public static final int THREADS_PER_KEY_DEFAULT = 3;
    public static final int OPS_PER_KEY_DEFAULT = 200;
    public static final KeyChoice KEY_CHOICE_DEFAULT = KeyChoice.UNIFORM;
    public static final int KEY_COUNT_DEFAULT = 10_000;
    public static final double ZIPF_EXPONENT_DEFAULT = 1.0;
    public static final double READ_WEIGHT_DEFAULT = 1.0;
    public static final double WRITE_WEIGHT_DEFAULT = 1.0;
    public static final double CAS_WEIGHT_DEFAULT = 1.0;
    public static final int VALUE_COUNT_DEFAULT = 5;
    public static final int KEY_COUNT_MAX = 1_000_000;

    public Options {
      Objects.requireNonNull(keyChoice, "keyChoice");
      requirePositive("threadsPerKey", threadsPerKey);
      requirePositive("opsPerKey", opsPerKey);
      requirePositive("valueCount", valueCount);
      if (keyCount < 1 || keyCount > KEY_COUNT_MAX) {
        throw new IllegalArgumentException("keyCount must be 1.." + KEY_COUNT_MAX + ", got " + keyCount);
      }
      if (!(zipfExponent >= 0) || Double.isInfinite(zipfExponent)) {
        throw new IllegalArgumentException("zipfExponent must be finite and >= 0, got " + zipfExponent);
      }
      requireWeight("readWeight", readWeight);
      requireWeight("writeWeight", writeWeight);
      requireWeight("casWeight", casWeight);
      if (readWeight + writeWeight + casWeight <= 0) {
        throw new IllegalArgumentException("readWeight, writeWeight, casWeight: at least one must be positive, got all 0");
      }
    }

    public static Options defaults() {
      return new Options(THREADS_PER_KEY_DEFAULT, OPS_PER_KEY_DEFAULT, KEY_CHOICE_DEFAULT, KEY_COUNT_DEFAULT,
          ZIPF_EXPONENT_DEFAULT, READ_WEIGHT_DEFAULT, WRITE_WEIGHT_DEFAULT, CAS_WEIGHT_DEFAULT, VALUE_COUNT_DEFAULT);
    }

    public Options withThreadsPerKey(int v) { return new Options(v, opsPerKey, keyChoice, keyCount, zipfExponent, readWeight, writeWeight, casWeight, valueCount); }
    public Options withOpsPerKey(int v) { return new Options(threadsPerKey, v, keyChoice, keyCount, zipfExponent, readWeight, writeWeight, casWeight, valueCount); }
    public Options withKeyChoice(KeyChoice v) { return new Options(threadsPerKey, opsPerKey, v, keyCount, zipfExponent, readWeight, writeWeight, casWeight, valueCount); }
    public Options withKeyCount(int v) { return new Options(threadsPerKey, opsPerKey, keyChoice, v, zipfExponent, readWeight, writeWeight, casWeight, valueCount); }
    public Options withZipfExponent(double v) { return new Options(threadsPerKey, opsPerKey, keyChoice, keyCount, v, readWeight, writeWeight, casWeight, valueCount); }
    public Options withWeights(double read, double write, double cas) { return new Options(threadsPerKey, opsPerKey, keyChoice, keyCount, zipfExponent, read, write, cas, valueCount); }
    public Options withValueCount(int v) { return new Options(threadsPerKey, opsPerKey, keyChoice, keyCount, zipfExponent, readWeight, writeWeight, casWeight, v); }

    /** One line per setting with its default, for {@code --help}. */
    public static List<String> defaultsHelp() {
      return List.of(
          "threadsPerKey = " + THREADS_PER_KEY_DEFAULT + "  worker threads sharing one key at a time",
          "opsPerKey     = " + OPS_PER_KEY_DEFAULT + "  most ops any key receives; then its group moves to a fresh key",
          "keyChoice     = " + KEY_CHOICE_DEFAULT.label() + "  uniform (fresh keys 0,1,2,...) or zipfian (weighted draw from keyCount keys)",
          "keyCount      = " + KEY_COUNT_DEFAULT + "  zipfian key space",
          "zipfExponent  = " + ZIPF_EXPONENT_DEFAULT + "  zipfian skew: key k has weight 1/(k+1)^s",
          "mix           = read " + READ_WEIGHT_DEFAULT + " / write " + WRITE_WEIGHT_DEFAULT + " / cas " + CAS_WEIGHT_DEFAULT + "  relative weights",
          "valueCount    = " + VALUE_COUNT_DEFAULT + "  values written and compared are 0..valueCount-1");
    }

    private static void requirePositive(String field, int v) {
      if (v < 1) throw new IllegalArgumentException(field + " must be >= 1, got " + v);
    }

    private static void requireWeight(String field, double v) {
      if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(field + " must be finite and >= 0, got " + v);
    }
  }

  /** The register workload with default options. */
  public static Workload create(long seed) {
    return create(seed, Options.defaults());
  }

  /** The register workload: its generator, a final read of every key handed out, needs REGISTER. */
  public static Workload create(long seed, Options options) {
    Set<Long> touched = new ConcurrentSkipListSet<>();
    Generator main = IndependentRegisterGenerator.start(seed, options, touched);
    return new Workload(NAME, main, new DeferredFinalReads(touched), Set.of(Capability.REGISTER));
  }

  /** The generator alone, recording nothing (for tests and benchmarks). */
  public static Generator generator(long seed, Options options) {
    return IndependentRegisterGenerator.start(seed, options, null);
  }

  /** One read of each key, in the given order, to whichever worker asks. */
  public static Generator finalReads(Collection<?> keys) {
    List<Op> reads = new ArrayList<>();
    for (Object k : keys) reads.add(Op.invoke(0, "read", k, null));
    return Generators.ops(reads);
  }

  /** The keys of a history's client ops, in order (for final reads rebuilt from a history). */
  public static List<Object> keysOf(History history) {
    Set<Long> longs = new TreeSet<>();
    List<Object> others = new ArrayList<>();
    for (Op op : history.ops()) {
      if (!op.isClient() || op.key() == null) continue;
      if (op.key() instanceof Long) longs.add((Long) op.key());
      else if (!others.contains(op.key())) others.add(op.key());
    }
    List<Object> out = new ArrayList<>(longs);
    out.addAll(others);
    return out;
  }

  /** Becomes {@link #finalReads} of the keys recorded so far when first asked, after the main phase. */
  private record DeferredFinalReads(Set<Long> touched) implements Generator {
    @Override
    public Step next(Context ctx) {
      return finalReads(List.copyOf(touched)).next(ctx);
    }
  }
}
