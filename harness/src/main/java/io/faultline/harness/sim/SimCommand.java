package io.faultline.harness.sim;

import io.faultline.history.HistoryJson;
import io.faultline.history.Json;
import io.faultline.raft.Bug;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code faultline sim}: deterministic simulation of our Raft. Each seed picks swarm parameters and a
 * fault schedule, runs a cluster with clients in virtual time, checks the invariants at every step
 * and the history for linearizability (register runs) or strict serializability (list-append txn
 * runs, half the seeds); a failing seed is shrunk and its schedule printed for
 * {@code --replay}.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = {"Deterministic simulation of our Raft: clusters, clients and faults in virtual time on one thread.",
        "Invariants (election safety, log matching, leader completeness, state machine safety) after every step;",
        "the client history checked at the end of each seed: register ops for linearizability (cas-register per key),",
        "list-append txns (half the seeds) with the Elle-style checker for strict serializability.",
        "Exit 0 when every seed passes; 1 with the first failing seed, its parameters and shrunk schedule; 2 on bad input."})
public final class SimCommand implements Callable<Integer> {
  public static final int EXIT_PASS = 0;
  public static final int EXIT_FAIL = 1;
  public static final int EXIT_USAGE = 2;
  /** Bound on one invocation's seeds. */
  public static final long SEEDS_MAX = 100_000_000L;

  @Spec CommandSpec spec;

  @Option(names = "--system", defaultValue = "raft", description = "System to simulate: raft (default ${DEFAULT-VALUE}).")
  String system;

  @Option(names = "--seeds", paramLabel = "A..B", description = "Run seeds A to B inclusive; stop at the first failure.")
  String seeds;

  @Option(names = "--seed", paramLabel = "S", description = "Run one seed (with --out: write history.jsonl, trace.txt, schedule.json).")
  Long seed;

  @Option(names = "--bug", paramLabel = "NAME", description = "Switch on a planted bug: raft.stale-read, raft.commit-prior-term, raft.no-fsync, raft.vote-twice, raft.lease-read-unsafe, raft.truncate-committed, raft.single-step-membership, raft.mvcc-skip-conflict-check.")
  String bug;

  @Option(names = "--out", paramLabel = "DIR", description = "Directory for the run's evidence (with --seed or --replay).")
  Path out;

  @Option(names = "--replay", paramLabel = "FILE", description = "Run the schedule in FILE (as printed or written by a failing run).")
  Path replay;

  @Option(names = "--no-shrink", description = "Report a failing seed without shrinking it.")
  boolean noShrink;

  private PrintWriter out() { return spec.commandLine().getOut(); }

  private int usage(String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("faultline sim: " + message);
    err.flush();
    return EXIT_USAGE;
  }

  @Override
  public Integer call() {
    if (!"raft".equals(system)) return usage("unknown --system '" + system + "' (known: raft)");
    int modes = (seeds != null ? 1 : 0) + (seed != null ? 1 : 0) + (replay != null ? 1 : 0);
    if (modes != 1) return usage("give exactly one of --seeds A..B, --seed S, --replay FILE");
    if (out != null && seeds != null) return usage("--out goes with --seed or --replay, not --seeds");
    Bug bugSwitch = null;
    if (bug != null) {
      bugSwitch = Bug.fromName(bug);
      if (bugSwitch == null) return usage("unknown --bug '" + bug + "' (known: " + knownBugs() + ")");
      if (replay != null) return usage("--bug does not go with --replay: the schedule file names its bug");
    }
    if (replay != null) return replay();
    if (seed != null) return runOne(Schedule.generate(seed, bugSwitch));
    long[] range = parseRange(seeds);
    if (range == null) return usage("--seeds: expected A..B with 0 <= A <= B and at most " + SEEDS_MAX + " seeds, got '" + seeds + "'");
    return runRange(range[0], range[1], bugSwitch);
  }

  /**
   * Runs one schedule as {@code faultline sim} does (no tracing, no shrinking, nothing printed) and
   * answers whether it passed: every invariant after every step and the history check (linearizability
   * or strict serializability) at the end. For benchmarks and other callers outside the command line;
   * {@code faultline sim --seed} with the schedule's seed (and bug) reruns it with its evidence.
   *
   * @param schedule from {@link Schedule#generate} or {@link Schedule#fromJson}
   * @return true when the run passed, false when a check failed
   */
  public static boolean passes(Schedule schedule) {
    return !new SimRun(schedule, false).run().failed();
  }

  static String knownBugs() {
    StringBuilder sb = new StringBuilder();
    for (Bug b : Bug.values()) sb.append(sb.length() == 0 ? "" : ", ").append(b.switchName());
    return sb.toString();
  }

