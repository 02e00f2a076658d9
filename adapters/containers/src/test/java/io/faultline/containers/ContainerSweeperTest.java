package io.faultline.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Labels, the orphan test and the deploy option: none needs Docker. */
class ContainerSweeperTest {
  @Test
  void labels_nameTheRunTheNodeAndThisHarness() {
    Map<String, String> labels = ContainerSweeper.labels("/runs/postgres/1", "n1");
    assertEquals("/runs/postgres/1", labels.get(ContainerSweeper.LABEL_RUN));
    assertEquals("n1", labels.get(ContainerSweeper.LABEL_NODE));
    String harness = labels.get(ContainerSweeper.LABEL_HARNESS);
    assertTrue(harness.startsWith(ContainerSweeper.hostName() + "/" + ProcessHandle.current().pid() + "/"), harness);
  }

  @Test
  void aContainerOfThisLiveHarness_isNoOrphan() {
    String host = ContainerSweeper.hostName();
    assertFalse(ContainerSweeper.orphaned(ContainerSweeper.harness(ProcessHandle.current()), host));
  }

  @Test
  void aContainerOfADeadHarnessOnThisHost_isAnOrphan_andOneOfAReusedPidToo() throws Exception {
    String host = ContainerSweeper.hostName();
    Process p = new ProcessBuilder("true").start();
    String label = ContainerSweeper.harness(p.toHandle());
    assertEquals(0, p.waitFor());
    assertTrue(ContainerSweeper.orphaned(label, host), label);
    long me = ProcessHandle.current().pid();
    long myStart = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
    assertTrue(ContainerSweeper.orphaned(host + "/" + me + "/" + (myStart - 60_000), host), "same pid, another start time");
  }

  @Test
  void aContainerOfAnotherHost_orWithALabelThatDoesNotParse_isLeftAlone() throws Exception {
    Process p = new ProcessBuilder("true").start();
    String label = ContainerSweeper.harness(p.toHandle());
    p.waitFor();
    assertFalse(ContainerSweeper.orphaned(label.replaceFirst("^[^/]*", "elsewhere"), ContainerSweeper.hostName()));
    assertFalse(ContainerSweeper.orphaned("garbage", ContainerSweeper.hostName()));
    assertFalse(ContainerSweeper.orphaned(ContainerSweeper.hostName() + "/x/1", ContainerSweeper.hostName()));
  }

  @Test
  void withoutDocker_theSweepFindsNothing_andARunContainerIsAnErrorSayingWhy() {
    Assumptions.assumeFalse(DockerEngine.available(), "a Docker engine answers here: PostgresContainerTest covers it");
    assertEquals(0, ContainerSweeper.sweep().size());
    IOException e = assertThrows(IOException.class, () -> RunContainer.postgres("postgres:16-alpine", "/runs/x", "n1", Map.of()));
    assertTrue(e.getMessage().contains("needs a Docker engine"), e.getMessage());
  }

  @Test
  void deployOption_isLocalByDefault_andABadWordIsRefusedNamingIt() {
    assertEquals(Deploy.LOCAL, Deploy.from(Map.of("isolation", "serializable")));
    assertEquals(Deploy.CONTAINERS, Deploy.from(Map.of("deploy", "containers")));
    assertEquals("option 'deploy' must be one of local | containers, got 'docker'",
        assertThrows(IllegalArgumentException.class, () -> Deploy.from(Map.of("deploy", "docker"))).getMessage());
  }
}
