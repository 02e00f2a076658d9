package io.faultline.harness;

import io.faultline.local.Sweeper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs composed from specs, one at a time (never two clusters at once on a small machine), with the
 * house-keeping around each: sweeping what killed earlier runs left, keeping an earlier run in a reused
 * directory, and registering the run so that a later start can sweep it if this harness is killed.
 *
 * <p>The registry is a directory of small files, one per live run ({@code <harness pid>-<n>}, holding
 * the run directory); a run removes its entry when it ends. An entry whose harness is dead marks a
 * killed run: the next start sweeps its directory (node processes, pid files) and drops the entry.
 */
final class Campaign {
  private Campaign() {}

  static final Path REGISTRY = Paths.get(System.getProperty("java.io.tmpdir"), "faultline-live-runs");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  private static int registered;

  static Runner.Outcome runOne(RunSpec spec, Progress progress) throws IOException {
    sweep(progress, spec.out());
    RunParts parts = Catalog.parts(spec);
    keepEarlierRun(progress, spec.out());
    Path entry = register(spec.out());
    try {
      return new Runner(spec, parts, progress).run();
    } finally {
      Files.deleteIfExists(entry);
    }
  }

  /**
   * Removes what killed earlier runs left behind before starting anything: network namespaces and
   * rules, and node processes under every registered run whose harness is gone, under the default
   * runs directory and under this run's own directory.
   */
  static void sweep(Progress progress, Path out) throws IOException {
    for (String ns : Sweeper.sweepNetns()) progress.line("swept network namespace/rules of an earlier run: " + ns);
    Set<Path> roots = new LinkedHashSet<>();
    roots.add(Paths.get(System.getProperty("faultline.home", ".")).resolve("results").resolve("runs"));
    roots.add(out);
    roots.addAll(killedRuns());
    for (Path root : roots) {
      if (!Files.isDirectory(root)) continue;
      for (Sweeper.Swept s : Sweeper.sweep(root)) {
        progress.line("swept leftover of an earlier run: pid " + s.pid() + " (" + s.outcome() + ") from " + s.pidFile());
      }
    }
  }

  /** Run directories of registered runs whose harness process is dead; their entries are dropped. */
  private static List<Path> killedRuns() throws IOException {
    List<Path> dirs = new java.util.ArrayList<>();
    if (!Files.isDirectory(REGISTRY)) return dirs;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(REGISTRY)) {
      for (Path e : entries) {
        String name = e.getFileName().toString();
        long pid;
        try {
          pid = Long.parseLong(name.substring(0, name.indexOf('-')));
        } catch (RuntimeException bad) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
        try {
          dirs.add(Paths.get(Files.readString(e, StandardCharsets.UTF_8).trim()));
        } catch (IOException | RuntimeException unreadable) {
          // an entry cut short by the kill: nothing to sweep
        }
        Files.deleteIfExists(e);
      }
    }
    return dirs;
  }

  /** Records a live run (its directory, under this harness's pid) so that a later start can sweep it if this harness is killed. */
  static synchronized Path register(Path out) throws IOException {
    Files.createDirectories(REGISTRY);
    Path entry = REGISTRY.resolve(ProcessHandle.current().pid() + "-" + (registered++));
    Files.writeString(entry, out.toAbsolutePath().normalize().toString(), StandardCharsets.UTF_8);
    return entry;
  }

  /**
   * A run directory that already holds a run (the exact command of result.json re-run) is moved to a
   * sibling {@code DIR.prev-<timestamp>}: its evidence is kept and the new run starts from nothing,
   * since nodes would otherwise recover the earlier run's data.
   */
  static void keepEarlierRun(Progress progress, Path out) throws IOException {
    if (!Files.isDirectory(out)) return;
    try (DirectoryStream<Path> d = Files.newDirectoryStream(out)) {
      if (!d.iterator().hasNext()) return;
    }
    Path kept = out.resolveSibling(out.getFileName() + ".prev-" + LocalDateTime.now().format(STAMP));
    for (int i = 2; Files.exists(kept); i++) kept = out.resolveSibling(out.getFileName() + ".prev-" + LocalDateTime.now().format(STAMP) + "-" + i);
    Files.move(out, kept);
    progress.line(out + " held an earlier run; kept it as " + kept);
  }

  static String summary(Runner.Outcome o) {
    var r = o.result();
    return String.format(Locale.ROOT, "valid=%s  ok=%d fail=%d info=%d  throughput=%.1f/s  p99=%.1fms  anomalies=%d  -> %s",
        r.valid().json(), r.ops().getOrDefault("ok", 0L), r.ops().getOrDefault("fail", 0L), r.ops().getOrDefault("info", 0L),
        r.throughput(), r.latencyMs().getOrDefault("p99", 0.0), r.anomalies().size(), o.dir().resolve("result.json"));
  }
}
