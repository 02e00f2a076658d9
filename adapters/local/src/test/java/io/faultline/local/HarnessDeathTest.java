package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What becomes of nodes when the harness itself goes away: no orphans, whichever way it dies. */
class HarnessDeathTest {
  @TempDir Path root;
  private final List<Long> nodePids = new ArrayList<>();
  private Process harness;
  private java.net.InetSocketAddress proxy;

  private static boolean accepts(java.net.InetSocketAddress address) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(address, 1_000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @AfterEach
  void killLeftovers() throws Exception {
    if (harness != null) {
      harness.destroyForcibly();
      harness.waitFor(5, TimeUnit.SECONDS);
    }
    for (long pid : nodePids) {
      ProcessHandle.of(pid).filter(Sweeper::isNode).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** Starts the stand-in harness and returns its node's pid. */
  private long startHarness(boolean pauseNode) throws Exception {
    List<String> command = new ArrayList<>(List.of(NodeProcess.javaBinary(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), HarnessMain.class.getName(), root.resolve("run").toString()));
    if (pauseNode) command.add("pause");
    harness = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertTrue(line != null && line.startsWith("up "), "harness said " + line);
    String[] words = line.split(" ");
    long pid = Long.parseLong(words[1]);
    proxy = new java.net.InetSocketAddress(words[2], Integer.parseInt(words[3]));
    assertTrue(accepts(proxy), "the link proxy n1->n2 listens while the harness lives");
    nodePids.add(pid);
    return pid;
  }

  private Path pidFile() { return root.resolve("run").resolve("nodes").resolve("n1").resolve("pid"); }

  private static boolean diesWithin(long pid, long ms) throws Exception {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) return true;
    try {
      handle.get().onExit().get(ms, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !handle.get().isAlive();
    }
  }

  @Test
  void harnessTerminated_shutdownHookStopsItsNodes_evenPausedOnes() throws Exception {
    long node = startHarness(true);
    assertTrue(Files.exists(pidFile()));
    harness.destroy();
    assertTrue(harness.waitFor(NodeProcess.STOP_WAIT_MS + 5_000, TimeUnit.MILLISECONDS));
    assertTrue(diesWithin(node, 1_000), "node outlived its harness's shutdown hook");
    assertFalse(Files.exists(pidFile()), "the hook's teardown removes the pid file");
  }

  @Test
  void harnessKilled_itsNodesHaltThemselves_andTheSweeperFindsThemGone() throws Exception {
    long node = startHarness(false);
    harness.destroyForcibly();
    assertTrue(harness.waitFor(5, TimeUnit.SECONDS));
    assertTrue(diesWithin(node, 10_000), "node outlived its SIGKILLed harness");
    assertFalse(accepts(proxy), "link proxies live in the harness JVM and die with it");
    List<Sweeper.Swept> swept = Sweeper.sweep(root);
    assertEquals(List.of(new Sweeper.Swept(pidFile(), node, Sweeper.Outcome.GONE)), swept);
    assertFalse(Files.exists(pidFile()));
  }

  @Test
  void harnessKilledWhileNodePaused_theSweeperKillsTheStoppedOrphan() throws Exception {
    long node = startHarness(true);
    harness.destroyForcibly();
    assertTrue(harness.waitFor(5, TimeUnit.SECONDS));
    assertFalse(diesWithin(node, 1_000), "a stopped node cannot see its stdin close");
    List<Sweeper.Swept> swept = Sweeper.sweep(root);
    assertEquals(List.of(new Sweeper.Swept(pidFile(), node, Sweeper.Outcome.KILLED)), swept);
    assertTrue(diesWithin(node, 1_000));
    assertFalse(Files.exists(pidFile()));
  }
}
