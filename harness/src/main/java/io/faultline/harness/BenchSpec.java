package io.faultline.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Everything a benchmark needs, validated once with messages that name the option and the bad value.
 *
 * @param system      our system (or any), measured first
 * @param vs          the peer it is compared with, measured second; null for one system alone
 * @param workload    the bench workload: {@value #WORKLOAD_WRITE}, or a snapshot benchmark ({@link BenchSnapshots})
 * @param timeMs      how long the throughput phase measures, after the warm-up
 * @param warmupMs    writes before the measurement starts, not counted (JIT, connections, leader known)
 * @param concurrency closed-loop client threads of the throughput phase
 * @param kills       leader kills of the election phase, per system; 0 skips the phase
 * @param seed        the run's seed: keys, values and the pauses before kills derive from it
 * @param nodes       cluster size
 * @param out         the bench directory: bench.json, spec.json and one run directory per system
 */
record BenchSpec(String system, String vs, String workload, long timeMs, long warmupMs, int concurrency, int kills,
    long seed, int nodes, Path out) {
  static final String WORKLOAD_WRITE = "write";
  static final List<String> WORKLOADS = List.of(WORKLOAD_WRITE, BenchSnapshotSpec.WORKLOAD_RECOVERY, BenchSnapshotSpec.WORKLOAD_CATCH_UP,
      BenchTxn.WORKLOAD);
  static final long TIME_MS_MAX = 3_600_000;
  static final long WARMUP_MS_MAX = 600_000;
  static final int CONCURRENCY_MAX = 1_024;
  static final int KILLS_MAX = 1_000;
  /** A leader kill needs a majority left to elect a new one: with 2 nodes there is none. */
  static final int NODES_MIN_FOR_KILLS = 3;

  BenchSpec {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(out, "out");
    List<String> known = new ArrayList<>(new TreeSet<String>(setOf(new Catalog.SystemNames())));
    require(known.contains(system), "--system", system, "a known system: " + String.join(", ", known));
    if (vs != null) {
      require(known.contains(vs), "--vs", vs, "a known system: " + String.join(", ", known));
      require(!vs.equals(system), "--vs", vs, "a system other than --system");
    }
    require(WORKLOADS.contains(workload), "--workload", workload, "a bench workload: " + String.join(", ", WORKLOADS));
    require(timeMs >= 1_000 && timeMs <= TIME_MS_MAX, "--time", Durations.format(timeMs), "between 1s and 1h");
    require(warmupMs >= 0 && warmupMs <= WARMUP_MS_MAX, "--warmup", Durations.format(warmupMs), "between 0s and 10m");
    require(concurrency >= 1 && concurrency <= CONCURRENCY_MAX, "--concurrency", String.valueOf(concurrency), "1.." + CONCURRENCY_MAX);
    require(kills >= 0 && kills <= KILLS_MAX, "--kills", String.valueOf(kills), "0.." + KILLS_MAX);
    require(nodes >= 1 && nodes <= 9, "--nodes", String.valueOf(nodes), "1..9");
    require(kills == 0 || nodes >= NODES_MIN_FOR_KILLS, "--nodes", String.valueOf(nodes),
        "at least " + NODES_MIN_FOR_KILLS + " when --kills is above 0 (a majority must survive a leader kill)");
  }

  /** The systems in the order they run: ours first, then the peer. */
  List<String> systems() {
    return vs == null ? List.of(system) : List.of(system, vs);
  }

  /** The exact command line that runs this benchmark again. */
  String command() {
    return "./faultline bench --system " + system + (vs == null ? "" : " --vs " + vs) + " --workload " + workload
        + " --time " + Durations.format(timeMs) + " --warmup " + Durations.format(warmupMs) + " --concurrency " + concurrency
        + " --kills " + kills + " --nodes " + nodes + " --seed " + seed + " --out " + out;
  }

  private static List<String> setOf(Iterable<String> names) {
    List<String> l = new ArrayList<>();
    for (String n : names) l.add(n);
    return l;
  }

  private static void require(boolean ok, String option, String value, String expected) {
    if (!ok) throw new IllegalArgumentException("option " + option + ": '" + value + "' is not allowed; expected " + expected);
  }
}
