package io.faultline.harness;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.faultline.chaosmesh.ChaosMeshCluster;
import io.faultline.chaosmesh.ChaosMeshRenderer;
import io.faultline.chaosmesh.ChaosMeshTarget;
import io.faultline.faults.ScheduledFault;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code faultline chaos-mesh render|apply|delete}: the seeded schedule of {@code run} and
 * {@code schedule} as Chaos Mesh resources, printed, submitted to the current kubeconfig's cluster,
 * or swept from it by run label.
 */
@Command(name = "chaos-mesh", mixinStandardHelpOptions = true,
    description = {"Fault schedules as Chaos Mesh resources (NetworkChaos, PodChaos, TimeChaos, IOChaos; or one Workflow).",
        "Nodes n1..nN are the pods <pod-prefix>-0..N-1 of a StatefulSet selected by --selector."},
    subcommands = {ChaosMeshCommand.Render.class, ChaosMeshCommand.Apply.class, ChaosMeshCommand.Delete.class})
final class ChaosMeshCommand implements Callable<Integer> {
  /** The render interval's default: a dozen faults in a minute, so that a short render shows each family asked for. */
  static final String INTERVAL_DEFAULT = "5s";

  @Override
  public Integer call() {
    System.err.println("faultline chaos-mesh: say render, apply or delete (faultline chaos-mesh --help)");
    return Main.EXIT_ERROR;
  }

  /** What selects the schedule and the pods: shared by render and apply. */
  static final class ScheduleOptions {
    @Option(names = "--nemesis", required = true, split = ",", description = "Fault families, comma-separated (as for run).")
    List<String> nemesis;

    @Option(names = "--time", defaultValue = "60s", description = "Length of the fault phase (default ${DEFAULT-VALUE}).")
    String time;

    @Option(names = "--seed", required = true, description = "The seed of the schedule (and of each partition's grudge).")
    long seed;

    @Option(names = "--targets", defaultValue = "one", description = "one, minority, majority, all, leader (default ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--nemesis-interval", defaultValue = INTERVAL_DEFAULT, description = "Mean time between faults (default ${DEFAULT-VALUE}).")
    String nemesisInterval;

    @Option(names = "--combined", description = "Several fault families at once.")
    boolean combined;

    @Option(names = "--namespace", required = true, description = "Namespace of the resources and of the pods.")
    String namespace;

    @Option(names = "--selector", required = true, description = "KEY=VALUE label of the system's pods, e.g. app=raft.")
    String selector;

    @Option(names = "--nodes", defaultValue = "3", description = "Cluster size (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--run-id", description = "Value of the faultline.io/run label (default faultline-<seed>).")
    String runId;

    @Option(names = "--pod-prefix", description = "StatefulSet name: node n<i> is pod <prefix>-<i-1> (default: the selector's value).")
    String podPrefix;

    @Option(names = "--volume-path", defaultValue = "/data", description = "Data volume mount path, for IOChaos (default ${DEFAULT-VALUE}).")
    String volumePath;

    @Option(names = "--as-workflow", description = "One Workflow holding every fault, timed by Suspend steps, instead of plain resources.")
    boolean asWorkflow;

    ChaosMeshTarget target() {
      ChaosMeshTarget t = ChaosMeshTarget.of(namespace, selector, nodes, seed).withVolumePath(volumePath);
      if (runId != null) t = t.withRunId(runId);
      if (podPrefix != null) t = t.withPodPrefix(podPrefix);
      return t;
    }

    long timeMs() { return Durations.parseMs(time); }

    ChaosMeshRenderer.Rendering rendering() {
      List<String> nem = new ArrayList<>();
      for (String n : nemesis) if (!n.isBlank() && !n.equals("none")) nem.add(n.trim());
      if (nem.isEmpty()) throw new IllegalArgumentException("option --nemesis: name at least one fault family");
      List<ScheduledFault> schedule = Catalog.schedule(nem, targets, Durations.parseMs(nemesisInterval), timeMs(), seed, combined);
      return ChaosMeshRenderer.render(schedule, timeMs(), seed, target());
    }

