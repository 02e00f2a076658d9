package io.faultline.harness;

import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.raftadapter.RaftCluster;
import io.faultline.ratis.RatisCluster;
import io.faultline.ratis.RatisNodeMain;
import io.faultline.ratis.RatisOptions;
import io.faultline.sut.Capability;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import io.faultline.sut.SystemUnderTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One system's benchmark: a cluster started, measured in two phases, and closed.
 *
 * <p>Throughput: {@code concurrency} closed-loop threads, each with its own client, write a
 * {@link #VALUE_BYTES}-byte text value to a key drawn uniformly from {@link #KEY_SPACE} (keys and
 * values drawn from the seed before the phase starts, so the measured loop draws nothing). A warm-up
 * runs first and is not counted; then every completion inside the {@code --time} window counts, and
 * the latency of each ok write (invoke to completion, as the client sees it) is kept exactly.
 *
 * <p>Elections: {@code --kills} times, wait until the cluster is healthy (every node running and
 * serving, a leader known, every prober's write ok), pause a seeded 0–{@link #SETTLE_JITTER_MS} ms so
 * that kills do not line up with heartbeats, SIGKILL the leader, then let one prober per node write
 * continuously; the figure is the time from the kill to the first write invoked after it that comes
 * back ok. Writes invoked before the kill do not count: one stuck at the old leader may have been
 * committed before it died. Then the killed node is started again.
 *
 * <p>Fairness: both systems elect with 1–2 s timeouts; both clients pause 50 ms between attempts
 * (Ratis' client is set to our client's pace: its default 500 ms would round its elections up); Ratis
 * takes no snapshots during the run, as our Raft takes none yet (its default here is one every 1,000
 * entries, to exercise snapshot install under faults).
 */
final class BenchRun {
  static final int VALUE_BYTES = 100;
  static final int KEY_SPACE = 10_000;
  static final int KEYS_PER_THREAD = 1 << 16;
  /** A power of two: the measured loop picks with a mask. */
  static final int VALUES_PER_THREAD = 64;
  /** All latency samples kept, over all threads (8 bytes each). */
  static final int LATENCY_SAMPLES_MAX = 10_000_000;
  /** How long a worker may take to finish its last op after its phase, beyond the clients' own deadlines. */
  static final long JOIN_MS_MAX = 30_000;
  static final long CLIENT_RETRY_MS = 200;
  /** A kill after which no write commits within this counts as unrecovered. */
  static final long ELECTION_WAIT_MS_MAX = 30_000;
  static final long HEALTH_WAIT_MS_MAX = 60_000;
  static final long HEALTH_POLL_MS = 100;
  static final long SETTLE_JITTER_MS = 500;
  /** Times a kill may find no leader after the cluster was healthy before the phase gives up. */
  static final int LEADERLESS_MAX = 10;
  static final long STATUS_TIMEOUT_MS = 1_000;
  /** Our Raft client's pause between attempts ({@code RaftHttpClient.RETRY_SLEEP_MS}); Ratis' is set to it. */
  static final long CLIENT_RETRY_PACE_MS = 50;
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  /** What one system measured. Latencies and elections in ns, sorted. */
  record Figures(String system, long ok, long fail, long info, double windowS, long[] latencyNs, long latencyDropped,
      long[] electionNs, int kills, int unrecovered, Map<String, Long> errors, Map<String, String> systemOptions,
      Map<String, Object> durability, long startMs, Map<String, Object> load) {
    double throughput() { return windowS > 0 ? ok / windowS : 0; }
  }

  private final BenchSpec spec;
  private final String system;
  private final Progress progress;
  private final BenchErrors errors = new BenchErrors();

  BenchRun(BenchSpec spec, String system, Progress progress) {
    this.spec = spec;
    this.system = system;
    this.progress = progress;
  }

  /** The options each system is started with for a benchmark (see the class comment). */
  static Map<String, String> systemOptions(String system) {
    if (system.equals("ratis")) {
      return Map.of(RatisOptions.SNAPSHOT_THRESHOLD, Long.toString(RatisOptions.SNAPSHOT_THRESHOLD_MAX),
          RatisOptions.CLIENT_RETRY_MS, Long.toString(CLIENT_RETRY_PACE_MS));
    }
    return Map.of();
  }

  /** How the system makes a write durable, for the report. */
  static Map<String, Object> durability(String system) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (system.equals("ratis")) {
      Map<String, Object> settings = RatisNodeMain.durability();
      m.put("fsync", Boolean.FALSE.equals(settings.get("raft.server.log.unsafe-flush.enabled")));
      m.put("how", "Ratis' defaults: the log is flushed and fsynced before an entry counts as written; one fsync covers"
          + " the entries queued meanwhile (group commit)");
      m.put("settings", settings);
    } else if (system.equals("raft")) {
      m.put("fsync", true);
      m.put("how", "one fsync of the WAL per batch of entries (a Ready), before the node acknowledges them or counts"
          + " itself in a commit");
    } else {
      m.put("fsync", "unknown");
    }
    return m;
  }

  /** Refuses, before anything starts, a system whose clients cannot write a value to a key. */
  static void requireWritable(SystemUnderTest sut, String option) {
    if (!sut.capabilities().contains(Capability.REGISTER)) {
      throw new IllegalArgumentException("option " + option + ": system " + sut.name() + " cannot run the write workload: it needs "
          + Set.of(Capability.REGISTER) + " and the system offers " + sut.capabilities());
    }
  }

  Figures run(SystemUnderTest sut, Path runDir) throws IOException {
    requireWritable(sut, system.equals(spec.system()) ? "--system" : "--vs");
    long startMs = System.currentTimeMillis();
    Map<String, String> options = systemOptions(system);
    progress.line(system + ": starting " + spec.nodes() + " nodes in " + runDir
        + (options.isEmpty() ? "" : " with " + new java.util.TreeMap<>(options)));
    try (Cluster cluster = sut.start(new ClusterSpec(spec.nodes(), runDir, spec.seed(), Set.of(), options))) {
      progress.line(system + ": cluster up");
      probe(cluster);
      Throughput t = throughput(cluster);
      Elections e = elections(cluster);
      progress.line(system + ": stopping the cluster");
      return new Figures(system, t.ok, t.fail, t.info, t.windowS, t.latencyNs, t.latencyDropped, e.sortedNs(), spec.kills(),
          e.unrecovered, errors.counts(), options, durability(system), startMs, t.load);
    }
  }

  /** One write of a full-size value before anything is measured: a system that refuses it is an error, not a zero. */
  private void probe(Cluster cluster) throws IOException {
    String value = values(new SplittableRandom(spec.seed()), 1)[0];
    String last = "no attempt";
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HEALTH_WAIT_MS_MAX);
    while (System.nanoTime() < deadline) {
      try (Client client = cluster.client(0)) {
        Op done = client.invoke(Op.invoke(0, "write", 0L, value));
        if (done != null && done.isOk()) return;
        last = done == null ? "no completion" : done.type().name().toLowerCase(java.util.Locale.ROOT) + ": " + done.error();
      } catch (IOException | RuntimeException e) {
        last = e.toString();
      }
      Runner.sleepMs(CLIENT_RETRY_MS);
    }
    throw new IOException(system + " did not take a write of a " + VALUE_BYTES + "-byte text value within "
        + HEALTH_WAIT_MS_MAX + " ms; last outcome: " + last);
  }

  // ---------------------------------------------------------------------------------------------
  // Throughput

  private record Throughput(long ok, long fail, long info, double windowS, long[] latencyNs, long latencyDropped,
      Map<String, Object> load) {}

  private Throughput throughput(Cluster cluster) {
    int c = spec.concurrency();
    progress.line(system + ": throughput, " + c + " closed-loop writers, warm-up " + Durations.format(spec.warmupMs())
        + ", then " + Durations.format(spec.timeMs()) + " measured");
    List<Writer> writers = new ArrayList<>();
    for (int t = 0; t < c; t++) {
      SplittableRandom rng = new SplittableRandom(spec.seed() * 1_000_003L + t);
      writers.add(new Writer(cluster, t, c, keys(rng, KEYS_PER_THREAD), values(rng, VALUES_PER_THREAD),
          new BenchSamples(Math.max(1, LATENCY_SAMPLES_MAX / c))));
    }
    Map<String, Object> load = new LinkedHashMap<>();
    load.put("load_avg_1m_before", BenchLoad.loadAverage());
    long startNs = System.nanoTime();
    long fromNs = startNs + TimeUnit.MILLISECONDS.toNanos(spec.warmupMs());
    long toNs = fromNs + TimeUnit.MILLISECONDS.toNanos(spec.timeMs());
    List<Thread> threads = new ArrayList<>();
    for (Writer w : writers) {
      w.fromNs = fromNs;
      w.toNs = toNs;
      threads.add(w.loop.start("bench-writer-" + w.thread));
    }
    long reportEveryNs = TimeUnit.MILLISECONDS.toNanos(Progress.PLAIN_INTERVAL_MS);
    long nextReportNs = startNs + reportEveryNs;
    while (System.nanoTime() < toNs) {
      Runner.sleepMs(Math.max(1, Math.min(250, TimeUnit.NANOSECONDS.toMillis(toNs - System.nanoTime()))));
      long now = System.nanoTime();
      if (now >= nextReportNs && now < toNs) {
        nextReportNs += reportEveryNs;
        long ok = 0;
        for (Writer w : writers) ok += w.okSeen;
        progress.line(system + ": t=" + TimeUnit.NANOSECONDS.toSeconds(now - startNs) + "s"
            + (now < fromNs ? " (warm-up)" : "") + "  ok writes so far " + ok);
      }
    }
    load.put("load_avg_1m_after", BenchLoad.loadAverage());
    long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MS_MAX);
    for (Thread th : threads) {
      try {
        th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (th.isAlive()) progress.line(system + ": " + th.getName() + " still in an op " + JOIN_MS_MAX + " ms after the phase; its op is not counted");
    }
    long ok = 0;
    long fail = 0;
    long info = 0;
    long dropped = 0;
    List<BenchSamples> samples = new ArrayList<>();
    // Joined threads have published their counts; one still stuck in an op counts nothing more (its
    // completion falls after the window).
    for (Writer w : writers) {
      ok += w.ok;
      fail += w.fail;
      info += w.info;
      dropped += w.latencies.dropped();
      samples.add(w.latencies);
    }
    long[] sorted = BenchSamples.sortedUnion(samples);
    double windowS = spec.timeMs() / 1000.0;
    progress.line(String.format(java.util.Locale.ROOT, "%s: %d ok writes in %.0f s = %.0f/s; p50 %.2f ms, p99 %.2f ms; fail %d, info %d",
        system, ok, windowS, ok / windowS, orNaN(BenchSamples.percentileMs(sorted, 50)), orNaN(BenchSamples.percentileMs(sorted, 99)), fail, info));
    return new Throughput(ok, fail, info, windowS, sorted, dropped, load);
  }

  private static double orNaN(Double d) { return d == null ? Double.NaN : d; }

  /** One closed-loop writer ({@link ClosedLoopClient}); its counts are read after it ends. */
  private final class Writer {
    final ClosedLoopClient loop;
    final int thread;
    final long[] keys;
    final String[] values;
    final BenchSamples latencies;
    volatile long fromNs;
    volatile long toNs;
    volatile long okSeen;
    int i;
    long ok;
    long fail;
    long info;

    Writer(Cluster cluster, int thread, int stride, long[] keys, String[] values, BenchSamples latencies) {
      this.thread = thread;
      this.keys = keys;
      this.values = values;
      this.latencies = latencies;
      this.loop = new ClosedLoopClient(cluster, thread, stride, () -> System.nanoTime() < toNs, process -> {
        Op op = Op.invoke(process, "write", keys[i & (KEYS_PER_THREAD - 1)], values[i & (VALUES_PER_THREAD - 1)]);
        i++;
        return op;
      }, this::completed, errors);
    }

    private void completed(Op invoked, Op done, long t0, long t1) {
      boolean counted = t1 >= fromNs && t1 < toNs;
      if (done != null && done.isOk()) {
        okSeen++;
        if (counted) {
          ok++;
          latencies.add(t1 - t0);
        }
      } else if (counted) {
        if (done != null && done.isFail()) fail++; else info++;
        errors.note(done == null ? "no completion" : done.error());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Elections

  private static final class Elections {
    final List<Long> ns = new ArrayList<>();
    int unrecovered;

    long[] sortedNs() {
      long[] a = new long[ns.size()];
      for (int i = 0; i < a.length; i++) a[i] = ns.get(i);
      java.util.Arrays.sort(a);
      return a;
    }
  }

  private Elections elections(Cluster cluster) throws IOException {
    Elections result = new Elections();
    if (spec.kills() == 0) return result;
    if (!(cluster instanceof LeaderAware)) {
      throw new IOException(system + " cannot say which node leads, so its leader cannot be killed: no election phase");
    }
    LeaderAware leaders = (LeaderAware) cluster;
    int n = cluster.nodes().size();
    List<Prober> probers = new ArrayList<>();
    for (int p = 0; p < n; p++) probers.add(new Prober(cluster, p, n, new SplittableRandom(spec.seed() * 7_919L + p)));
    SplittableRandom jitter = new SplittableRandom(spec.seed() ^ 0x5DEECE66DL);
    ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "bench-prober");
      t.setDaemon(true);
      return t;
    });
    progress.line(system + ": elections, " + spec.kills() + " leader kills");
    int leaderless = 0;
    try {
      for (int k = 1; k <= spec.kills(); k++) {
        awaitHealthy(cluster, leaders, probers);
        Runner.sleepMs(jitter.nextLong(SETTLE_JITTER_MS + 1));
        Optional<String> leader = leaders.leader();
        if (leader.isEmpty()) {
          // The leader was lost during the pause (a flap): start this kill again from a healthy cluster.
          if (++leaderless > LEADERLESS_MAX) throw new IOException(system + " lost its leader without a kill " + leaderless + " times");
          k--;
          continue;
        }
        Killable victim = killable(cluster, leader.get());
        AtomicBoolean committed = new AtomicBoolean();
        AtomicLong firstOkNs = new AtomicLong(Long.MAX_VALUE);
        long killNs = System.nanoTime();
        victim.kill();
        long deadlineNs = killNs + TimeUnit.MILLISECONDS.toNanos(ELECTION_WAIT_MS_MAX);
        List<Future<?>> running = new ArrayList<>();
        for (Prober p : probers) running.add(pool.submit(() -> p.writeUntilCommitted(committed, firstOkNs, deadlineNs)));
        for (Future<?> f : running) {
          try {
            f.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()) + JOIN_MS_MAX), TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            f.cancel(true);
          } catch (ExecutionException e) {
            errors.note("prober threw " + e.getCause());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
        }
        String newLeader = leaders.leader().orElse("none yet");
        victim.start();
        if (firstOkNs.get() == Long.MAX_VALUE) {
          result.unrecovered++;
          progress.line(system + ": kill " + k + "/" + spec.kills() + ": leader " + leader.get() + " killed; no write committed within "
              + ELECTION_WAIT_MS_MAX + " ms");
        } else {
          long ns = firstOkNs.get() - killNs;
          result.ns.add(ns);
          progress.line(String.format(java.util.Locale.ROOT, "%s: kill %d/%d: leader %s killed; first commit after %.0f ms (leader now %s)",
              system, k, spec.kills(), leader.get(), ns / 1e6, newLeader));
        }
      }
      awaitHealthy(cluster, leaders, probers);
    } finally {
      pool.shutdownNow();
      for (Prober p : probers) p.close();
    }
    return result;
  }

  private static Killable killable(Cluster cluster, String id) throws IOException {
    for (Node node : cluster.nodes()) {
      if (node.id().equals(id)) {
        if (node instanceof Killable) return (Killable) node;
        throw new IOException("node " + id + " cannot be killed");
      }
    }
    throw new IOException("the leader " + id + " is not a node of the cluster");
  }

  /**
   * Returns once every node runs and serves, a leader is known and every prober has written once
   * (so each client knows the leader), within {@link #HEALTH_WAIT_MS_MAX}; else throws saying what
   * was missing.
   */
  private void awaitHealthy(Cluster cluster, LeaderAware leaders, List<Prober> probers) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HEALTH_WAIT_MS_MAX);
    String missing = "nothing checked";
    while (System.nanoTime() < deadline) {
      missing = null;
      for (Node node : cluster.nodes()) {
        if (node instanceof Killable && !((Killable) node).isRunning()) {
          ((Killable) node).start();
          missing = "node " + node.id() + " not running";
        } else if (!serving(cluster, node.id())) {
          missing = "node " + node.id() + " not serving yet";
        }
      }
      if (missing == null && leaders.leader().isEmpty()) missing = "no leader";
      if (missing == null) {
        for (Prober p : probers) {
          String outcome = p.writeOnce();
          if (outcome != null) {
            missing = "prober " + p.index + ": " + outcome;
            break;
          }
        }
      }
      if (missing == null) return;
      Runner.sleepMs(HEALTH_POLL_MS);
    }
    throw new IOException(system + " did not become healthy within " + HEALTH_WAIT_MS_MAX + " ms: " + missing);
  }

  private final HttpClient statusHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(STATUS_TIMEOUT_MS)).build();

  /** Whether a node is up and back in its group; systems that cannot tell are taken at their word. */
  private boolean serving(Cluster cluster, String nodeId) {
    if (cluster instanceof RatisCluster) return ((RatisCluster) cluster).isServing(nodeId);
    if (cluster instanceof RaftCluster) {
      String address = ((RaftCluster) cluster).httpAddresses().get(nodeId);
      try {
        HttpResponse<String> r = statusHttp.send(HttpRequest.newBuilder(URI.create("http://" + address + "/api/v1/cluster/status"))
            .timeout(Duration.ofMillis(STATUS_TIMEOUT_MS)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) return false;
        Object parsed = Json.parse(r.body());
        if (!(parsed instanceof Map)) return false;
        Object role = ((Map<?, ?>) parsed).get("role");
        return ("LEADER".equals(role) || "FOLLOWER".equals(role)) && ((Map<?, ?>) parsed).get("leader") != null;
      } catch (IOException | Json.ParseException | RuntimeException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** A client bound to one node that writes during the election phase; used by one thread at a time. */
  private final class Prober {
    final Cluster cluster;
    final int index;
    final int stride;
    final SplittableRandom rng;
    final String[] values;
    int process;
    volatile Client client;

    Prober(Cluster cluster, int index, int stride, SplittableRandom rng) {
      this.cluster = cluster;
      this.index = index;
      this.stride = stride;
      this.rng = rng;
      this.values = values(rng, VALUES_PER_THREAD);
      this.process = index;
    }

    /** One write; null when it came back ok, else what happened. */
    synchronized String writeOnce() {
      Op done = write();
      return done != null && done.isOk() ? null : done == null ? "no client" : done.type() + " " + done.error();
    }

    synchronized void writeUntilCommitted(AtomicBoolean committed, AtomicLong firstOkNs, long deadlineNs) {
      while (!committed.get() && System.nanoTime() < deadlineNs && !Thread.currentThread().isInterrupted()) {
        Op done = write();
        if (done != null && done.isOk()) {
          long now = System.nanoTime();
          firstOkNs.accumulateAndGet(now, Math::min);
          committed.set(true);
        } else if (done == null) {
          Runner.sleepMs(CLIENT_RETRY_MS);
        }
      }
    }

    private Op write() {
      Client c = client;
      if (c == null) {
        try {
          c = cluster.client(process);
          client = c;
        } catch (IOException | RuntimeException e) {
          errors.note("no client: " + e.getMessage());
          return null;
        }
      }
      Op op = Op.invoke(process, "write", rng.nextLong(KEY_SPACE), values[rng.nextInt(VALUES_PER_THREAD)]);
      Op done;
      try {
        done = c.invoke(op);
      } catch (RuntimeException e) {
        done = op.info("client threw " + e);
      }
      if (done == null || done.isInfo()) {
        c.close();
        client = null;
        process += stride;
      }
      return done;
    }

    /** Closes at once, also while a stuck op holds the prober (that op then ends as the client says). */
    void close() {
      Client c = client;
      if (c != null) c.close();
      client = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Keys and values, drawn before a phase starts

  static long[] keys(SplittableRandom rng, int count) {
    long[] keys = new long[count];
    for (int i = 0; i < count; i++) keys[i] = rng.nextLong(KEY_SPACE);
    return keys;
  }

  /** Text values of {@link #VALUE_BYTES} ASCII letters and digits (one byte each in UTF-8, nothing to escape in JSON). */
  static String[] values(SplittableRandom rng, int count) {
    String[] values = new String[count];
    char[] chars = new char[VALUE_BYTES];
    for (int v = 0; v < count; v++) {
      for (int i = 0; i < VALUE_BYTES; i++) chars[i] = ALPHABET[rng.nextInt(ALPHABET.length)];
      values[v] = new String(chars);
    }
    return values;
  }
}
