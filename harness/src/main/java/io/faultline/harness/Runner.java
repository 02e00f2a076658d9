package io.faultline.harness;

import io.faultline.checkers.CheckResult;
import io.faultline.checkers.Checker;
import io.faultline.faults.FaultInterval;
import io.faultline.faults.FaultIntervals;
import io.faultline.faults.Nemesis;
import io.faultline.faults.ScheduledFault;
import io.faultline.history.History;
import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.results.ReportHtml;
import io.faultline.results.RunResult;
import io.faultline.results.WalSample;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.StorageUsage;
import io.faultline.workloads.Context;
import io.faultline.workloads.Generator;
import io.faultline.workloads.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Composes a system, a workload, a nemesis and checkers into one run, Jepsen's way.
 *
 * <p>Phases: start the cluster; {@code concurrency} client workers (one logical process each; a
 * process whose op ends {@code info} is retired and the worker carries on as {@code process +
 * concurrency}) and one nemesis worker run for {@code --time}; then every fault is healed, a quiet
 * period passes and the workload's final ops (reads of every key) run; then the checkers judge the
 * history. Evidence goes to disk cheapest first: spec.json at the start, history.jsonl as it happens,
 * result.json and report.html last. A cluster that is {@link StorageUsage} has its WAL bytes sampled
 * every second from the start of the workload until the cluster is stopped ({@code wal_bytes}).
 */
final class Runner {
  /** How long a worker may take to finish its in-flight op once its phase ends before it is abandoned. */
  static final long JOIN_MS_MAX = 60_000;
  /** The final phase (reads after the heal) ends after this at the latest. */
  static final long FINAL_PHASE_MS_MAX = 60_000;
  /** A worker that cannot get a client retries this often, within its phase. */
  static final long CLIENT_RETRY_MS = 200;

  record Outcome(RunResult result, History history, Path dir) {}

  private final RunSpec spec;
  private final RunParts parts;
  private final Progress progress;
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong fail = new AtomicLong();
  private final AtomicLong info = new AtomicLong();
  private final AtomicLong faultsDone = new AtomicLong();
  /** The backup-restore workload's backup and restore, or null for other workloads. */
  private BackupRestorePhase backups;
  private Map<String, Object> backupSummary = Map.of();

  Runner(RunSpec spec, RunParts parts, Progress progress) {
    this.spec = spec;
    this.parts = parts;
    this.progress = progress;
  }

