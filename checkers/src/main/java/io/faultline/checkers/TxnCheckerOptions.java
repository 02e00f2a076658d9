package io.faultline.checkers;

import java.util.ArrayList;
import java.util.List;

/**
 * Options of the transactional checkers ({@link ListAppendChecker}, {@link RwRegisterChecker}), as
 * Elle's: validated once, here.
 *
 * @param consistencyModels     the models to judge against (Elle's names, see {@link ConsistencyModels#known()})
 * @param cycleSearchTimeoutMs  time for the cycle search in each strongly connected component; 0 gives up at once
 * @param wfrKeys               rw-register: within a txn, a write follows the version it read of that key
 * @param sequentialKeys        rw-register: each key is sequentially consistent (process order orders versions)
 * @param linearizableKeys      rw-register: each key is linearizable (realtime order orders versions)
 */
public record TxnCheckerOptions(List<String> consistencyModels, long cycleSearchTimeoutMs, boolean wfrKeys,
    boolean sequentialKeys, boolean linearizableKeys) {

  public static final List<String> MODELS_DEFAULT = List.of("strict-serializable");
  /** Elle's default, per component. */
  public static final long CYCLE_SEARCH_TIMEOUT_MS_DEFAULT = 1000;

  public TxnCheckerOptions {
    if (consistencyModels == null || consistencyModels.isEmpty()) {
      throw new IllegalArgumentException("consistencyModels must name at least one model, got " + consistencyModels);
    }
    List<String> canon = new ArrayList<>();
    for (String m : consistencyModels) {
      if (m == null) throw new IllegalArgumentException("consistencyModels must not contain null: " + consistencyModels);
      String c = ConsistencyModels.canonical(m);
      if (!canon.contains(c)) canon.add(c);
    }
    consistencyModels = List.copyOf(canon);
    if (cycleSearchTimeoutMs < 0) {
      throw new IllegalArgumentException("cycleSearchTimeoutMs must be >= 0, got " + cycleSearchTimeoutMs);
    }
  }

  /** strict-serializable, 1 s per component, no extra register inference. */
  public static TxnCheckerOptions defaults() { return of(MODELS_DEFAULT); }

  public static TxnCheckerOptions of(List<String> models) {
    return new TxnCheckerOptions(models, CYCLE_SEARCH_TIMEOUT_MS_DEFAULT, false, false, false);
  }

  public TxnCheckerOptions withModels(List<String> models) {
    return new TxnCheckerOptions(models, cycleSearchTimeoutMs, wfrKeys, sequentialKeys, linearizableKeys);
  }

  public TxnCheckerOptions withCycleSearchTimeoutMs(long ms) {
    return new TxnCheckerOptions(consistencyModels, ms, wfrKeys, sequentialKeys, linearizableKeys);
  }

  public TxnCheckerOptions withKeyInference(boolean wfr, boolean sequential, boolean linearizable) {
    return new TxnCheckerOptions(consistencyModels, cycleSearchTimeoutMs, wfr, sequential, linearizable);
  }
}
