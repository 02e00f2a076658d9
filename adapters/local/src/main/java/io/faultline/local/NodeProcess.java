package io.faultline.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One node as a child JVM of the harness: started with the harness's own java binary and class
 * path, so a node never runs a different JDK or different code than the run that judges it.
 *
 * <p>Files, under {@code <runDir>/nodes/<id>/}: {@code node.log} (stdout and stderr, appended
 * across restarts), {@code pid} (while the process lives), {@code hosts} (its name resolution),
 * {@code data/} (kept across kills and restarts).
 *
 * <p>The child's stdin is a pipe the harness holds open and never writes; the child's
 * {@link ParentWatch} halts it when the pipe closes. Teardown sends SIGCONT before SIGTERM (a
 * stopped process never handles SIGTERM) and SIGKILL after {@link #STOP_WAIT_MS}.
 */
public final class NodeProcess {
  /** Marker system property on every node's command line: {@code -Dfaultline.node=<runId>/<nodeId>}. */
  public static final String MARKER_PROPERTY = "faultline.node";
  public static final String MARKER_PREFIX = "-D" + MARKER_PROPERTY + "=";
  /** How long a node may take to exit after SIGTERM, or after SIGKILL, before we give up on it. */
  public static final long STOP_WAIT_MS = 5_000;
  /** A node's heap unless its system asks for more (a large state in memory): {@value} MiB. */
  public static final long HEAP_MB_DEFAULT = 256;
  static final long HEAP_MB_MAX = 16 << 10;
  static final List<String> JVM_OPTIONS = jvmOptions(HEAP_MB_DEFAULT);

  /** The JVM options of a node with {@code heapMb} MiB of heap ({@value #HEAP_MB_DEFAULT}..{@value #HEAP_MB_MAX}). */
  static List<String> jvmOptions(long heapMb) {
    if (heapMb < HEAP_MB_DEFAULT || heapMb > HEAP_MB_MAX) {
      throw new IllegalArgumentException("node heap must be " + HEAP_MB_DEFAULT + ".." + HEAP_MB_MAX + " MiB, got " + heapMb);
    }
    return List.of("-Xmx" + heapMb + "m", "-XX:+UseSerialGC");
  }

  private final String runId;
  private final String id;
  private final Path dir;
  private final String mainClass;
  private final List<String> args;
  private final List<String> systemProperties;
  private final FakeClock clock;
  private final List<String> commandPrefix;
  private final List<String> jvmOptions;
  private Process process;
  private OutputStream stdin;
  private boolean paused;

  NodeProcess(String runId, String id, Path dir, String mainClass, List<String> args, List<String> systemProperties,
      FakeClock clock, List<String> commandPrefix, long heapMb) {
    this.jvmOptions = jvmOptions(heapMb);
    this.clock = clock;
    this.commandPrefix = List.copyOf(commandPrefix);
    this.runId = Objects.requireNonNull(runId, "runId");
    this.id = Objects.requireNonNull(id, "id");
    this.dir = Objects.requireNonNull(dir, "dir");
    this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
    this.args = List.copyOf(args);
    this.systemProperties = List.copyOf(systemProperties);
  }

  public String id() { return id; }
  public Path dir() { return dir; }
  public Path dataDir() { return dir.resolve("data"); }
  public Path logFile() { return dir.resolve("node.log"); }
  public Path pidFile() { return dir.resolve("pid"); }
  public Path hostsFile() { return dir.resolve("hosts"); }

  /** The node's faked wall clock, when it was launched with one ({@link LocalDeployment#launch}). */
  public java.util.Optional<FakeClock> clock() { return java.util.Optional.ofNullable(clock); }

  public synchronized boolean isRunning() { return process != null && process.isAlive(); }

  public synchronized boolean isPaused() { return paused && isRunning(); }

  /** The live process's pid, or -1. */
  public synchronized long pid() { return isRunning() ? process.pid() : -1; }

  /** Starts the node; a no-op when it runs. Its data directory is kept from any earlier life. */
  public synchronized void start() throws IOException {
    if (isRunning()) return;
    if (process != null) afterExit(); // it exited by itself (refused to start, crashed): its stdin pipe goes too
    Files.createDirectories(dataDir());
    List<String> command = new ArrayList<>(commandPrefix);
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add(MARKER_PREFIX + runId + "/" + id);
    command.add("-Djdk.net.hosts.file=" + hostsFile().toAbsolutePath());
    for (String property : systemProperties) command.add("-D" + property);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Files.writeString(logFile(), "---- faultline: starting " + id + ": " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder builder = new ProcessBuilder(command);
    if (clock != null) builder.environment().putAll(clock.environment());
    process = builder
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    stdin = process.getOutputStream();
    paused = false;
    Files.writeString(pidFile(), process.pid() + "\n", StandardCharsets.UTF_8);
  }

  /** SIGKILL: a crash, no clean-up. Waits until the process is gone so its port is free again. */
  public synchronized void kill() throws IOException {
    if (!isRunning()) return;
    process.destroyForcibly();
    awaitExit(STOP_WAIT_MS, "SIGKILL");
    afterExit();
  }

  /** SIGSTOP: the node freezes; its sockets stay open and its peers see silence. */
  public synchronized void pause() throws IOException {
    if (!isRunning()) return;
    Signals.send("STOP", process.pid());
    paused = true;
  }

  /** SIGCONT. */
  public synchronized void resume() throws IOException {
    if (!isRunning()) return;
    Signals.send("CONT", process.pid());
    paused = false;
  }

  /** Teardown: SIGCONT, SIGTERM, then SIGKILL after {@link #STOP_WAIT_MS}; removes the pid file. */
  public synchronized void stop() throws IOException {
    if (isRunning()) {
      terminate();
      if (!waitExit(STOP_WAIT_MS)) {
        process.destroyForcibly();
        awaitExit(STOP_WAIT_MS, "SIGKILL after SIGTERM");
      }
    }
    afterExit();
  }

  /** First half of a teardown, so that a cluster can signal all nodes before waiting for any. */
  synchronized void terminate() {
    if (!isRunning()) return;
    try {
      Signals.send("CONT", process.pid());
    } catch (IOException e) {
      // It may have died meanwhile; SIGTERM and SIGKILL below settle it either way.
    }
    paused = false;
    process.destroy();
  }

  synchronized boolean waitExit(long timeoutMs) {
    if (process == null) return true;
    try {
      return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private void awaitExit(long timeoutMs, String what) throws IOException {
    if (!waitExit(timeoutMs)) {
      throw new IOException("node " + id + " (pid " + process.pid() + ") still alive " + timeoutMs + " ms after " + what);
    }
  }

  private void afterExit() throws IOException {
    if (stdin != null) {
      try {
        stdin.close();
      } catch (IOException e) {
        // The child is gone; its end of the pipe with it.
      }
      stdin = null;
    }
    paused = false;
    Files.deleteIfExists(pidFile());
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  @Override
  public String toString() { return "node " + id + " of run " + runId; }
}
