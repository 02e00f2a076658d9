package io.faultline.harness;

import io.faultline.local.Sweeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;

/** Runs composed from specs: one at a time (never two clusters at once on a small machine). */
final class Campaign {
  private Campaign() {}

  static Runner.Outcome runOne(RunSpec spec, Progress progress) throws IOException {
    sweep(progress, spec.out());
    RunParts parts = Catalog.parts(spec);
    return new Runner(spec, parts, progress).run();
  }

  /**
   * Removes what a killed earlier run left behind (node processes, pid files) before starting
   * anything: under the default runs directory, and under this run's own directory when it is reused.
   */
  static void sweep(Progress progress, Path out) throws IOException {
    Path home = Paths.get(System.getProperty("faultline.home", "."));
    for (Path root : List.of(home.resolve("results").resolve("runs"), out)) {
      if (!Files.isDirectory(root)) continue;
      for (Sweeper.Swept s : Sweeper.sweep(root)) {
        progress.line("swept leftover of an earlier run: pid " + s.pid() + " (" + s.outcome() + ") from " + s.pidFile());
      }
    }
  }

  static String summary(Runner.Outcome o) {
    var r = o.result();
    return String.format(Locale.ROOT, "valid=%s  ok=%d fail=%d info=%d  throughput=%.1f/s  p99=%.1fms  anomalies=%d  -> %s",
        r.valid().json(), r.ops().getOrDefault("ok", 0L), r.ops().getOrDefault("fail", 0L), r.ops().getOrDefault("info", 0L),
        r.throughput(), r.latencyMs().getOrDefault("p99", 0.0), r.anomalies().size(), o.dir().resolve("result.json"));
  }
}
