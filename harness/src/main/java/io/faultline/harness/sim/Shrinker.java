package io.faultline.harness.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a failing schedule: repeatedly tries a smaller one — shorter run, fewer faults (halves,
 * then quarters, ..., then single faults, delta-debugging style), fewer ops — and keeps it when it
 * still fails the same way (same violated property). The seed and swarm parameters stay, so the
 * result replays exactly; at most {@link #ATTEMPTS_MAX} runs.
 */
final class Shrinker {
  static final int ATTEMPTS_MAX = 150;

  record Result(Schedule schedule, SimRun.Outcome outcome, int attempts) {}

  private SimRun.Outcome best;
  private int attempts;

  private Shrinker(SimRun.Outcome failing) {
    this.best = failing;
  }

  static Result shrink(SimRun.Outcome failing) {
    if (!failing.failed()) throw new IllegalArgumentException("only a failing run can be shrunk");
    Shrinker sh = new Shrinker(failing);
    sh.run();
    return new Result(sh.best.schedule(), sh.best, sh.attempts);
  }

  /** The violated property: the failure message up to its first colon. */
  static String property(String failure) {
    int colon = failure.indexOf(':');
    return colon < 0 ? failure : failure.substring(0, colon);
  }

  private boolean tryCandidate(Schedule candidate) {
    if (attempts >= ATTEMPTS_MAX) return false;
    attempts++;
    SimRun.Outcome o = new SimRun(candidate, false).run();
    if (o.failed() && property(o.failure()).equals(property(best.failure()))) {
      best = o;
      return true;
    }
    return false;
  }

  private void run() {
    long failMs = best.failureNs() / 1_000_000;
    Schedule s = best.schedule();
    if (failMs + 1 < s.durationMs()) tryCandidate(s.withDurationMs(Math.max(1, failMs + 1)));
    boolean progress = true;
    while (progress && attempts < ATTEMPTS_MAX) {
      progress = shrinkFaults();
      int ops = best.schedule().opsMax();
      while (ops > 1 && attempts < ATTEMPTS_MAX && tryCandidate(best.schedule().withOpsMax(ops / 2))) {
        ops /= 2;
        progress = true;
      }
      long dur = best.schedule().durationMs();
      if (dur > 100 && tryCandidate(best.schedule().withDurationMs(dur * 3 / 4))) progress = true;
    }
  }

  private boolean shrinkFaults() {
    boolean any = false;
    for (int chunk = Math.max(1, best.schedule().faults().size() / 2); chunk >= 1; chunk /= 2) {
      int start = 0;
      while (start < best.schedule().faults().size() && attempts < ATTEMPTS_MAX) {
        List<Fault> f = new ArrayList<>(best.schedule().faults());
        int end = Math.min(f.size(), start + chunk);
        f.subList(start, end).clear();
        if (tryCandidate(best.schedule().withFaults(f))) any = true;
        else start += chunk;
      }
      if (chunk == 1) break;
    }
    return any;
  }
}
