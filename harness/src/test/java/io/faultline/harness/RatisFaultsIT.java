package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.local.NetnsNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for the network faults: partitions of every shape and delay on Ratis through the per-link
 * proxies, the planted bugs they must expose, the Linux namespace backend where root is available,
 * and nothing left behind.
 */
class RatisFaultsIT {

  @SuppressWarnings("unchecked")
  /** Runs; {@code expectedExit} -1 accepts 0 or 1 as long as it matches the verdict. */
  private static Map<String, Object> run(Path dir, int expectedExit, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--system", "ratis", "--workload", "register", "--concurrency", "10",
        "--out", dir.toString(), "--no-progress"));
    a.addAll(List.of(args));
    int code = Main.execute(a.toArray(new String[0]));
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
    if (expectedExit >= 0) assertEquals(expectedExit, code, () -> "result: " + Json.writePretty(r));
    else assertEquals(r.get("valid") == Boolean.TRUE ? 0 : 1, code, () -> "exit code and verdict agree: " + Json.writePretty(r));
    assertNothingLeftBehind();
    return r;
  }

  private static Set<String> kinds(Map<String, Object> r) {
    Set<String> kinds = new TreeSet<>();
    for (Object f : (List<?>) r.get("faults")) kinds.add(String.valueOf(((Map<?, ?>) f).get("kind")));
    return kinds;
  }

  /** No node process, and no namespace or nftables table of ours (names start with "fl"). */
  static void assertNothingLeftBehind() throws Exception {
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
    if (NetnsNetwork.unavailableReason().isEmpty()) {
      assertFalse(command("ip", "netns", "list").lines().anyMatch(l -> l.startsWith("fl")), "no namespace left");
      assertFalse(command("nft", "list", "tables").lines().anyMatch(l -> l.contains(" fl")), "no nft table left");
    }
  }

  private static String command(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void everyPartitionShapePlusDelay_staysLinearizable_withFaultsAndRecoveryRecorded(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, 0, "--nemesis", "partition,delay", "--time", "60s", "--nemesis-interval", "3s", "--seed", "5");
    assertEquals(Boolean.TRUE, r.get("valid"));
    Set<String> kinds = kinds(r);
    for (String shape : List.of("halves", "majority-minority", "isolate-one", "bridge", "majorities-ring", "one-way")) {
      assertTrue(kinds.contains("partition-" + shape), "shape " + shape + " among " + kinds);
    }
    assertTrue(kinds.contains("delay"), kinds.toString());
    Map<?, ?> first = (Map<?, ?>) ((List<?>) r.get("faults")).get(0);
    assertTrue(first.containsKey("recovery_ms") && first.containsKey("end_ms"), first.toString());
    String history = Files.readString(dir.resolve("history.jsonl"));
    assertTrue(history.contains("\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start-partition\""), "fault ops in the history");
  }

  @Test
  void staleReadBug_underPartitions_isCaught(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, 1, "--nemesis", "partition", "--time", "30s", "--nemesis-interval", "3s", "--seed", "12",
        "--bug", "ratis.stale-read");
    assertEquals("nonlinearizable", ((Map<?, ?>) ((List<?>) r.get("anomalies")).get(0)).get("type"));
  }

  /**
   * The blind retry shows only when a reset cuts the reply of a write that did apply and the retry then
   * lands after another client's write: a timing coincidence that seed 5 usually, not always, brings
   * (one CI run in many saw none). A second seed runs only when the first found nothing; the bug must be
   * caught, as nonlinearizable, within the two.
   */
  @Test
  void blindRetryBug_underDelayAndReset_isCaught(@TempDir Path dir) throws Exception {
    Map<String, Object> r = null;
    for (String seed : List.of("5", "6")) {
      r = run(dir.resolve("seed-" + seed), -1, "--nemesis", "delay,reset", "--time", "30s", "--nemesis-interval", "3s", "--seed", seed,
          "--bug", "ratis.blind-retry");
      if (!((List<?>) r.get("anomalies")).isEmpty()) break;
    }
    assertEquals("nonlinearizable", ((Map<?, ?>) ((List<?>) r.get("anomalies")).get(0)).get("type"), () -> "caught within two seeds");
  }

  @Test
  void linuxNamespaceBackend_partitions_stayLinearizable(@TempDir Path dir) throws Exception {
    String why = NetnsNetwork.unavailableReason().orElse("");
    Assumptions.assumeTrue(why.isEmpty(), "netns backend unavailable here: " + why);
    Map<String, Object> r = run(dir, 0, "--network", "netns", "--nemesis", "partition", "--time", "20s",
        "--nemesis-interval", "3s", "--seed", "8");
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertTrue(kinds(r).stream().anyMatch(k -> k.startsWith("partition-")));
  }

  @Test
  void scheduleCommand_sameSeed_sameBytes() throws Exception {
    java.io.PrintStream old = System.out;
    String[] outs = new String[2];
    for (int i = 0; i < 2; i++) {
      java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
      System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
      try {
        assertEquals(0, Main.execute("schedule", "--nemesis", "partition,kill,delay", "--time", "60s", "--seed", "9", "--combined"));
      } finally {
        System.setOut(old);
      }
      outs[i] = buf.toString(StandardCharsets.UTF_8);
    }
    assertEquals(outs[0], outs[1]);
    assertTrue(outs[0].contains("start-partition") && outs[0].contains("heal all"), outs[0]);
  }

  @Test
  void killedHarness_leavesNothing_afterTheNextStart(@TempDir Path dir) throws Exception {
    Path first = dir.resolve("killed");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), "io.faultline.harness.Main", "run", "--system", "ratis",
        "--nemesis", "pause", "--nemesis-interval", "1s", "--time", "60s", "--seed", "4", "--out", first.toString(),
        "--no-progress"));
    if (NetnsNetwork.unavailableReason().isEmpty()) cmd.addAll(List.of("--network", "netns"));
    Process harness = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Path history = first.resolve("history.jsonl");
    while (System.nanoTime() < deadline && !(Files.exists(history) && Files.readString(history).contains("\"f\":\"pause\""))) {
      Thread.sleep(200);
    }
    assertTrue(Files.readString(history).contains("\"f\":\"pause\""), "the run got going: " + Files.readString(dir.resolve("killed.log")));
    harness.destroyForcibly().waitFor(10, TimeUnit.SECONDS);   // SIGKILL: no shutdown hook runs
    // The next start sweeps what the killed run left (a paused node cannot see its stdin close).
    run(first, 0, "--nemesis", "none", "--time", "5s", "--seed", "4");
    assertFalse(command("pgrep", "-f", "faultline.node=" + first.getFileName()).lines().anyMatch(l -> !l.isBlank()),
        "no node of the killed run survives");
  }
}
