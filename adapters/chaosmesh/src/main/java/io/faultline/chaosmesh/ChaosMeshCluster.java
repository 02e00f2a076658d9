package io.faultline.chaosmesh;

import io.fabric8.chaosmesh.v1alpha1.IOChaos;
import io.fabric8.chaosmesh.v1alpha1.NetworkChaos;
import io.fabric8.chaosmesh.v1alpha1.PodChaos;
import io.fabric8.chaosmesh.v1alpha1.TimeChaos;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rendered Chaos Mesh resources submitted to, and swept from, one Kubernetes cluster through a
 * fabric8 client (the current kubeconfig's, or a mock server's in tests).
 *
 * <p>Plain resources start when they are created, so {@link #apply} creates each at its start
 * offset (waiting, against the wall clock, at most the schedule's length); a Workflow carries its own
 * timing and is created at once. Every resource carries {@link ChaosMeshRenderer#RUN_LABEL}, so
 * {@link #delete} removes one run's resources, or every run's ({@code runId == null}): what a killed
 * campaign left behind.
 */
public final class ChaosMeshCluster {
  /** The chaos kinds faultline renders, and the Workflow that may hold them. */
  static final List<Class<? extends HasMetadata>> KINDS = List.of(NetworkChaos.class, PodChaos.class, TimeChaos.class, IOChaos.class);
  static final ResourceDefinitionContext WORKFLOW = new ResourceDefinitionContext.Builder()
      .withGroup("chaos-mesh.org").withVersion("v1alpha1").withKind("Workflow").withPlural("workflows").withNamespaced(true).build();

  private final KubernetesClient client;

  public ChaosMeshCluster(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** Where to say what happens: one line per resource. */
  public interface Progress {
    void line(String text);
  }

  /**
   * Creates the resources in {@code namespace}, in schedule order; with {@code paced}, each no earlier
   * than its start offset after the call began. A resource that exists already is replaced.
   *
   * @return the names created
   */
  public List<String> apply(List<? extends HasMetadata> resources, String namespace, boolean paced, Progress progress)
      throws InterruptedException {
    long startNs = System.nanoTime();
    List<String> names = new ArrayList<>();
    for (HasMetadata r : resources) {
      if (paced && r.getMetadata().getAnnotations() != null && r.getMetadata().getAnnotations().containsKey(ChaosMeshRenderer.START_OFFSET)) {
        long dueNs = startNs + ChaosMeshRenderer.startOffsetMs(r) * 1_000_000L;
        long waitMs = (dueNs - System.nanoTime()) / 1_000_000L;
        if (waitMs > 0) Thread.sleep(waitMs);
      }
      if (r instanceof GenericKubernetesResource g) {
        client.genericKubernetesResources(WORKFLOW).inNamespace(namespace).resource(g).createOr(op -> op.update());
      } else {
        client.resource(r).inNamespace(namespace).createOr(op -> op.update());
      }
      names.add(r.getKind() + "/" + r.getMetadata().getName());
      progress.line("created " + r.getKind() + "/" + r.getMetadata().getName());
    }
    return names;
  }

  /** The resources of run {@code runId} (every run's when null) in {@code namespace}, all kinds. */
  public List<HasMetadata> list(String namespace, String runId) {
    List<HasMetadata> out = new ArrayList<>();
    for (Class<? extends HasMetadata> kind : KINDS) {
      var op = client.resources(kind).inNamespace(namespace);
      out.addAll(runId == null ? op.withLabel(ChaosMeshRenderer.RUN_LABEL).list().getItems()
          : op.withLabel(ChaosMeshRenderer.RUN_LABEL, runId).list().getItems());
    }
    var workflows = client.genericKubernetesResources(WORKFLOW).inNamespace(namespace);
    out.addAll(runId == null ? workflows.withLabel(ChaosMeshRenderer.RUN_LABEL).list().getItems()
        : workflows.withLabel(ChaosMeshRenderer.RUN_LABEL, runId).list().getItems());
    return out;
  }

  /**
   * Deletes the resources of run {@code runId}, or of every faultline run when null, in
   * {@code namespace}; Chaos Mesh recovers what they injected as it deletes them.
   *
   * @return the names deleted
   */
  public List<String> delete(String namespace, String runId, Progress progress) {
    List<String> names = new ArrayList<>();
    for (HasMetadata r : list(namespace, runId)) {
      if (r instanceof GenericKubernetesResource) {
        client.genericKubernetesResources(WORKFLOW).inNamespace(namespace).withName(r.getMetadata().getName()).delete();
      } else {
        client.resources(r.getClass()).inNamespace(namespace).withName(r.getMetadata().getName()).delete();
      }
      names.add(r.getKind() + "/" + r.getMetadata().getName());
      progress.line("deleted " + r.getKind() + "/" + r.getMetadata().getName());
    }
    return names;
  }
}