  static long[] parseRange(String text) {
    int dots = text.indexOf("..");
    if (dots < 0) return null;
    try {
      long a = Long.parseLong(text.substring(0, dots).trim());
      long b = Long.parseLong(text.substring(dots + 2).trim());
      if (a < 0 || b < a || b - a >= SEEDS_MAX) return null;
      return new long[] {a, b};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private int replay() {
    Schedule s;
    try {
      String text = Files.readString(replay, StandardCharsets.UTF_8);
      Object parsed = Json.parse(text);
      if (!(parsed instanceof Map)) return usage(replay + ": expected a JSON object");
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) parsed;
      s = Schedule.fromJson(m);
    } catch (java.nio.file.NoSuchFileException e) {
      return usage(replay + ": no such file");
    } catch (IOException e) {
      return usage(replay + ": cannot read: " + e);
    } catch (Json.ParseException e) {
      return usage(replay + ": not JSON: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return usage(replay + ": " + e.getMessage());
    }
    return runOne(s);
  }

  private int runOne(Schedule s) {
    PrintWriter o = out();
    o.println("sim raft seed " + s.seed() + (s.bug() == null ? "" : " bug " + s.bug()));
    o.println("params " + s.describeParams());
    o.println("faults " + s.faults());
    o.println("rerun: faultline sim --system raft --seed " + s.seed() + (s.bug() == null ? "" : " --bug " + s.bug()));
    o.flush();
    SimRun.Outcome outcome = new SimRun(s, out != null).run();
    try {
      if (out != null) writeEvidence(out, outcome);
    } catch (IOException e) {
      return usage("cannot write to " + out + ": " + e.getMessage());
    }
    o.println("stats " + Json.write(outcome.stats()));
    if (!outcome.failed()) {
      o.println("PASS seed " + s.seed());
      o.flush();
      return EXIT_PASS;
    }
    return reportFailure(outcome);
  }

  private int runRange(long from, long to, Bug bugSwitch) {
    PrintWriter o = out();
    o.println("sim raft seeds " + from + ".." + to + (bugSwitch == null ? "" : " bug " + bugSwitch.switchName()));
    o.flush();
    long t0 = System.nanoTime();
    for (long sd = from; sd <= to; sd++) {
      Schedule s = Schedule.generate(sd, bugSwitch);
      SimRun.Outcome outcome = new SimRun(s, false).run();
      if (outcome.failed()) {
        o.println("seed " + sd + " fails after " + (sd - from) + " passing seeds");
        o.println("params " + s.describeParams());
        o.println("faults " + s.faults());
        o.println("rerun: faultline sim --system raft --seed " + sd + (bugSwitch == null ? "" : " --bug " + bugSwitch.switchName()));
        return reportFailure(outcome);
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long n = to - from + 1;
    o.printf("PASS %d seeds in %.1f s (%.0f seeds/s)%n", n, secs, n / Math.max(secs, 1e-9));
    o.flush();
    return EXIT_PASS;
  }

  private int reportFailure(SimRun.Outcome outcome) {
    PrintWriter o = out();
    o.println("FAIL seed " + outcome.schedule().seed() + " at " + outcome.failureNs() / 1_000_000 + " ms: " + outcome.failure());
    if (!noShrink) {
      Shrinker.Result r = Shrinker.shrink(outcome);
      o.println("shrunk in " + r.attempts() + " runs to " + r.schedule().faults().size() + " faults (from "
          + outcome.schedule().faults().size() + "), ops_max " + r.schedule().opsMax() + ", duration " + r.schedule().durationMs()
          + " ms: " + r.outcome().failure());
      String file = Json.writePretty(r.schedule().toJson()) + "\n";
      o.println("shrunk schedule (save as a file and run: faultline sim --replay FILE):");
      o.print(file);
      if (out != null) {
        try {
          Files.writeString(out.resolve("shrunk-schedule.json"), file, StandardCharsets.UTF_8);
        } catch (IOException e) {
          o.println("cannot write " + out.resolve("shrunk-schedule.json") + ": " + e.getMessage());
        }
      }
    }
    o.flush();
    return EXIT_FAIL;
  }

  /** Writes schedule.json, history.jsonl and trace.txt: functions of the schedule only, so byte-identical on a rerun. */
  static void writeEvidence(Path dir, SimRun.Outcome outcome) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("schedule.json"), Json.writePretty(outcome.schedule().toJson()) + "\n", StandardCharsets.UTF_8);
    try (Writer w = Files.newBufferedWriter(dir.resolve("history.jsonl"), StandardCharsets.UTF_8)) {
      long i = 0;
      for (var op : outcome.history()) {
        w.write(HistoryJson.toJson(op.withIndex(i++)));
        w.write('\n');
      }
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("trace.txt"), StandardCharsets.UTF_8)) {
      for (String line : outcome.trace()) {
        w.write(line);
        w.write('\n');
      }
    }
  }
}
