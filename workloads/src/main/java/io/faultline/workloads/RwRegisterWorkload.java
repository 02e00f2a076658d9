package io.faultline.workloads;

import io.faultline.sut.Capability;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Elle's rw-register workload [1]: transactions ({@code f = "txn"}) whose value is a list of
 * micro-ops, {@code ["w", k, v]} or {@code ["r", k, null]}, keys and values {@link Long}. An {@code
 * ok} completion carries the micro-ops with each read's value filled in ({@code null} for a key never
 * written).
 *
 * <p>Written values are 1, 2, 3, ... per key, unique per key, which is what lets Elle recover the
 * write a read observed. Keys, transaction lengths and retirement: {@link TxnOptions}.
 *
 * <p>Final generator: read-only transactions over every key handed out, as in {@link
 * ListAppendWorkload}.
 *
 * <p>[1] K. Kingsbury, P. Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
 * Observations", VLDB 2020.
 */
public final class RwRegisterWorkload {
  private RwRegisterWorkload() {}

  public static final String NAME = "rw-register";
  /** The micro-op function of a write. */
  public static final String WRITE = "w";
  /** The micro-op function of a read. */
  public static final String READ = "r";

  public static Workload create(long seed) {
    return create(seed, TxnOptions.defaults());
  }

  /** The workload: its generator, final reads of every key touched, needs TXN_RW_REGISTER. */
  public static Workload create(long seed, TxnOptions options) {
    Set<Long> touched = new ConcurrentSkipListSet<>();
    Generator main = ElleTxnGenerator.start(WRITE, seed, options, touched);
    return new Workload(NAME, main, new ElleTxnGenerator.DeferredFinalReads(touched), Set.of(Capability.TXN_RW_REGISTER));
  }

  /** The generator alone, recording nothing (for tests and benchmarks). */
  public static Generator generator(long seed, TxnOptions options) {
    return ElleTxnGenerator.start(WRITE, seed, options, null);
  }
}
