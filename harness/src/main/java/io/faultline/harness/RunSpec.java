package io.faultline.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a run needs, validated once with messages that name the option and the bad value.
 *
 * @param system            system under test (ratis, ...)
 * @param workload          workload name (register, ...)
 * @param nemeses           fault families (kill, pause); empty for a quiet run
 * @param targets           which nodes a fault hits: one, minority, majority, all, leader
 * @param timeMs            how long the workload runs, before heal, quiet period and final reads
 * @param concurrency       client worker threads
 * @param seed              the run's seed
 * @param out               the run directory
 * @param bugs              planted bugs to switch on
 * @param nodes             cluster size
 * @param nemesisIntervalMs mean time between faults
 * @param quietMs           the quiet period after the heal, before final reads
 * @param opsPerKey         register workload: ops per key before its group moves on
 * @param keyDistribution   register workload: uniform or zipfian
 * @param isolation         transactional systems: the isolation level asked of the database, or null
 * @param consistencyModels transactional workloads: the models the history is judged against
 * @param network           the network fault backend: proxy (default, anywhere), netns (root) or toxiproxy
 *                          (a Toxiproxy server on this machine)
 * @param combined          several fault families at once instead of one at a time
 * @param partitionClients  partitions also cut the harness's clients off the minority
 * @param toxiproxy         the Toxiproxy server's API, HOST:PORT, for network toxiproxy; null to start one in
 *                          a container where a Docker engine answers
 * @param deploy            local (child processes, default) or containers (Testcontainers, needs Docker)
 * @param images            peer name to image, for peers started in containers (--image); empty for the defaults
 * @param options           options of the system under test as given (--system-option KEY=VALUE), passed on
 *                          to it; the system refuses a key it does not have
 */