  Outcome run() throws IOException {
    Path dir = spec.out();
    Files.createDirectories(dir);
    writeSpec(dir);
    progress.line("seed=" + spec.seed() + " system=" + spec.system() + " workload=" + spec.workload()
        + " nemesis=" + spec.nemesisLabel() + " time=" + Durations.format(spec.timeMs()) + " concurrency="
        + spec.concurrency() + (spec.bugs().isEmpty() ? "" : " bugs=" + String.join(",", spec.bugs())));
    progress.line("re-run: " + spec.command());
    progress.line("starting " + spec.nodes() + " " + spec.system() + " nodes in " + dir);
    ClusterSpec clusterSpec = new ClusterSpec(spec.nodes(), dir, spec.seed(), spec.bugs(), parts.systemOptions());
    List<Op> ops;
    List<WalSample> walBytes = List.of();
    Optional<String> walBytesError = Optional.empty();
    try (Cluster cluster = parts.sut().start(clusterSpec);
         HistoryRecorder recorder = new HistoryRecorder(dir.resolve("history.jsonl"));
         Nemesis nemesis = parts.nemesisFactory().apply(cluster)) {
      progress.line("cluster up: " + cluster.nodes().size() + " nodes; running for " + Durations.format(spec.timeMs()));
      Thread ticker = progress.startTicker(recorder::nowNs, spec.timeMs(), ok, fail, info, faultsDone, recorder::flush);
      WalBytesSampler sampler = cluster instanceof StorageUsage
          ? WalBytesSampler.start((StorageUsage) cluster, recorder::nowNs, WalBytesSampler.INTERVAL_MS, progress::line)
          : null;
      try {
        int[] nextProcess = {0};
        GeneratorCell main = new GeneratorCell(parts.workload().generator());
        long mainEndNs = TimeUnit.MILLISECONDS.toNanos(spec.timeMs());
        List<Thread> workers = startWorkers(cluster, recorder, main, mainEndNs, nextProcess, "client");
        if (spec.workload().equals(io.faultline.workloads.BackupRestoreWorkload.NAME)) {
          backups = new BackupRestorePhase(cluster, recorder, progress, dir,
              new ClusterSpec(spec.nodes(), dir.resolve("restored"), spec.seed() + 1, spec.bugs(), parts.systemOptions()));
          backups.startBackupAt((long) (mainEndNs * io.faultline.workloads.BackupRestoreWorkload.BACKUP_AT_FRACTION));
        }
        Thread nemesisWorker = new Thread(() -> runSchedule(nemesis, recorder, mainEndNs), "nemesis");
        nemesisWorker.setDaemon(true);
        nemesisWorker.start();
        // Heal as soon as the schedule is over, before waiting for clients stuck on a faulty node.
        join(List.of(nemesisWorker), mainEndNs, recorder);
        List<Op> heals = nemesis.healOps();
        if (!heals.isEmpty()) progress.line("healing: " + heals.size() + " heal ops");
        for (Op heal : heals) perform(nemesis, recorder, heal);
        join(workers, mainEndNs, recorder);
        progress.line("quiet period " + Durations.format(spec.quietMs()));
        sleepMs(spec.quietMs());

        Cluster finalCluster = backups == null ? cluster : backups.restore();
        Generator finalGen = parts.workload().finalGenerator();
        if (finalGen != null && finalCluster != null) {
          progress.line("final reads" + (finalCluster == cluster ? "" : " on the restored cluster"));
          long finalEndNs = recorder.nowNs() + TimeUnit.MILLISECONDS.toNanos(FINAL_PHASE_MS_MAX);
          List<Thread> finals = startWorkers(finalCluster, recorder, new GeneratorCell(finalGen), finalEndNs, nextProcess, "final");
          join(finals, finalEndNs, recorder);
        }
      } finally {
        if (backups != null) {
          backupSummary = backups.summary();
          try {
            backups.close();
          } catch (IOException e) {
            progress.line("stopping the restored cluster: " + e.getMessage());
          }
        }
        ticker.interrupt();
        if (sampler != null) {
          sampler.close();
          walBytes = sampler.samples();
          walBytesError = sampler.error();
        }
        recorder.flush();
        ops = recorder.ops();
      }
      progress.line("stopping the cluster");
    }
    return judge(dir, History.of(ops), walBytes, walBytesError);
  }

  /** One lock around the generator value: the same seed and request order give the same ops. */
  private static final class GeneratorCell {
    private Generator gen;

    GeneratorCell(Generator gen) {
      this.gen = gen;
    }

    synchronized Step next(Context ctx) {
      if (gen == null) return Step.exhausted();
      Step s = gen.next(ctx);
      gen = s.rest();
      return s;
    }

    synchronized void update(Context ctx, Op completion) {
      if (gen != null) gen = gen.update(ctx, completion);
    }
  }

  private List<Thread> startWorkers(Cluster cluster, HistoryRecorder recorder, GeneratorCell gen, long endNs,
      int[] nextProcess, String name) {
    List<Thread> threads = new ArrayList<>();
    int n = spec.concurrency();
    int base;
    synchronized (nextProcess) {
      base = nextProcess[0];
      nextProcess[0] += n;
    }
    for (int t = 0; t < n; t++) {
      int thread = t;
      Thread th = new Thread(() -> work(cluster, recorder, gen, endNs, thread, base + thread, nextProcess), name + "-" + t);
      th.setDaemon(true);
      th.start();
      threads.add(th);
    }
    return threads;
  }