    List<HasMetadata> resources(ChaosMeshRenderer.Rendering r) {
      return asWorkflow ? List.of(ChaosMeshRenderer.workflow(r, target())) : r.resources();
    }
  }

  /**
   * A client of the current kubeconfig's cluster; what fails on it is reported as that cluster not
   * answering, with fabric8's reason.
   */
  static <T> T withCluster(java.util.function.Function<ChaosMeshCluster, T> work) {
    // fabric8 warns on every v1alpha1 resource type; Chaos Mesh's API has no other version.
    String quiet = "org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils";
    if (System.getProperty(quiet) == null) System.setProperty(quiet, "off");
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      try {
        return work.apply(new ChaosMeshCluster(client));
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        throw new IllegalStateException("the Kubernetes cluster of the current kubeconfig (" + client.getMasterUrl()
            + ") did not answer as one with Chaos Mesh installed: " + root.getClass().getSimpleName() + ": " + root.getMessage(), e);
      }
    }
  }

  private static void reportSkipped(ChaosMeshRenderer.Rendering r) {
    for (String line : r.skipped()) System.err.println("faultline chaos-mesh: left out: " + line);
  }

  @Command(name = "render", mixinStandardHelpOptions = true,
      description = "Writes the schedule as Chaos Mesh YAML documents to stdout, byte for byte the same for the same seed.")
  static final class Render implements Callable<Integer> {
    @Mixin ScheduleOptions options;

    @Override
    public Integer call() {
      ChaosMeshRenderer.Rendering r = options.rendering();
      System.out.print(ChaosMeshRenderer.yaml(options.resources(r)));
      System.out.flush();
      reportSkipped(r);
      return Main.EXIT_VALID;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = {"Submits the resources to the cluster of the current kubeconfig: each plain resource at its start offset",
          "(the command waits out the schedule), a Workflow at once. Sweep them with 'faultline chaos-mesh delete'."})
  static final class Apply implements Callable<Integer> {
    @Mixin ScheduleOptions options;

    @Option(names = "--now", description = "Submit every plain resource at once instead of at its start offset.")
    boolean now;

    @Override
    public Integer call() {
      ChaosMeshRenderer.Rendering r = options.rendering();
      reportSkipped(r);
      withCluster(cluster -> {
        try {
          return cluster.apply(options.resources(r), options.namespace, !now && !options.asWorkflow, System.out::println);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while applying; sweep with: faultline chaos-mesh delete --namespace "
              + options.namespace + " --run-id " + options.target().runId(), e);
        }
      });
      return Main.EXIT_VALID;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Deletes the resources of one run (by its faultline.io/run label), or of every faultline run with --all-runs.")
  static final class Delete implements Callable<Integer> {
    @Option(names = "--namespace", required = true, description = "Namespace to sweep.")
    String namespace;

    @Option(names = "--run-id", description = "The run whose resources go (faultline-<seed> when rendered with --seed).")
    String runId;

    @Option(names = "--seed", description = "Shorthand for --run-id faultline-<seed>.")
    Long seed;

    @Option(names = "--all-runs", description = "Every resource that carries the faultline.io/run label: what killed runs left.")
    boolean allRuns;

    @Override
    public Integer call() {
      String run = runId != null ? runId : seed != null ? "faultline-" + Long.toUnsignedString(seed) : null;
      if ((run == null) != allRuns) throw new IllegalArgumentException("say which run: --run-id ID, --seed S, or --all-runs (one of them)");
      List<String> deleted = withCluster(cluster -> cluster.delete(namespace, run, System.out::println));
      System.out.println("deleted " + deleted.size() + " resource(s)");
      return Main.EXIT_VALID;
    }
  }
}
