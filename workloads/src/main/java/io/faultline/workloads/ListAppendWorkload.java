package io.faultline.workloads;

import io.faultline.sut.Capability;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Elle's list-append workload [1]: transactions ({@code f = "txn"}) whose value is a list of 1–4
 * micro-ops, {@code ["append", k, v]} or {@code ["r", k, null]}, keys and values {@link Long}. An
 * {@code ok} completion carries the same micro-ops with each read's value filled in: the list read,
 * {@code []} for a key never appended to.
 *
 * <p>Appended values are 1, 2, 3, ... per key, so every value is unique per key and a read's list
 * names the writes it saw, in order. Keys, transaction lengths and retirement: {@link TxnOptions}.
 *
 * <p>Final generator: read-only transactions reading every key the generator handed out, at most
 * {@value ElleTxnGenerator#FINAL_READ_KEYS_PER_TXN} keys per transaction, in key order.
 *
 * <p>[1] K. Kingsbury, P. Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
 * Observations", VLDB 2020.
 */
public final class ListAppendWorkload {
  private ListAppendWorkload() {}

  public static final String NAME = "list-append";
  /** The micro-op function of an append. */
  public static final String APPEND = "append";
  /** The micro-op function of a read. */
  public static final String READ = "r";

  public static Workload create(long seed) {
    return create(seed, TxnOptions.defaults());
  }

  /** The workload: its generator, final reads of every key touched, needs TXN_LIST_APPEND. */
  public static Workload create(long seed, TxnOptions options) {
    Set<Long> touched = new ConcurrentSkipListSet<>();
    Generator main = ElleTxnGenerator.start(APPEND, seed, options, touched);
    return new Workload(NAME, main, new ElleTxnGenerator.DeferredFinalReads(touched), Set.of(Capability.TXN_LIST_APPEND));
  }

  /** The generator alone, recording nothing (for tests and benchmarks). */
  public static Generator generator(long seed, TxnOptions options) {
    return ElleTxnGenerator.start(APPEND, seed, options, null);
  }
}
