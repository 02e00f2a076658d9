package io.faultline.benchmarks;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.ListAppendChecker;
import io.faultline.checkers.TxnCheckerOptions;
import io.faultline.history.History;
import java.util.List;

/**
 * One cold check of a large simulated list-append history, outside JMH: {@code java -cp
 * benchmarks/target/benchmarks.jar io.faultline.benchmarks.ListAppendColdCheck TXNS [MODEL]}. Prints
 * the history size, the verdict, the check's wall time and the heap in use after it.
 */
public final class ListAppendColdCheck {
  private ListAppendColdCheck() {}

  public static void main(String[] args) {
    int txns = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    String model = args.length > 1 ? args[1] : "strict-serializable";
    long genStartNs = System.nanoTime();
    History h = ListAppendCheckerBenchmark.generate(txns);
    long genMs = (System.nanoTime() - genStartNs) / 1_000_000;
    long startNs = System.nanoTime();
    CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of(model))).check(h);
    long ms = (System.nanoTime() - startNs) / 1_000_000;
    Runtime rt = Runtime.getRuntime();
    long usedMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
    System.out.println("txns=" + txns + " ops=" + h.size() + " model=" + model + " generate_ms=" + genMs + " valid="
        + r.valid() + " check_ms=" + ms + " edges=" + r.details().get("edges") + " txn_outcomes=" + r.details().get("txns")
        + " heap_used_mb=" + usedMb + " max_heap_mb=" + (rt.maxMemory() >> 20));
  }
}