  private void work(Cluster cluster, HistoryRecorder recorder, GeneratorCell gen, long endNs, int thread, int firstProcess,
      int[] nextProcess) {
    int process = firstProcess;
    Client client = null;
    try {
      while (recorder.nowNs() < endNs) {
        if (client == null) {
          try {
            client = cluster.client(process);
          } catch (IOException | RuntimeException e) {
            progress.line("process " + process + ": no client yet (" + e.getMessage() + "); retrying");
            sleepMs(CLIENT_RETRY_MS);
            continue;
          }
        }
        Context ctx = new Context(recorder.nowNs(), thread, process, spec.concurrency());
        Step step = gen.next(ctx);
        if (step.isExhausted()) return;
        if (step.op() == null) {
          long waitNs = Math.min(step.waitUntilNs(), endNs) - recorder.nowNs();
          if (waitNs > 0) sleepMs(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs)));
          continue;
        }
        Op invocation = recorder.append(step.op().withProcess(process).withIndex(-1).withTime(-1));
        Op completion;
        try {
          completion = client.invoke(invocation);
        } catch (RuntimeException e) {
          // A client must not throw; if it does, the outcome is unknown.
          completion = invocation.info("client threw " + e);
        }
        if (completion == null || completion.isInvoke() || completion.process() != process) {
          completion = invocation.info("client returned no valid completion");
        }
        Op recorded = recorder.append(completion);
        count(recorded.type());
        gen.update(new Context(recorded.timeNs(), thread, process, spec.concurrency()), recorded);
        if (recorded.isInfo()) {
          client.close();
          client = null;
          process = freshProcess(nextProcess);
        }
      }
    } finally {
      if (client != null) client.close();
    }
  }

  /** A fresh process number after an info: never used before (Jepsen's rule: a crashed process never acts again). */
  private static int freshProcess(int[] nextProcess) {
    synchronized (nextProcess) {
      return nextProcess[0]++;
    }
  }

  private void count(OpType t) {
    switch (t) {
      case OK: ok.incrementAndGet(); break;
      case FAIL: fail.incrementAndGet(); break;
      default: info.incrementAndGet();
    }
  }

  private void runSchedule(Nemesis nemesis, HistoryRecorder recorder, long endNs) {
    for (ScheduledFault f : parts.schedule()) {
      long atNs = TimeUnit.MILLISECONDS.toNanos(f.atMs());
      if (atNs >= endNs) return;
      long waitMs = TimeUnit.NANOSECONDS.toMillis(atNs - recorder.nowNs());
      if (waitMs > 0) sleepMs(waitMs);
      if (recorder.nowNs() >= endNs) return;
      perform(nemesis, recorder, f.op());
    }
  }

  private void perform(Nemesis nemesis, HistoryRecorder recorder, Op fault) {
    Op invocation = recorder.append(fault.withProcess(Op.NEMESIS).withIndex(-1).withTime(-1));
    Op done;
    try {
      done = nemesis.invoke(invocation);
    } catch (RuntimeException e) {
      done = invocation.info("nemesis threw " + e);
    }
    if (done == null) done = invocation.info("nemesis returned nothing");
    recorder.append(done.withProcess(Op.NEMESIS));
    faultsDone.incrementAndGet();
    progress.line("nemesis " + fault.f() + " " + Json.write(fault.value()) + " -> " + Json.write(done.value())
        + (done.error() == null ? "" : " (" + done.error() + ")"));
  }

  private void join(List<Thread> threads, long endNs, HistoryRecorder recorder) {
    long deadline = System.nanoTime() + Math.max(0, endNs - recorder.nowNs()) + TimeUnit.MILLISECONDS.toNanos(JOIN_MS_MAX);
    for (Thread t : threads) {
      long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        t.join(Math.max(1, leftMs));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) progress.line("worker " + t.getName() + " still in an op after the bound; its op reads as info");
    }
  }

  private Outcome judge(Path dir, History history, List<WalSample> walBytes, Optional<String> walBytesError) throws IOException {
    progress.line("checking " + history.size() + " history entries");
    List<CheckResult> results = new ArrayList<>();
    for (Checker c : parts.checkers()) {
      long t0 = System.nanoTime();
      CheckResult r;
      try {
        r = c.check(history);
      } catch (RuntimeException | OutOfMemoryError e) {
        r = CheckResult.unknown(c.name(), "checker crashed: " + e);
      }
      progress.line("checker " + c.name() + ": valid " + r.valid().json() + " ("
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms)");
      results.add(r);
    }
    CheckResult all = CheckResult.compose("checkers", results);
    List<FaultInterval> faults = FaultIntervals.from(history);
    RunResult result = toResult(all, results, faults, FaultIntervals.recoveriesNs(history, faults), walBytes, walBytesError,
        io.faultline.faults.CorruptNemesis.summary(history));
    Files.writeString(dir.resolve("result.json"), Json.writePretty(result.toJson()) + "\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("report.html"), ReportHtml.render(result, history, faults), StandardCharsets.UTF_8);
    return new Outcome(result, history, dir);
  }

  private RunResult toResult(CheckResult all, List<CheckResult> parts, List<FaultInterval> faults, List<Long> recoveriesNs,
      List<WalSample> walBytes, Optional<String> walBytesError, Map<String, Object> repairs) {
    Map<String, Long> opCounts = new LinkedHashMap<>();
    double throughput = 0;
    Map<String, Double> latency = new LinkedHashMap<>();
    Map<String, Object> checkers = new LinkedHashMap<>();
    for (CheckResult r : parts) {
      checkers.put(r.checker(), r.toJson());
      if (r.checker().equals("stats")) {
        Object o = r.details().get("ops");
        if (o instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) opCounts.put(String.valueOf(e.getKey()), ((Number) e.getValue()).longValue());
        Object t = r.details().get("throughput");
        if (t instanceof Number) throughput = ((Number) t).doubleValue();
        Object l = r.details().get("latency_ms");
        if (l instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) l).entrySet()) latency.put(String.valueOf(e.getKey()), ((Number) e.getValue()).doubleValue());
      }
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("time_s", spec.timeMs() / 1000.0);
    extra.put("concurrency", spec.concurrency());
    extra.put("nodes", spec.nodes());
    extra.put("bugs", new ArrayList<>(new java.util.TreeSet<>(spec.bugs())));
    if (!this.parts.systemOptions().isEmpty()) extra.put("system_options", this.parts.systemOptions());
    walBytesError.ifPresent(e -> extra.put("wal_bytes_error", e));
    if (!repairs.isEmpty()) extra.put("repairs", repairs);
    extra.putAll(backupSummary);
    extra.put("checkers", checkers);
    return new RunResult(spec.system(), spec.workload(), spec.nemesisLabel(), spec.seed(), spec.command(),
        BuildInfo.gitCommit(), all.valid(), opCounts, throughput, latency, all.anomalies(), faults, recoveriesNs, walBytes, extra);
  }

  private void writeSpec(Path dir) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", spec.seed());
    m.put("command", spec.command());
    m.put("git_commit", BuildInfo.gitCommit());
    m.put("started_at", Instant.now().toString());
    m.put("system", spec.system());
    m.put("workload", spec.workload());
    m.put("nemesis", spec.nemesisLabel());
    m.put("targets", spec.targets());
    m.put("time_ms", spec.timeMs());
    m.put("concurrency", spec.concurrency());
    m.put("nodes", spec.nodes());
    m.put("nemesis_interval_ms", spec.nemesisIntervalMs());
    m.put("quiet_ms", spec.quietMs());
    m.put("ops_per_key", spec.opsPerKey());
    m.put("key_dist", spec.keyDistribution());
    m.put("bugs", new ArrayList<>(new java.util.TreeSet<>(spec.bugs())));
    m.put("system_options", parts.systemOptions());
    m.put("consistency_models", spec.consistencyModels());
    List<Object> schedule = new ArrayList<>();
    for (ScheduledFault f : parts.schedule()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("at_ms", f.atMs());
      e.put("f", f.op().f());
      e.put("value", f.op().value());
      schedule.add(e);
    }
    m.put("schedule", schedule);
    m.put("java", System.getProperty("java.version"));
    m.put("cores", Runtime.getRuntime().availableProcessors());
    Files.writeString(dir.resolve("spec.json"), Json.writePretty(m) + "\n", StandardCharsets.UTF_8);
  }

  static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
