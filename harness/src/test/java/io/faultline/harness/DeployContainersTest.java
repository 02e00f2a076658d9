package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.harness.ChaosMeshCommandTest.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --deploy containers} and {@code --image} from the command line to the system's options; the
 * refusals need no Docker, the one run does (and is skipped here).
 */
class DeployContainersTest {
  private static RunSpec spec(String system, String deploy, Map<String, String> images) {
    return new RunSpec(system, "list-append", List.of(), "one", 5_000, 2, 7, Paths.get("out"), Set.of(), 1, 1_000, 0, 10,
        "uniform", null, RunSpec.CONSISTENCY_MODELS_DEFAULT, "proxy", false, false, null, deploy, images);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ratis", "raft"})
  void aSystemWithoutAnImage_refusesContainers_withExit2NamingIt(String system) {
    Outcome o = ChaosMeshCommandTest.execute("run", "--system", system, "--deploy", "containers", "--time", "5s", "--out", "target/never");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("system " + system + " cannot run in containers"), o.err());
    assertTrue(o.err().contains("postgres"), "names the systems that can: " + o.err());
    assertFalse(Files.exists(Paths.get("target/never/result.json")));
  }

  @Test
  void theCatalog_refusesContainersForASystemWithoutAnImage_evenWhenNotFromTheCommandLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Catalog.systemOptions(spec("ratis", "containers", Map.of()), Catalog.system("ratis")));
    assertTrue(e.getMessage().startsWith("option --deploy containers: system ratis cannot run in containers"), e.getMessage());
  }

  @Test
  void containersAndImages_reachTheSystemsOptions_andTheRerunCommand() {
    RunSpec s = spec("postgres", "containers", Map.of("postgres", "mirror.local/postgres:15"));
    Map<String, String> options = Catalog.systemOptions(s, Catalog.system("postgres"));
    assertEquals("containers", options.get("deploy"));
    assertEquals("mirror.local/postgres:15", options.get("image.postgres"));
    assertTrue(s.command().contains("--deploy containers --image postgres=mirror.local/postgres:15"), s.command());
    assertEquals("mirror.local/postgres:15", RunSpec.peerImages(s.images()).postgres());
  }

  @Test
  void aLocalRun_passesNeitherDeployNorImages_soSystemsThatRefuseUnknownKeysStillStart() {
    RunSpec s = spec("ratis", "local", Map.of("toxiproxy", "ghcr.io/shopify/toxiproxy:2.9.0"));
    assertFalse(s.systemOptions().containsKey("deploy"));
    assertFalse(s.systemOptions().keySet().stream().anyMatch(k -> k.startsWith("image.")), s.systemOptions().toString());
    assertTrue(s.command().contains("--image toxiproxy=ghcr.io/shopify/toxiproxy:2.9.0"), s.command());
  }

  @Test
  void aBadImage_isRefusedNamingTheOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec("postgres", "containers", Map.of("postgres", "Not An Image")));
    assertTrue(e.getMessage().startsWith("option --image: "), e.getMessage());
    Outcome o = ChaosMeshCommandTest.execute("run", "--system", "postgres", "--deploy", "containers", "--image", "postgres=Not An Image",
        "--time", "5s", "--out", "target/never");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("--image"), o.err());
  }

  @Test
  void postgres_runsListAppendInAContainer_whereDockerAnswers(@TempDir Path out) throws Exception {
    Assumptions.assumeTrue(io.faultline.containers.DockerEngine.available(),
        () -> "no Docker engine: " + io.faultline.containers.DockerEngine.unavailableReason().orElse(""));
    // Kill and restart of the container are PostgresContainerTest's (adapters/postgres); this is the wiring, end to end.
    Outcome o = ChaosMeshCommandTest.execute("run", "--system", "postgres", "--deploy", "containers", "--workload", "list-append",
        "--time", "5s", "--quiet-period", "1s", "--seed", "5", "--no-progress", "--out", out.resolve("run").toString());
    assertEquals(0, o.exit(), o.out() + o.err());
    String result = Files.readString(out.resolve("run/result.json"));
    assertTrue(result.contains("\"deploy\"") && result.contains("containers"), "the deployment is in the evidence");
  }
}