record RunSpec(String system, String workload, List<String> nemeses, String targets, long timeMs, int concurrency,
    long seed, Path out, Set<String> bugs, int nodes, long nemesisIntervalMs, long quietMs, int opsPerKey,
    String keyDistribution, String isolation, List<String> consistencyModels, String network, boolean combined,
    boolean partitionClients, String toxiproxy, String deploy, java.util.Map<String, String> images,
    java.util.Map<String, String> options) {

  /** A run without system options. */
  RunSpec(String system, String workload, List<String> nemeses, String targets, long timeMs, int concurrency,
      long seed, Path out, Set<String> bugs, int nodes, long nemesisIntervalMs, long quietMs, int opsPerKey,
      String keyDistribution, String isolation, List<String> consistencyModels, String network, boolean combined,
      boolean partitionClients, String toxiproxy, String deploy, java.util.Map<String, String> images) {
    this(system, workload, nemeses, targets, timeMs, concurrency, seed, out, bugs, nodes, nemesisIntervalMs, quietMs, opsPerKey,
        keyDistribution, isolation, consistencyModels, network, combined, partitionClients, toxiproxy, deploy, images,
        java.util.Map.of());
  }

  /** A run with the default images. */
  RunSpec(String system, String workload, List<String> nemeses, String targets, long timeMs, int concurrency,
      long seed, Path out, Set<String> bugs, int nodes, long nemesisIntervalMs, long quietMs, int opsPerKey,
      String keyDistribution, String isolation, List<String> consistencyModels, String network, boolean combined,
      boolean partitionClients, String toxiproxy, String deploy) {
    this(system, workload, nemeses, targets, timeMs, concurrency, seed, out, bugs, nodes, nemesisIntervalMs, quietMs, opsPerKey,
        keyDistribution, isolation, consistencyModels, network, combined, partitionClients, toxiproxy, deploy, java.util.Map.of());
  }

  static final List<String> CONSISTENCY_MODELS_DEFAULT = List.of("strict-serializable");

  /** A run with the defaults of the transactional options (register workloads and their tests). */
  RunSpec(String system, String workload, List<String> nemeses, String targets, long timeMs, int concurrency,
      long seed, Path out, Set<String> bugs, int nodes, long nemesisIntervalMs, long quietMs, int opsPerKey,
      String keyDistribution) {
    this(system, workload, nemeses, targets, timeMs, concurrency, seed, out, bugs, nodes, nemesisIntervalMs, quietMs,
        opsPerKey, keyDistribution, null, CONSISTENCY_MODELS_DEFAULT, NETWORK_DEFAULT, false, false, null, DEPLOY_DEFAULT);
  }

  /** The same run with the given transactional options. */
  RunSpec withTxn(String newIsolation, List<String> models) {
    return new RunSpec(system, workload, nemeses, targets, timeMs, concurrency, seed, out, bugs, nodes, nemesisIntervalMs,
        quietMs, opsPerKey, keyDistribution, newIsolation, models, network, combined, partitionClients, toxiproxy, deploy, images,
        options);
  }

  /** The same run with these system options (--system-option). */
  RunSpec withOptions(java.util.Map<String, String> newOptions) {
    return new RunSpec(system, workload, nemeses, targets, timeMs, concurrency, seed, out, bugs, nodes, nemesisIntervalMs,
        quietMs, opsPerKey, keyDistribution, isolation, consistencyModels, network, combined, partitionClients, toxiproxy, deploy,
        images, newOptions);
  }

  /** Systems that deploy spare nodes for the membership nemesis (option {@value #SPARE_NODES_OPTION}). */
  static final Set<String> MEMBERSHIP_SYSTEMS = Set.of("raft", "ratis");
  static final String SPARE_NODES_OPTION = "spare-nodes";
  /** Systems whose nodes the corrupt nemesis can repair ({@code io.faultline.sut.Repairable}). */
  static final Set<String> REPAIR_SYSTEMS = Set.of("raft");
  /** Spare nodes deployed for the membership nemesis, unless --system-option says otherwise. */
  static final String SPARE_NODES_FOR_MEMBERSHIP = "2";

  /** System options set from their own flags, not through --system-option. */
  static final Set<String> GENERATED_OPTIONS = Set.of("isolation", "network", "toxiproxy", "partition-clients", "fake-clock",
      io.faultline.containers.Deploy.OPTION);
  static final List<String> NETWORKS = List.of("proxy", "netns", "toxiproxy");
  static final List<String> DEPLOYS = List.of("local", "containers");
  static final String DEPLOY_DEFAULT = "local";
  static final String NETWORK_DEFAULT = "proxy";
  static final List<String> ISOLATIONS = List.of("serializable", "repeatable-read", "read-committed");
  static final Set<String> TARGETS = Set.of("one", "minority", "majority", "all", "leader");
  static final long TIME_MS_MAX = 24L * 3600 * 1000;
  static final int CONCURRENCY_MAX = 1024;

  RunSpec {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(workload, "workload");
    nemeses = List.copyOf(nemeses);
    consistencyModels = List.copyOf(consistencyModels);
    require(!consistencyModels.isEmpty(), "--consistency-models", "", "at least one model");
    require(NETWORKS.contains(network), "--network", network, String.join("|", NETWORKS));
    require(DEPLOYS.contains(deploy), "--deploy", deploy, String.join("|", DEPLOYS));
    require(toxiproxy == null || network.equals("toxiproxy"), "--toxiproxy", toxiproxy, "only with --network toxiproxy");
    if (toxiproxy != null) io.faultline.local.ToxiproxyNetwork.parseEndpoint(toxiproxy);
    images = java.util.Map.copyOf(images == null ? java.util.Map.of() : images);
    peerImages(images);
    options = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(options == null ? java.util.Map.of() : options));
    for (java.util.Map.Entry<String, String> e : options.entrySet()) {
      require(e.getKey().matches("[a-z0-9][a-z0-9.-]*"), "--system-option", e.getKey() + "=" + e.getValue(), "KEY=VALUE with a lower-case key");
      require(!GENERATED_OPTIONS.contains(e.getKey()), "--system-option", e.getKey() + "=" + e.getValue(),
          "a key other than " + GENERATED_OPTIONS + ", which have their own flags");
    }
    require(isolation == null || ISOLATIONS.contains(isolation), "--isolation", isolation, String.join("|", ISOLATIONS));
    bugs = Set.copyOf(bugs);
    Objects.requireNonNull(out, "out");
    require(TARGETS.contains(targets), "--targets", targets, "one of " + String.join("|", new java.util.TreeSet<>(TARGETS)));
    require(timeMs >= 1000 && timeMs <= TIME_MS_MAX, "--time", timeMs + "ms", "between 1s and 24h");
    require(concurrency >= 1 && concurrency <= CONCURRENCY_MAX, "--concurrency", String.valueOf(concurrency), "1.." + CONCURRENCY_MAX);
    require(nodes >= 1 && nodes <= 9, "--nodes", String.valueOf(nodes), "1..9");
    require(nemesisIntervalMs >= 100, "--nemesis-interval", nemesisIntervalMs + "ms", "at least 100ms");
    require(!nemeses.contains(io.faultline.faults.MembershipNemesis.MEMBERSHIP) || MEMBERSHIP_SYSTEMS.contains(system), "--nemesis",
        io.faultline.faults.MembershipNemesis.MEMBERSHIP, "a system whose membership can change: " + MEMBERSHIP_SYSTEMS);
    require(!nemeses.contains(io.faultline.faults.CorruptNemesis.FUNCTION) || REPAIR_SYSTEMS.contains(system), "--nemesis",
        io.faultline.faults.CorruptNemesis.FUNCTION, "a system whose nodes can be repaired: " + REPAIR_SYSTEMS);
    require(quietMs >= 0 && quietMs <= 600_000, "--quiet-period", quietMs + "ms", "0..10m");
    require(opsPerKey >= 1 && opsPerKey <= 100_000, "--ops-per-key", String.valueOf(opsPerKey), "1..100000");
    require(keyDistribution.equals("uniform") || keyDistribution.equals("zipfian"), "--key-dist", keyDistribution, "uniform or zipfian");
  }

  /** The peers' images, {@code images} over the defaults; a bad peer or image name is an error naming it. */
  static io.faultline.containers.PeerImages peerImages(java.util.Map<String, String> images) {
    java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
    for (java.util.Map.Entry<String, String> e : images.entrySet()) options.put(io.faultline.containers.PeerImages.PREFIX + e.getKey(), e.getValue());
    try {
      return io.faultline.containers.PeerImages.from(options);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option --image: " + e.getMessage().replace(io.faultline.containers.PeerImages.PREFIX, ""), e);
    }
  }

  private static void require(boolean ok, String option, String value, String expected) {
    if (!ok) throw new IllegalArgumentException("option " + option + ": '" + value + "' is invalid; expected " + expected);
  }

  String nemesisLabel() {
    return nemeses.isEmpty() ? "none" : String.join(",", nemeses);
  }

  /** The exact command line that re-runs this run. */
  String command() {
    List<String> a = new ArrayList<>(List.of("./faultline", "run", "--system", system, "--workload", workload,
        "--nemesis", nemesisLabel(), "--targets", targets, "--time", Durations.format(timeMs),
        "--concurrency", String.valueOf(concurrency), "--nodes", String.valueOf(nodes),
        "--nemesis-interval", Durations.format(nemesisIntervalMs), "--quiet-period", Durations.format(quietMs),
        "--ops-per-key", String.valueOf(opsPerKey), "--key-dist", keyDistribution,
        "--seed", String.valueOf(seed), "--out", out.toString()));
    if (!network.equals(NETWORK_DEFAULT)) {
      a.add("--network");
      a.add(network);
    }
    if (toxiproxy != null) {
      a.add("--toxiproxy");
      a.add(toxiproxy);
    }
    if (!deploy.equals(DEPLOY_DEFAULT)) {
      a.add("--deploy");
      a.add(deploy);
    }
    for (String peer : new java.util.TreeSet<>(images.keySet())) {
      a.add("--image");
      a.add(peer + "=" + images.get(peer));
    }
    if (combined) a.add("--combined");
    if (partitionClients) a.add("--partition-clients");
    if (isolation != null) {
      a.add("--isolation");
      a.add(isolation);
    }
    if (!consistencyModels.equals(CONSISTENCY_MODELS_DEFAULT)) {
      a.add("--consistency-models");
      a.add(String.join(",", consistencyModels));
    }
    for (String b : new java.util.TreeSet<>(bugs)) {
      a.add("--bug");
      a.add(b);
    }
    for (java.util.Map.Entry<String, String> e : options.entrySet()) {
      a.add("--system-option");
      a.add(e.getKey() + "=" + e.getValue());
    }
    StringBuilder sb = new StringBuilder();
    for (String s : a) {
      if (sb.length() > 0) sb.append(' ');
      sb.append(s.matches("[A-Za-z0-9_./:,=+-]+") ? s : "'" + s.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }

  /** What the system is told beyond the cluster shape (ClusterSpec.options). */
  java.util.Map<String, String> systemOptions() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    if (isolation != null) m.put("isolation", isolation);
    if (!network.equals(NETWORK_DEFAULT)) m.put("network", network);
    if (toxiproxy != null) m.put("toxiproxy", toxiproxy);
    if (!deploy.equals(DEPLOY_DEFAULT)) {
      m.put(io.faultline.containers.Deploy.OPTION, deploy);
      for (String peer : new java.util.TreeSet<>(images.keySet())) m.put(io.faultline.containers.PeerImages.PREFIX + peer, images.get(peer));
    }
    if (partitionClients) m.put("partition-clients", "true");
    if (nemeses.stream().anyMatch(n -> n.equals("clock") || n.startsWith("clock-"))) m.put("fake-clock", "true");
    if (nemeses.contains(io.faultline.faults.MembershipNemesis.MEMBERSHIP)) m.put(SPARE_NODES_OPTION, SPARE_NODES_FOR_MEMBERSHIP);
    m.putAll(options);
    return m;
  }
}
