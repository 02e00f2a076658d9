package io.faultline.harness;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.Checker;
import io.faultline.checkers.TxnCheckerOptions;
import io.faultline.checkers.Validity;
import io.faultline.history.History;
import io.faultline.history.HistoryFiles;
import io.faultline.history.HistoryFormatException;
import io.faultline.history.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code faultline check}: judges stored histories (JSON lines or Jepsen EDN), one JSON verdict line per file. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Checks stored histories (JSON lines, or Jepsen EDN) in one JVM and prints one JSON line per file:",
        "{\"file\":...,\"valid\":true|false|\"unknown\",\"ms\":...} plus the anomalies when not valid",
        "(and, for list-append / rw-register, anomaly_types and not).",
        "Exit 0 when all are valid, 1 when any is not or is unknown, 2 on error (unreadable or malformed file)."})
final class CheckCommand implements Callable<Integer> {
  @Option(names = "--checker", defaultValue = "linearizable", description = "Checker: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = Catalog.CheckerNames.class)
  String checker;

  @Option(names = "--model", defaultValue = "cas-register",
      description = "linearizable: the model, as Knossos names them: register, cas-register, kv, counter, set, fifo-queue (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--consistency-models", defaultValue = "strict-serializable", split = ",",
      description = "list-append, rw-register: the models to judge against, Elle's names (default ${DEFAULT-VALUE}).")
  List<String> consistencyModels;

  @Option(names = "--wfr-keys", description = "rw-register: within a txn, a write follows the version it read of that key (Elle's :wfr-keys?).")
  boolean wfrKeys;

  @Option(names = "--sequential-keys", description = "rw-register: process order orders each key's versions (Elle's :sequential-keys?).")
  boolean sequentialKeys;

  @Option(names = "--linearizable-keys", description = "rw-register: realtime order orders each key's versions (Elle's :linearizable-keys?).")
  boolean linearizableKeys;

  @Option(names = "--time-limit", defaultValue = "60s", description = {"linearizable: per file; list-append, rw-register: per strongly connected component of the",
          "dependency graph. Past it the verdict is unknown (default ${DEFAULT-VALUE})."})
  String timeLimit;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "History files: *.jsonl (JSON lines) or *.edn (Jepsen).")
  List<Path> files;

  @Override
  public Integer call() {
    Checker c = Catalog.checker(checker, model, TxnCheckerOptions.of(consistencyModels)
        .withKeyInference(wfrKeys, sequentialKeys, linearizableKeys), Durations.parseMs(timeLimit));
    Validity all = Validity.TRUE;
    boolean error = false;
    for (Path file : files) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("file", file.toString());
      long t0 = System.nanoTime();
      try {
        if (!Files.isRegularFile(file)) throw new IOException("no such file");
        History h = HistoryFiles.read(file);
        CheckResult r = c.check(h);
        all = all.merge(r.valid());
        line.put("valid", r.valid().json());
        line.put("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        line.put("ops", h.size());
        for (String k : List.of("anomaly_types", "not")) {
          if (r.details().containsKey(k)) line.put(k, r.details().get(k));
        }
        if (r.valid() != Validity.TRUE) {
          Map<String, Object> j = r.toJson();
          j.remove("valid");
          line.putAll(j);
        }
      } catch (HistoryFormatException e) {
        error = true;
        line.put("valid", "unknown");
        line.put("error", e.getMessage());
      } catch (IOException e) {
        error = true;
        line.put("valid", "unknown");
        line.put("error", file + ": cannot read: " + Main.describe(e));
      }
      System.out.println(Json.write(line));
      if (line.containsKey("error")) System.err.println("faultline: error: " + line.get("error"));
    }
    System.out.flush();
    return error ? Main.EXIT_ERROR : all.exitCode();
  }
}
