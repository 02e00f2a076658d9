package io.faultline.harness;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code faultline run}: one system, one workload, one nemesis, judged. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs a workload against a cluster while a nemesis injects faults, then checks the history.",
        "Writes DIR/spec.json (at the start), DIR/history.jsonl (as it happens), DIR/result.json and DIR/report.html.",
        "Exit 0 when valid, 1 when anomalies were found or the checkers could not decide, 2 on error."})
final class RunCommand implements Callable<Integer> {
  @Option(names = "--system", required = true, description = "System under test: ${COMPLETION-CANDIDATES}.",
      completionCandidates = Catalog.SystemNames.class)
  String system;

  @Option(names = "--workload", defaultValue = "register", description = "Workload: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = Catalog.WorkloadNames.class)
  String workload;

  @Option(names = "--nemesis", defaultValue = "none", split = ",",
      description = {"Fault families, comma-separated, or none (default ${DEFAULT-VALUE}): kill, pause, partition (cycles",
          "through the shapes) or partition-<shape> (halves, majority-minority, isolate-one, bridge, majorities-ring, one-way),",
          "delay, blackhole, bandwidth, reset, slow-close, clock, disk."})
  List<String> nemesis;

  @Option(names = "--targets", defaultValue = "one",
      description = "Nodes a fault hits: one, minority, majority, all, leader (default ${DEFAULT-VALUE}).")
  String targets;

  @Option(names = "--time", defaultValue = "30s", description = "How long the workload runs; heal, quiet period and final reads come after (default ${DEFAULT-VALUE}).")
  String time;

  @Option(names = "--concurrency", defaultValue = "10", description = "Client worker threads, one logical process each (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--seed", description = "The run's seed; every random choice derives from it (default: chosen and logged).")
  Long seed;

  @Option(names = "--out", description = "Run directory (default results/runs/<system>/<timestamp>).")
  Path out;

  @Option(names = "--bug", description = "Switch on a planted bug, e.g. ratis.stale-read (repeatable).")
  List<String> bugs = new ArrayList<>();

  @Option(names = "--nodes", description = "Cluster size (default: 3; 1 for postgres, which runs one server).")
  Integer nodes;

  @Option(names = "--nemesis-interval", defaultValue = "10s", description = "Mean time between faults (default ${DEFAULT-VALUE}).")
  String nemesisInterval;

  @Option(names = "--quiet-period", defaultValue = "5s", description = "Wait after healing, before the final reads (default ${DEFAULT-VALUE}).")
  String quietPeriod;

  @Option(names = "--ops-per-key", defaultValue = "200",
      description = "register: ops on one key before its group of processes moves to a fresh key (default ${DEFAULT-VALUE}).")
  int opsPerKey;

  @Option(names = "--key-dist", defaultValue = "uniform",
      description = "register: how the next key is chosen, uniform (fresh keys in order) or zipfian (default ${DEFAULT-VALUE}).")
  String keyDist;

  @Option(names = "--network", defaultValue = "proxy",
      description = "Network fault backend: proxy (a TCP proxy per directed link, anywhere) or netns (namespaces + nftables, root) (default ${DEFAULT-VALUE}).")
  String network;

  @Option(names = "--combined", description = "Several fault families at once instead of one at a time.")
  boolean combined;

  @Option(names = "--partition-clients", description = "Partitions also cut the harness's clients off (default: clients reach every node).")
  boolean partitionClients;

  @Option(names = "--isolation",
      description = "Transactional systems (postgres): serializable, repeatable-read or read-committed (default: serializable for postgres).")
  String isolation;

  @Option(names = "--consistency-models", defaultValue = "strict-serializable", split = ",",
      description = "Transactional workloads: the models to judge against, Elle's names (default ${DEFAULT-VALUE}).")
  List<String> consistencyModels;

  @Option(names = "--no-progress", description = "No progress output, only the verdict.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    RunSpec spec = toSpec();
    Runner.Outcome o = Campaign.runOne(spec, Progress.forStdout(noProgress));
    System.out.println(Campaign.summary(o));
    return o.result().valid().exitCode();
  }

  RunSpec toSpec() {
    long s = seed != null ? seed : Seeds.fresh();
    List<String> nem = new ArrayList<>();
    for (String n : nemesis) if (!n.isBlank() && !n.equals("none")) nem.add(n.trim());
    Path dir = out != null ? out : defaultOut(system);
    return new RunSpec(system, workload, nem, targets, Durations.parseMs(time), concurrency, s, dir,
        new LinkedHashSet<>(bugs), nodes != null ? nodes : Catalog.defaultNodeCount(system), Durations.parseMs(nemesisInterval), Durations.parseMs(quietPeriod), opsPerKey, keyDist,
        isolation, consistencyModels, network, combined, partitionClients);
  }

  static Path defaultOut(String system) {
    return Paths.get("results", "runs", system, LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }

  static List<String> split(String csv) {
    return Arrays.asList(csv.split(","));
  }
}
