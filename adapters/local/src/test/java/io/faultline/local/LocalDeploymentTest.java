package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDeploymentTest {
  private static final long READY_WAIT_MS = 15_000;

  @TempDir Path root;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) c.close();
    assertEquals(0, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(),
        "child processes left behind");
  }

  private LocalDeployment deployment(String run, List<String> ids) throws IOException {
    LocalDeployment d = LocalDeployment.create(root.resolve(run), ids, 42);
    toClose.add(d);
    return d;
  }

  private NodeProcess launchSleeper(LocalDeployment d, String id) throws IOException {
    Path data = d.nodeDir(id).resolve("data");
    NodeProcess node = d.launch(id, SleeperMain.class.getName(), List.of(data.toString()), List.of());
    awaitReadyCount(node, 1);
    return node;
  }

  private static void awaitReadyCount(NodeProcess node, long count) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_WAIT_MS);
    while (System.nanoTime() < deadline) {
      if (Files.exists(node.logFile())
          && Files.readAllLines(node.logFile(), StandardCharsets.UTF_8).stream().filter("ready"::equals).count() >= count) {
        return;
      }
      sleepMs(50);
    }
    throw new AssertionError(node + " not ready; log: " + Files.readString(node.logFile()));
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static char state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  private static ProcessBuilder sleeperCommand(String marker) {
    List<String> command = new ArrayList<>(List.of(NodeProcess.javaBinary(), "-Xmx64m"));
    if (marker != null) command.add(NodeProcess.MARKER_PREFIX + marker);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), SleeperMain.class.getName()));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
  }

  @Test
  void node_runsWithHarnessJavaMarkerHostsFileAndPidFile() throws IOException {
    LocalDeployment d = deployment("run-a", List.of("n1", "n2", "n3"));
    NodeProcess n1 = launchSleeper(d, "n1");
    long pid = n1.pid();
    assertEquals(Long.toString(pid), Files.readString(n1.pidFile()).trim());
    List<String> args = List.of(ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow());
    assertTrue(args.contains("-Dfaultline.node=run-a/n1"), args.toString());
    assertTrue(args.contains("-Djdk.net.hosts.file=" + n1.hostsFile().toAbsolutePath()), args.toString());
    assertTrue(args.contains("-XX:+UseSerialGC") && args.contains("-Xmx256m"), args.toString());
    assertEquals(NodeProcess.javaBinary(), ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow());
    String hosts = Files.readString(n1.hostsFile());
    // n1 is itself; each peer is the address of the directed link from n1 (DESIGN.md, "Addressing").
    assertTrue(hosts.contains("127.0.1.1 n1\n") && hosts.contains("127.10.1.2 n2\n") && hosts.contains("127.10.1.3 n3\n"), hosts);
    assertTrue(d.port("n1") >= Ports.PORT_MIN && d.port("n3") <= Ports.PORT_MAX);
    assertEquals(3, java.util.Arrays.stream(new int[] {d.port("n1"), d.port("n2"), d.port("n3")}).distinct().count());
  }

  @Test
  void kill_endsProcess_andStartAgain_keepsDataDir() throws IOException {
    LocalDeployment d = deployment("run-b", List.of("n1"));
    NodeProcess n1 = launchSleeper(d, "n1");
    long first = n1.pid();
    n1.kill();
    assertFalse(n1.isRunning());
    assertFalse(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(n1.pidFile()));
    n1.start();
    awaitReadyCount(n1, 2);
    assertNotEquals(first, n1.pid());
    assertEquals(List.of("start", "start"), Files.readAllLines(n1.dataDir().resolve("starts")));
  }

  @Test
  void pause_stopsProcess_andResume_continuesIt() throws IOException {
    LocalDeployment d = deployment("run-c", List.of("n1"));
    NodeProcess n1 = launchSleeper(d, "n1");
    n1.pause();
    // SIGSTOP is delivered asynchronously: the state may lag the kill(1) that sent it by a moment.
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (state(n1.pid()) != 'T' && System.nanoTime() < deadline) Thread.onSpinWait();
    assertEquals('T', state(n1.pid()));
    assertTrue(n1.isPaused());
    n1.resume();
    assertNotEquals('T', state(n1.pid()));
    assertFalse(n1.isPaused());
  }

  @Test
  void close_stopsEvenPausedNodes_andRemovesPidFiles() throws IOException {
    LocalDeployment d = deployment("run-d", List.of("n1", "n2"));
    NodeProcess n1 = launchSleeper(d, "n1");
    NodeProcess n2 = launchSleeper(d, "n2");
    n1.pause();
    long started = System.nanoTime();
    d.close();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(tookMs < NodeProcess.STOP_WAIT_MS, "close took " + tookMs + " ms");
    assertFalse(n1.isRunning() || n2.isRunning());
    assertFalse(Files.exists(n1.pidFile()) || Files.exists(n2.pidFile()));
    d.close();
  }

  @Test
  void parentWatch_haltsChild_whenItsStdinCloses() throws Exception {
    Process child = sleeperCommand("watch/n1").start();
    try {
      assertFalse(child.waitFor(1_500, TimeUnit.MILLISECONDS), "child exited before its stdin closed");
      child.getOutputStream().close();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child still alive after its stdin closed");
      assertEquals(ParentWatch.EXIT_PARENT_GONE, child.exitValue());
    } finally {
      child.destroyForcibly();
      child.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void sweeper_killsLeftBehindNodes_andLeavesOtherProcesses() throws Exception {
    Process node = sleeperCommand("old-run/n1").start();
    Process stranger = new ProcessBuilder("sleep", "60").start();
    try {
      Path nodes = root.resolve("ratis").resolve("old-run").resolve("nodes");
      Path nodePid = write(nodes.resolve("n1").resolve("pid"), node.pid());
      Path strangerPid = write(nodes.resolve("n2").resolve("pid"), stranger.pid());
      Path gonePid = write(nodes.resolve("n3").resolve("pid"), deadPid());
      List<Sweeper.Swept> report = Sweeper.sweep(root);
      assertEquals(3, report.size(), report.toString());
      assertEquals(Sweeper.Outcome.KILLED, outcome(report, nodePid));
      assertEquals(Sweeper.Outcome.NOT_A_NODE, outcome(report, strangerPid));
      assertEquals(Sweeper.Outcome.GONE, outcome(report, gonePid));
      assertTrue(node.waitFor(5, TimeUnit.SECONDS));
      assertTrue(stranger.isAlive());
      assertFalse(Files.exists(nodePid) || Files.exists(strangerPid) || Files.exists(gonePid));
      assertTrue(Sweeper.sweep(root).isEmpty());
    } finally {
      for (Process p : List.of(node, stranger)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void sweeper_leavesNodesOfDeploymentsOpenInThisJvm() throws IOException {
    LocalDeployment d = deployment("run-e", List.of("n1"));
    NodeProcess n1 = launchSleeper(d, "n1");
    assertTrue(Sweeper.sweep(root).isEmpty());
    assertTrue(n1.isRunning());
  }

  private static Sweeper.Outcome outcome(List<Sweeper.Swept> report, Path pidFile) {
    return report.stream().filter(s -> s.pidFile().equals(pidFile)).findFirst().orElseThrow().outcome();
  }

  private static Path write(Path pidFile, long pid) throws IOException {
    Files.createDirectories(pidFile.getParent());
    Files.writeString(pidFile, pid + "\n");
    return pidFile;
  }

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor(5, TimeUnit.SECONDS);
    return p.pid();
  }
}
