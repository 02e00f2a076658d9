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
          "through the shapes) or partition-<shape> (halves, majority-minority, isolate-one, bridge, majorities-ring, one-way,",
          "and isolate-leader by name only),",
          "delay, blackhole, bandwidth, reset, slow-close, clock (skew, jump or strobe = timer rate) or clock-<mode>",
          "(and clock-rate by name only: timers 0.1-0.33x or 3-10x),",
          "disk (torn-tail on at most a minority, fsync-stall, lose-unsynced) or disk-<mode>; lose-unsynced honours",
          "--targets majority (lost unsynced writes, then SIGKILL): storage modes need our raft, other systems get torn-tail;",
          "corrupt (our raft: a follower's log gets a byte flipped mid-log, it must refuse to start, is repaired with",
          "faultline raft repair --rebuild and catches up from the leader)."})
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
      description = {"Network fault backend: proxy (a TCP proxy per directed link, anywhere), netns (namespaces + nftables, root)",
          "or toxiproxy (a Toxiproxy proxy per directed link: --toxiproxy, or a container where Docker answers) (default ${DEFAULT-VALUE})."})
  String network;

  @Option(names = "--toxiproxy", paramLabel = "HOST:PORT",
      description = "The Toxiproxy server's API for --network toxiproxy; it must run on this machine (or with host networking).")
  String toxiproxy;

  @Option(names = "--deploy", defaultValue = "local",
      description = "local (child processes, default) or containers (Testcontainers: needs a Docker engine; postgres only).")
  String deploy;

  @Option(names = "--image", paramLabel = "PEER=IMAGE",
      description = "The image of a peer started in a container (postgres, kafka, redis, toxiproxy), e.g. toxiproxy=ghcr.io/shopify/toxiproxy:2.9.0 (repeatable).")
  java.util.Map<String, String> images = new java.util.LinkedHashMap<>();

  @Option(names = "--system-option", paramLabel = "KEY=VALUE",
      description = "An option of the system under test, passed on to it (repeatable), e.g. snapshot-entries=0 or wal-segment-bytes=1048576 for raft; a key the system does not have is refused, naming the ones it has.")
  java.util.Map<String, String> systemOptions = new java.util.LinkedHashMap<>();

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
    io.faultline.containers.PeerImages peerImages = RunSpec.peerImages(spec.images());
    String unmet = unmetInfrastructure(spec);
    if (unmet != null) {
      System.err.println("faultline: " + unmet);
      return Main.EXIT_ERROR;
    }
    AutoCloseable started = startInfrastructure(spec, peerImages);
    try {
      Runner.Outcome o = Campaign.runOne(spec, Progress.forStdout(noProgress));
      System.out.println(Campaign.summary(o));
      return o.result().valid().exitCode();
    } finally {
      started.close();
    }
  }

  RunSpec toSpec() {
    long s = seed != null ? seed : Seeds.fresh();
    List<String> nem = new ArrayList<>();
    for (String n : nemesis) if (!n.isBlank() && !n.equals("none")) nem.add(n.trim());
    Path dir = out != null ? out : defaultOut(system);
    return new RunSpec(system, workload, nem, targets, Durations.parseMs(time), concurrency, s, dir,
        new LinkedHashSet<>(bugs), nodes != null ? nodes : Catalog.defaultNodeCount(system), Durations.parseMs(nemesisInterval), Durations.parseMs(quietPeriod), opsPerKey, keyDist,
        isolation, consistencyModels, network, combined, partitionClients, toxiproxy, deploy, images, systemOptions);
  }

  /** What the infrastructure {@code spec} asks for lacks here, said plainly, or null when nothing does. */
  static String unmetInfrastructure(RunSpec spec) {
    if (spec.deploy().equals("containers")) {
      String refusal = Catalog.containersRefusal(spec.system());
      if (refusal != null) return refusal;
      java.util.Optional<String> reason = io.faultline.containers.DockerEngine.unavailableReason();
      if (reason.isPresent()) return "--deploy containers needs a Docker engine: " + reason.get() + "; use --deploy local";
    }
    if (spec.network().equals("toxiproxy") && spec.toxiproxy() == null
        && io.faultline.local.ToxiproxyNetwork.configuredEndpoint() == null && !io.faultline.containers.DockerEngine.available()) {
      return "--network toxiproxy needs a Toxiproxy server: pass --toxiproxy HOST:PORT (one running on this machine), or run where a"
          + " Docker engine answers to start one in a container; here " + io.faultline.containers.DockerEngine.unavailableReason().orElse("");
    }
    return null;
  }

  /**
   * Names the Toxiproxy server for the deployment ({@link io.faultline.local.ToxiproxyNetwork#ENDPOINT_PROPERTY}),
   * starting one in a container when none is named; what it returns stops what it started.
   */
  static AutoCloseable startInfrastructure(RunSpec spec, io.faultline.containers.PeerImages images) throws java.io.IOException {
    if (!spec.network().equals("toxiproxy")) return () -> { };
    if (spec.toxiproxy() != null) {
      System.setProperty(io.faultline.local.ToxiproxyNetwork.ENDPOINT_PROPERTY, spec.toxiproxy());
      return () -> { };
    }
    if (io.faultline.local.ToxiproxyNetwork.configuredEndpoint() != null) return () -> { };
    io.faultline.containers.PeerContainers peers = io.faultline.containers.PeerContainers.start(List.of("toxiproxy"), images,
        spec.out().toAbsolutePath().normalize().toString());
    System.setProperty(io.faultline.local.ToxiproxyNetwork.ENDPOINT_PROPERTY, peers.endpoint("toxiproxy"));
    return () -> {
      System.clearProperty(io.faultline.local.ToxiproxyNetwork.ENDPOINT_PROPERTY);
      peers.close();
    };
  }

  static Path defaultOut(String system) {
    return Paths.get("results", "runs", system, LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }

  static List<String> split(String csv) {
    return Arrays.asList(csv.split(","));
  }
}
