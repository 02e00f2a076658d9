package io.faultline.chaosmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.chaosmesh.v1alpha1.NetworkChaos;
import io.fabric8.chaosmesh.v1alpha1.PodChaos;
import io.fabric8.chaosmesh.v1alpha1.TimeChaos;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.faultline.faults.FaultSchedule;
import io.faultline.faults.ScheduledFault;
import io.faultline.history.Op;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Rendered schedules: the issue's command against expected files, and each fault's mapping. */
class ChaosMeshRendererTest {
  static final long TIME_MS = 60_000;
  static final long INTERVAL_MS = 5_000;
  static final long SEED = 9;

  /** The schedule of {@code chaos-mesh render --nemesis partition,kill,clock --time 60s --seed 9}. */
  static List<ScheduledFault> issueSchedule() {
    return FaultSchedule.generate(List.of("partition", "kill", "clock"), "one", INTERVAL_MS, TIME_MS, SEED,
        FaultSchedule.Options.defaults(), false);
  }

  static ChaosMeshTarget issueTarget() { return ChaosMeshTarget.of("test", "app=raft", 3, SEED); }

  private static String expected(String name) throws IOException {
    try (InputStream in = ChaosMeshRendererTest.class.getResourceAsStream(name)) {
      if (in == null) return null;
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Compares with the expected file; writes what was rendered under target/ to diff against. */
  private static void assertMatchesExpected(String name, String actual) throws IOException {
    Path out = Path.of("target", "rendered-" + name);
    Files.createDirectories(out.getParent());
    Files.writeString(out, actual);
    String want = expected(name);
    assertTrue(want != null, "no expected file " + name + "; what was rendered is in " + out.toAbsolutePath());
    assertEquals(want, actual, "rendered YAML differs from " + name + " (actual in " + out.toAbsolutePath() + ")");
  }

  @Test
  void issueCommand_rendersNetworkPodAndTimeChaos_asInTheExpectedFile() throws IOException {
    ChaosMeshRenderer.Rendering r = ChaosMeshRenderer.render(issueSchedule(), TIME_MS, SEED, issueTarget());
    Set<String> kinds = new TreeSet<>();
    for (HasMetadata m : r.resources()) kinds.add(m.getKind());
    assertEquals(Set.of("NetworkChaos", "PodChaos", "TimeChaos"), kinds);
    assertEquals(List.of(), r.skipped());
    assertMatchesExpected("partition-kill-clock-seed9.yaml", ChaosMeshRenderer.yaml(r.resources()));
  }

  @Test
  void issueCommand_asWorkflow_isOneWorkflowAsInTheExpectedFile() throws IOException {
    ChaosMeshRenderer.Rendering r = ChaosMeshRenderer.render(issueSchedule(), TIME_MS, SEED, issueTarget());
    assertMatchesExpected("partition-kill-clock-seed9-workflow.yaml",
        ChaosMeshRenderer.yaml(List.of(ChaosMeshRenderer.workflow(r, issueTarget()))));
  }

  @Test
  void sameSeed_rendersTheSameBytes_andAnotherSeedDoesNot() {
    String a = ChaosMeshRenderer.yaml(ChaosMeshRenderer.render(issueSchedule(), TIME_MS, SEED, issueTarget()).resources());
    String b = ChaosMeshRenderer.yaml(ChaosMeshRenderer.render(issueSchedule(), TIME_MS, SEED, issueTarget()).resources());
    assertEquals(a, b);
    List<ScheduledFault> other = FaultSchedule.generate(List.of("partition", "kill", "clock"), "one", INTERVAL_MS, TIME_MS, 10,
        FaultSchedule.Options.defaults(), false);
    assertFalse(a.equals(ChaosMeshRenderer.yaml(ChaosMeshRenderer.render(other, TIME_MS, 10, issueTarget()).resources())));
  }

  @Test
  void everyResource_carriesTheRunLabel_aStartOffsetAndADuration() {
    for (HasMetadata m : ChaosMeshRenderer.render(issueSchedule(), TIME_MS, SEED, issueTarget()).resources()) {
      assertEquals(ChaosMeshRenderer.API_VERSION, m.getApiVersion());
      assertEquals(Map.of(ChaosMeshRenderer.RUN_LABEL, "faultline-9"), m.getMetadata().getLabels());
      assertTrue(m.getMetadata().getAnnotations().get(ChaosMeshRenderer.START_OFFSET).matches("[0-9]+ms"), m.getMetadata().getName());
      assertTrue(m.getMetadata().getAnnotations().get(ChaosMeshRenderer.DURATION).matches("[0-9]+ms"), m.getMetadata().getName());
      assertEquals("test", m.getMetadata().getNamespace());
      assertTrue(m.getMetadata().getName().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), m.getMetadata().getName());
    }
  }

  private static List<ScheduledFault> one(String f, Object value, String heal, long startMs, long endMs) {
    return List.of(new ScheduledFault(startMs, Op.invoke(Op.NEMESIS, f, null, value)),
        new ScheduledFault(endMs, Op.invoke(Op.NEMESIS, heal, null, heal.equals("start") ? "all" : null)));
  }

  private static HasMetadata only(List<ScheduledFault> schedule) {
    List<HasMetadata> out = ChaosMeshRenderer.render(schedule, TIME_MS, SEED, ChaosMeshTarget.of("ns", "app=kv", 5, SEED)).resources();
    assertEquals(1, out.size(), out.toString());
    return out.get(0);
  }

  @Test
  void kill_isAPodKillOfOnePod() {
    PodChaos c = (PodChaos) only(one("kill", "one", "start", 1_000, 4_000));
    assertEquals("pod-kill", c.getSpec().getAction());
    assertEquals("one", c.getSpec().getMode());
    assertEquals(0L, c.getSpec().getGracePeriod());
    assertEquals(Map.of("app", "kv"), c.getSpec().getSelector().getLabelSelectors());
    assertEquals("1000ms", c.getMetadata().getAnnotations().get(ChaosMeshRenderer.START_OFFSET));
    assertEquals("3000ms", c.getMetadata().getAnnotations().get(ChaosMeshRenderer.DURATION));
  }

  @Test
  void pauseOfAMajority_isAPodFailureOfAFixedCount() {
    PodChaos c = (PodChaos) only(one("pause", "majority", "resume", 0, 2_500));
    assertEquals("pod-failure", c.getSpec().getAction());
    assertEquals("fixed", c.getSpec().getMode());
    assertEquals("3", c.getSpec().getValue());
    assertEquals("2500ms", c.getSpec().getDuration());
  }

  @Test
  void delay_isANetworkDelayWithJitter() {
    NetworkChaos c = (NetworkChaos) only(one("start-delay", Map.of("targets", "minority", "delay_ms", 200L, "jitter_ms", 50L), "stop-delay", 0, 9_000));
    assertEquals("delay", c.getSpec().getAction());
    assertEquals("200ms", c.getSpec().getDelay().getLatency());
    assertEquals("50ms", c.getSpec().getDelay().getJitter());
    assertEquals("fixed", c.getSpec().getMode());
    assertEquals("2", c.getSpec().getValue());
    assertEquals("9000ms", c.getSpec().getDuration());
  }

  @Test
  void bandwidthAndBlackhole_areBandwidthAndFullLoss() {
    NetworkChaos bw = (NetworkChaos) only(one("start-bandwidth", Map.of("targets", "one", "bytes_per_sec", 10_000L), "stop-bandwidth", 0, 1_000));
    assertEquals("10000bps", bw.getSpec().getBandwidth().getRate(), "tc and Chaos Mesh read bps as bytes per second");
    NetworkChaos bh = (NetworkChaos) only(one("start-blackhole", Map.of("targets", "all"), "stop-blackhole", 0, 1_000));
    assertEquals("loss", bh.getSpec().getAction());
    assertEquals("100", bh.getSpec().getLoss().getLoss());
    assertEquals("all", bh.getSpec().getMode());
  }

  @Test
  void isolateOne_cutsOnePodFromTheOthersBothWays() {
    List<HasMetadata> out = ChaosMeshRenderer.render(one("start-partition", "isolate-one", "stop-partition", 0, 3_000), TIME_MS, SEED,
        ChaosMeshTarget.of("ns", "app=kv", 3, SEED)).resources();
    assertEquals(3, out.size(), "each node with a grudge: the isolated one and the two that no longer hear it");
    int isolatedSeen = 0;
    for (HasMetadata m : out) {
      NetworkChaos c = (NetworkChaos) m;
      assertEquals("partition", c.getSpec().getAction());
      assertEquals("from", c.getSpec().getDirection());
      List<String> selected = c.getSpec().getSelector().getPods().get("ns");
      List<String> target = c.getSpec().getTarget().getSelector().getPods().get("ns");
      assertEquals(1, selected.size());
      assertFalse(target.contains(selected.get(0)));
      if (target.size() == 2) isolatedSeen++;
      for (String pod : target) assertTrue(pod.matches("kv-[0-2]"), pod);
    }
    assertEquals(1, isolatedSeen);
  }

  @Test
  void strobe_isTheOffsetItsRateReachesByTheHeal() {
    TimeChaos c = (TimeChaos) only(one("start-clock", Map.of("targets", "one", "mode", "strobe", "offset_ms", 0L, "rate", 1.5), "stop-clock", 0, 4_000));
    assertEquals("2000ms", c.getSpec().getTimeOffset());
    assertTrue(c.getMetadata().getAnnotations().get(ChaosMeshRenderer.NOTE).contains("strobe"));
  }

  @Test
  void diskFaults_areIoChaosOnTheDataVolume() {
    HasMetadata stall = only(one("start-disk", Map.of("targets", "one", "mode", "fsync-stall"), "stop-disk", 0, 2_000));
    assertEquals("IOChaos", stall.getKind());
    io.fabric8.chaosmesh.v1alpha1.IOChaos s = (io.fabric8.chaosmesh.v1alpha1.IOChaos) stall;
    assertEquals(List.of("fsync"), s.getSpec().getMethods());
    assertEquals("/data", s.getSpec().getVolumePath());
    List<HasMetadata> torn = ChaosMeshRenderer.render(List.of(new ScheduledFault(500,
        Op.invoke(Op.NEMESIS, "torn-tail", null, Map.of("targets", "one", "mode", "zero", "bytes", 77L)))), TIME_MS, SEED, issueTarget()).resources();
    io.fabric8.chaosmesh.v1alpha1.IOChaos t = (io.fabric8.chaosmesh.v1alpha1.IOChaos) torn.get(0);
    assertEquals("mistake", t.getSpec().getAction());
    assertEquals(77L, t.getSpec().getMistake().getMaxLength());
  }

  @Test
  void resetAndSlowClose_areLeftOutAndSaidSo() {
    ChaosMeshRenderer.Rendering r = ChaosMeshRenderer.render(one("start-reset", Map.of("targets", "one", "after_ms", 5L), "stop-reset", 0, 1_000),
        TIME_MS, SEED, issueTarget());
    assertEquals(List.of(), r.resources());
    assertEquals(1, r.skipped().size());
    assertTrue(r.skipped().get(0).contains("no counterpart"), r.skipped().get(0));
  }

  @Test
  void aFaultWhoseHealFallsPastTheEnd_lastsUntilTheEnd() {
    List<HasMetadata> out = ChaosMeshRenderer.render(List.of(new ScheduledFault(58_000, Op.invoke(Op.NEMESIS, "pause", null, "one"))),
        TIME_MS, SEED, issueTarget()).resources();
    assertEquals("2000ms", ((PodChaos) out.get(0)).getSpec().getDuration());
  }

  @Test
  void badTargets_areErrorsNamingTheOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChaosMeshTarget.of("Bad_NS", "app=raft", 3, 1));
    assertTrue(e.getMessage().contains("--namespace"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ChaosMeshTarget.of("test", "app", 3, 1));
    assertTrue(e.getMessage().contains("--selector"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ChaosMeshTarget.of("test", "app=raft", 0, 1));
    assertTrue(e.getMessage().contains("--nodes"), e.getMessage());
  }
}
