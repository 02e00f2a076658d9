package io.faultline.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Cleans up after an earlier harness that died without its teardown (SIGKILL, OOM, power of a
 * debugger): finds {@code nodes/<id>/pid} files under a root of run directories, SIGKILLs each
 * process that is still alive and carries the {@code faultline.node} marker on its command line
 * (a pid the kernel gave to something else since is left alone), and removes the pid files.
 *
 * <p>Run it at harness start, before any deployment of this JVM opens. Pid files of deployments
 * open in this JVM are skipped; a root shared with another harness running at the same time is
 * not safe to sweep.
 *
 * <p>Network: link proxies live in the harness JVM and die with it. What the {@code netns} backend
 * leaves in the kernel after a killed harness (namespaces with their nft tables and qdiscs, bridges,
 * the clients' nft table) carries the pid of the harness that made it in its name; {@link
 * #sweepNetns} removes what belongs to a harness no longer alive.
 */
public final class Sweeper {
  /** How deep below the root pid files are looked for: {@code <root>/<system>/<run>/nodes/<id>/pid}. */
  public static final int SEARCH_DEPTH_MAX = 8;

  /** What was found at one pid file. */
  public record Swept(Path pidFile, long pid, Outcome outcome) {}

  /** What the sweeper did about one pid file. */
  public enum Outcome {
    /** The process was a faultline node and was killed. */
    KILLED,
    /** No process with that pid is alive. */
    GONE,
    /** A live process has the pid, but it is not a faultline node. */
    NOT_A_NODE,
    /** The file held no pid. */
    UNREADABLE,
    /** A node process that would not die within the bound: its pid file is kept. */
    SURVIVED
  }

  private Sweeper() {}

  /** Sweeps {@code root}; an absent root is nothing to sweep. */
  public static List<Swept> sweep(Path root) throws IOException {
    List<Swept> report = new ArrayList<>();
    if (!Files.isDirectory(root)) return report;
    List<Path> pidFiles;
    try (Stream<Path> files = Files.walk(root, SEARCH_DEPTH_MAX)) {
      pidFiles = files.filter(Sweeper::isNodePidFile).filter(p -> !LocalDeployment.ownsPidFile(p)).toList();
    }
    for (Path pidFile : pidFiles) {
      Swept swept = sweepOne(pidFile);
      if (swept.outcome() != Outcome.SURVIVED) Files.deleteIfExists(pidFile);
      report.add(swept);
    }
    return report;
  }

  private static boolean isNodePidFile(Path p) {
    Path parent = p.getParent();
    Path grandparent = parent == null ? null : parent.getParent();
    return p.getFileName().toString().equals("pid") && grandparent != null
        && grandparent.getFileName() != null && grandparent.getFileName().toString().equals("nodes")
        && Files.isRegularFile(p);
  }

  private static Swept sweepOne(Path pidFile) throws IOException {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
    } catch (NumberFormatException e) {
      return new Swept(pidFile, -1, Outcome.UNREADABLE);
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) return new Swept(pidFile, pid, Outcome.GONE);
    if (!isNode(handle.get())) return new Swept(pidFile, pid, Outcome.NOT_A_NODE);
    handle.get().destroyForcibly();
    try {
      handle.get().onExit().get(NodeProcess.STOP_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
      return new Swept(pidFile, pid, Outcome.KILLED);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Swept(pidFile, pid, Outcome.SURVIVED);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return new Swept(pidFile, pid, handle.get().isAlive() ? Outcome.SURVIVED : Outcome.KILLED);
    }
  }

  static boolean isNode(ProcessHandle process) {
    Optional<String[]> arguments = process.info().arguments();
    if (arguments.isPresent()) {
      for (String argument : arguments.get()) {
        if (argument.startsWith(NodeProcess.MARKER_PREFIX)) return true;
      }
      return false;
    }
    return process.info().commandLine().map(line -> line.contains(NodeProcess.MARKER_PREFIX)).orElse(false);
  }

  /**
   * Removes network namespaces, bridges and nft tables of the {@code netns} backend whose harness
   * ({@code fl<pid>...}) is gone; returns their names. Does nothing, and says nothing, without root
   * or the tools: then the backend cannot have run either.
   */
  public static List<String> sweepNetns() {
    List<String> removed = new ArrayList<>();
    if (NetnsNetwork.unavailableReason().isPresent()) return removed;
    java.util.regex.Pattern namespace = java.util.regex.Pattern.compile("^(fl([0-9a-f]{6})[0-9a-f]n\\d+)\\b.*");
    java.util.regex.Pattern bridge = java.util.regex.Pattern.compile("^\\d+: (fl([0-9a-f]{6})[0-9a-f]br)[:@].*");
    java.util.regex.Pattern table = java.util.regex.Pattern.compile("^table inet (" + NetnsNetwork.TABLE + "fl([0-9a-f]{6})[0-9a-f])$");
    try {
      for (String line : NetnsNetwork.output("ip", "netns", "list").split("\n")) {
        java.util.regex.Matcher m = namespace.matcher(line.trim());
        if (m.matches() && orphaned(m.group(2))) {
          NetnsNetwork.runQuietly("ip", "netns", "del", m.group(1));
          removed.add(m.group(1));
        }
      }
      for (String line : NetnsNetwork.output("ip", "-o", "link", "show", "type", "bridge").split("\n")) {
        java.util.regex.Matcher m = bridge.matcher(line.trim());
        if (m.matches() && orphaned(m.group(2))) {
          NetnsNetwork.runQuietly("ip", "link", "del", m.group(1));
          removed.add(m.group(1));
        }
      }
      for (String line : NetnsNetwork.output("nft", "list", "tables").split("\n")) {
        java.util.regex.Matcher m = table.matcher(line.trim());
        if (m.matches() && orphaned(m.group(2))) {
          NetnsNetwork.runQuietly("nft", "delete", "table", "inet", m.group(1));
          removed.add(m.group(1));
        }
      }
    } catch (IOException e) {
      removed.add("sweep failed: " + e.getMessage());
    }
    return removed;
  }

  /** Whether the harness whose pid (low 24 bits, hex) a name carries is gone. */
  private static boolean orphaned(String pidHex) {
    long low = Long.parseLong(pidHex, 16);
    if ((ProcessHandle.current().pid() & 0xFFFFFF) == low) return false;
    return ProcessHandle.of(low).filter(ProcessHandle::isAlive).isEmpty();
  }
}
