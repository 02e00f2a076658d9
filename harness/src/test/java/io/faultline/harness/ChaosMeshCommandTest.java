package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code faultline chaos-mesh} and the infrastructure options of {@code faultline run}, through the
 * real command line; nothing here needs a cluster, a Toxiproxy server or Docker, and the lines that
 * would need one must fail with exit 2 and say why.
 */
class ChaosMeshCommandTest {
  static final String[] ISSUE_RENDER = {"chaos-mesh", "render", "--nemesis", "partition,kill,clock", "--time", "60s", "--seed", "9",
      "--namespace", "test", "--selector", "app=raft"};

  /** Exit code, stdout and stderr of one command line. */
  record Outcome(int exit, String out, String err) {}

  static synchronized Outcome execute(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = Main.execute(args);
      return new Outcome(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void render_ofTheIssuesCommand_printsTheExpectedYaml_sameForTheSameSeed() throws IOException {
    Outcome first = execute(ISSUE_RENDER);
    assertEquals(0, first.exit(), first.err());
    assertEquals(first.out(), execute(ISSUE_RENDER).out());
    String expected = Files.readString(Path.of("..", "adapters", "chaosmesh", "src", "test", "resources", "io", "faultline", "chaosmesh",
        "partition-kill-clock-seed9.yaml"));
    assertEquals(expected, first.out());
    for (String kind : Set.of("NetworkChaos", "PodChaos", "TimeChaos")) assertTrue(first.out().contains("kind: \"" + kind + "\""), kind);
  }

  @Test
  void render_asWorkflow_printsOneWorkflow() {
    String[] args = java.util.Arrays.copyOf(ISSUE_RENDER, ISSUE_RENDER.length + 1);
    args[args.length - 1] = "--as-workflow";
    Outcome o = execute(args);
    assertEquals(0, o.exit(), o.err());
    assertEquals(1, o.out().split("\nkind: ", -1).length - 1);
    assertTrue(o.out().contains("kind: \"Workflow\""));
  }

  @Test
  void render_ofFaultsChaosMeshCannotDo_saysWhatWasLeftOut() {
    Outcome o = execute("chaos-mesh", "render", "--nemesis", "reset", "--time", "30s", "--seed", "1", "--namespace", "test", "--selector", "app=raft");
    assertEquals(0, o.exit(), o.err());
    assertTrue(o.err().contains("left out"), o.err());
  }

  @Test
  void render_withABadSelector_isExit2NamingTheOption() {
    Outcome o = execute("chaos-mesh", "render", "--nemesis", "kill", "--seed", "1", "--namespace", "test", "--selector", "raft");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("--selector"), o.err());
  }

  @Test
  void delete_withoutSayingWhichRun_isExit2() {
    Outcome o = execute("chaos-mesh", "delete", "--namespace", "test");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("--all-runs"), o.err());
  }

  @Test
  void runOnToxiproxy_withoutAServerOrDocker_isExit2SayingHowToNameOne() {
    org.junit.jupiter.api.Assumptions.assumeFalse(io.faultline.containers.DockerEngine.available(), "a Docker engine answers here");
    org.junit.jupiter.api.Assumptions.assumeTrue(io.faultline.local.ToxiproxyNetwork.configuredEndpoint() == null, "a Toxiproxy server is configured");
    Outcome o = execute("run", "--system", "ratis", "--network", "toxiproxy", "--time", "5s", "--out", "target/never");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("--toxiproxy HOST:PORT"), o.err());
    assertTrue(o.err().contains("Docker"), o.err());
  }

  @Test
  void runInContainers_withoutDocker_isExit2SayingWhy() {
    org.junit.jupiter.api.Assumptions.assumeFalse(io.faultline.containers.DockerEngine.available(), "a Docker engine answers here");
    Outcome o = execute("run", "--system", "postgres", "--deploy", "containers", "--time", "5s", "--out", "target/never");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("needs a Docker engine"), o.err());
  }

  @Test
  void anImageOfAPeerThatHasNone_isExit2NamingIt() {
    Outcome o = execute("run", "--system", "ratis", "--image", "mysql=mysql:8", "--time", "5s", "--out", "target/never");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("--image") && o.err().contains("mysql"), o.err());
  }

  @Test
  void toxiproxyOption_isValidated_keptInTheRerunCommand_andPassedToTheSystem() {
    RunSpec spec = new RunSpec("ratis", "register", List.of("partition"), "one", 5_000, 2, 7, Paths.get("out"), Set.of(), 3, 1_000, 0, 10,
        "uniform", null, RunSpec.CONSISTENCY_MODELS_DEFAULT, "toxiproxy", false, false, "127.0.0.1:8474", "local");
    assertTrue(spec.command().contains("--network toxiproxy --toxiproxy 127.0.0.1:8474"), spec.command());
    assertEquals("127.0.0.1:8474", spec.systemOptions().get("toxiproxy"));
    Outcome bad = execute("run", "--system", "ratis", "--network", "proxy", "--toxiproxy", "127.0.0.1:8474", "--time", "5s", "--out", "target/never");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("--toxiproxy"), bad.err());
    Outcome noPort = execute("run", "--system", "ratis", "--network", "toxiproxy", "--toxiproxy", "localhost", "--time", "5s", "--out", "target/never");
    assertEquals(2, noPort.exit());
    assertTrue(noPort.err().contains("HOST:PORT"), noPort.err());
  }
}
