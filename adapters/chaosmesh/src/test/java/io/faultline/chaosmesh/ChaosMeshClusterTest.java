package io.faultline.chaosmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.chaosmesh.v1alpha1.NetworkChaos;
import io.fabric8.chaosmesh.v1alpha1.PodChaos;
import io.fabric8.chaosmesh.v1alpha1.TimeChaos;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** apply / read back / delete against fabric8's Kubernetes mock server in CRUD mode (no real cluster here). */
@EnableKubernetesMockClient(crud = true)
class ChaosMeshClusterTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private ChaosMeshRenderer.Rendering rendering(ChaosMeshTarget target) {
    return ChaosMeshRenderer.render(ChaosMeshRendererTest.issueSchedule(), ChaosMeshRendererTest.TIME_MS, ChaosMeshRendererTest.SEED, target);
  }

  @Test
  void applied_resourcesAreReadBackEqual_andDeletedByTheirRunLabel() throws InterruptedException {
    ChaosMeshTarget target = ChaosMeshRendererTest.issueTarget();
    ChaosMeshCluster cluster = new ChaosMeshCluster(client);
    List<String> lines = new ArrayList<>();
    List<HasMetadata> resources = rendering(target).resources();
    List<String> created = cluster.apply(resources, "test", false, lines::add);
    assertEquals(resources.size(), created.size());
    for (HasMetadata r : resources) {
      HasMetadata back = client.resources(r.getClass()).inNamespace("test").withName(r.getMetadata().getName()).get();
      assertNotNull(back, r.getMetadata().getName());
      assertEquals(specOf(r), specOf(back), r.getMetadata().getName());
      assertEquals(r.getMetadata().getLabels(), back.getMetadata().getLabels());
      assertEquals(r.getMetadata().getAnnotations(), back.getMetadata().getAnnotations());
    }
    assertEquals(resources.size(), cluster.list("test", "faultline-9").size());

    ChaosMeshTarget other = target.withRunId("faultline-other");
    cluster.apply(rendering(other).resources(), "test", false, lines::add);
    List<String> deleted = cluster.delete("test", "faultline-9", lines::add);
    assertEquals(resources.size(), deleted.size());
    assertEquals(List.of(), cluster.list("test", "faultline-9"));
    assertEquals(resources.size(), cluster.list("test", "faultline-other").size(), "another run's resources stay");

    cluster.delete("test", null, lines::add);
    assertEquals(List.of(), cluster.list("test", null), "a sweep of every run leaves nothing labelled");
  }

  @Test
  void aWorkflow_isAppliedReadBackAndSwept() throws InterruptedException {
    ChaosMeshTarget target = ChaosMeshRendererTest.issueTarget();
    GenericKubernetesResource workflow = ChaosMeshRenderer.workflow(rendering(target), target);
    ChaosMeshCluster cluster = new ChaosMeshCluster(client);
    cluster.apply(List.of(workflow), "test", true, line -> { });
    GenericKubernetesResource back = client.genericKubernetesResources(ChaosMeshCluster.WORKFLOW).inNamespace("test").withName("faultline-9").get();
    assertNotNull(back);
    io.fabric8.kubernetes.client.utils.KubernetesSerialization json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    assertEquals(json.asJson(workflow.getAdditionalProperties().get("spec")), json.asJson(back.getAdditionalProperties().get("spec")));
    assertEquals(Map.of(ChaosMeshRenderer.RUN_LABEL, "faultline-9"), back.getMetadata().getLabels());
    assertEquals(List.of("Workflow/faultline-9"), cluster.delete("test", "faultline-9", line -> { }));
    assertTrue(cluster.list("test", null).isEmpty());
  }

  @Test
  void pacedApply_createsEachResourceNoEarlierThanItsStartOffset() throws InterruptedException {
    ChaosMeshTarget target = ChaosMeshRendererTest.issueTarget();
    List<HasMetadata> two = List.of(
        ChaosMeshRenderer.render(List.of(new io.faultline.faults.ScheduledFault(0, io.faultline.history.Op.invoke(io.faultline.history.Op.NEMESIS, "kill", null, "one")),
            new io.faultline.faults.ScheduledFault(300, io.faultline.history.Op.invoke(io.faultline.history.Op.NEMESIS, "pause", null, "one"))),
            1_000, 1, target).resources().toArray(new HasMetadata[0]));
    long start = System.nanoTime();
    new ChaosMeshCluster(client).apply(two, "test", true, line -> { });
    assertTrue(System.nanoTime() - start >= 300_000_000L, "the second waits for its 300 ms offset");
  }

  private static Object specOf(HasMetadata r) {
    if (r instanceof NetworkChaos c) return c.getSpec();
    if (r instanceof PodChaos c) return c.getSpec();
    if (r instanceof TimeChaos c) return c.getSpec();
    return ((io.fabric8.chaosmesh.v1alpha1.IOChaos) r).getSpec();
  }
}
