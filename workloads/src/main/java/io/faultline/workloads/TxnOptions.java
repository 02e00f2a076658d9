package io.faultline.workloads;

import java.util.List;

/**
 * Settings of the Elle transactional workloads ({@link ListAppendWorkload}, {@link
 * RwRegisterWorkload}), validated on construction. Defaults follow Elle's generators [1]: few active
 * keys so transactions contend, at most 4 micro-ops per transaction, and a key retires after 32
 * writes, a fresh key taking its place (which keeps every key's version order short to infer).
 *
 * <p>[1] K. Kingsbury, P. Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
 * Observations", VLDB 2020; {@code elle.list-append/gen} and {@code elle.rw-register/gen}.
 *
 * @param keyCount        keys active at any time
 * @param minTxnLength    fewest micro-ops in a transaction
 * @param maxTxnLength    most micro-ops in a transaction
 * @param maxWritesPerKey writes a key receives before it retires
 * @param readFraction    probability that a micro-op is a read, in [0, 1]
 */
public record TxnOptions(int keyCount, int minTxnLength, int maxTxnLength, int maxWritesPerKey, double readFraction) {
  public static final int KEY_COUNT_DEFAULT = 5;
  public static final int MIN_TXN_LENGTH_DEFAULT = 1;
  public static final int MAX_TXN_LENGTH_DEFAULT = 4;
  public static final int MAX_WRITES_PER_KEY_DEFAULT = 32;
  public static final double READ_FRACTION_DEFAULT = 0.5;
  public static final int KEY_COUNT_MAX = 10_000;
  public static final int TXN_LENGTH_MAX = 1_000;

  public TxnOptions {
    if (keyCount < 1 || keyCount > KEY_COUNT_MAX) {
      throw new IllegalArgumentException("keyCount must be 1.." + KEY_COUNT_MAX + ", got " + keyCount);
    }
    if (minTxnLength < 1 || minTxnLength > TXN_LENGTH_MAX) {
      throw new IllegalArgumentException("minTxnLength must be 1.." + TXN_LENGTH_MAX + ", got " + minTxnLength);
    }
    if (maxTxnLength < minTxnLength || maxTxnLength > TXN_LENGTH_MAX) {
      throw new IllegalArgumentException("maxTxnLength must be minTxnLength (" + minTxnLength + ").." + TXN_LENGTH_MAX
          + ", got " + maxTxnLength);
    }
    if (maxWritesPerKey < 1) throw new IllegalArgumentException("maxWritesPerKey must be >= 1, got " + maxWritesPerKey);
    if (!(readFraction >= 0 && readFraction <= 1)) {
      throw new IllegalArgumentException("readFraction must be in [0, 1], got " + readFraction);
    }
  }

  public static TxnOptions defaults() {
    return new TxnOptions(KEY_COUNT_DEFAULT, MIN_TXN_LENGTH_DEFAULT, MAX_TXN_LENGTH_DEFAULT, MAX_WRITES_PER_KEY_DEFAULT,
        READ_FRACTION_DEFAULT);
  }

  public TxnOptions withKeyCount(int v) { return new TxnOptions(v, minTxnLength, maxTxnLength, maxWritesPerKey, readFraction); }
  public TxnOptions withTxnLength(int min, int max) { return new TxnOptions(keyCount, min, max, maxWritesPerKey, readFraction); }
  public TxnOptions withMaxWritesPerKey(int v) { return new TxnOptions(keyCount, minTxnLength, maxTxnLength, v, readFraction); }
  public TxnOptions withReadFraction(double v) { return new TxnOptions(keyCount, minTxnLength, maxTxnLength, maxWritesPerKey, v); }

  /** One line per setting with its default, for {@code --help}. */
  public static List<String> defaultsHelp() {
    return List.of(
        "keyCount        = " + KEY_COUNT_DEFAULT + "  keys active at any time (few, so transactions contend)",
        "minTxnLength    = " + MIN_TXN_LENGTH_DEFAULT + "  fewest micro-ops per transaction",
        "maxTxnLength    = " + MAX_TXN_LENGTH_DEFAULT + "  most micro-ops per transaction",
        "maxWritesPerKey = " + MAX_WRITES_PER_KEY_DEFAULT + "  writes a key receives before a fresh key replaces it",
        "readFraction    = " + READ_FRACTION_DEFAULT + "  probability that a micro-op is a read");
  }
}
