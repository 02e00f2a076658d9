package io.faultline.faults;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded schedules of process faults for {@link ProcessNemesis}: one fault at a time, each healed
 * before the next begins.
 *
 * <p>Time is cut into slots of {@code intervalMs}. In each slot one fault (drawn from {@code faults})
 * starts at a random time in the slot's first half, but never before the previous heal. A pause lasts
 * {@code pauseMsMin..pauseMsMax} (default 0.5-3 s: shorter than clients' request timeouts, and far
 * under the 60 s after which Ratis' JVM-pause monitor gives up on the server); a kill keeps the nodes
 * down for {@code killFractionMin..killFractionMax} of the interval. A slot whose fault could only
 * start after the slot's end (the previous one overran) is skipped. Nothing is scheduled at or after
 * {@code timeMs}: a heal that would fall there is left to the runner's final heal.
 */
public final class FaultSchedule {
  private FaultSchedule() {}

  public static final Set<String> FAULTS = Set.of("kill", "pause");
  /** Bound on the slots a schedule may have ({@code timeMs / intervalMs}). */
  public static final long SLOTS_MAX = 1_000_000L;

  /**
   * Fault durations, validated on construction.
   *
   * @param pauseMsMin      shortest pause
   * @param pauseMsMax      longest pause
   * @param killFractionMin shortest kill, as a fraction of the interval
   * @param killFractionMax longest kill, as a fraction of the interval
   */
  public record Options(long pauseMsMin, long pauseMsMax, double killFractionMin, double killFractionMax) {
    public static final long PAUSE_MS_MIN_DEFAULT = 500;
    public static final long PAUSE_MS_MAX_DEFAULT = 3_000;
    public static final double KILL_FRACTION_MIN_DEFAULT = 0.2;
    public static final double KILL_FRACTION_MAX_DEFAULT = 0.5;

    public Options {
      if (pauseMsMin < 1) throw new IllegalArgumentException("pauseMsMin must be >= 1, got " + pauseMsMin);
      if (pauseMsMax < pauseMsMin) throw new IllegalArgumentException("pauseMsMax must be >= pauseMsMin (" + pauseMsMin + "), got " + pauseMsMax);
      if (!(killFractionMin > 0 && killFractionMin <= 1)) throw new IllegalArgumentException("killFractionMin must be in (0, 1], got " + killFractionMin);
      if (!(killFractionMax >= killFractionMin && killFractionMax <= 1)) {
        throw new IllegalArgumentException("killFractionMax must be in [killFractionMin (" + killFractionMin + "), 1], got " + killFractionMax);
      }
    }

    public static Options defaults() {
      return new Options(PAUSE_MS_MIN_DEFAULT, PAUSE_MS_MAX_DEFAULT, KILL_FRACTION_MIN_DEFAULT, KILL_FRACTION_MAX_DEFAULT);
    }
  }

  /** A schedule with default durations. */
  public static List<ScheduledFault> generate(List<String> faults, String targets, long intervalMs, long timeMs, long seed) {
    return generate(faults, targets, intervalMs, timeMs, seed, Options.defaults());
  }

  /**
   * The schedule: fault invocations ({@code kill}/{@code pause} with {@code targets} as value) each
   * followed by its heal ({@code start}/{@code resume} with value {@code "all"}), sorted by time.
   *
   * @param faults     which faults to draw from: a non-empty subset of kill, pause
   * @param targets    one | minority | majority | all | leader
   * @param intervalMs slot length: one fault per slot at most
   * @param timeMs     length of the run's fault phase; nothing is scheduled at or after it
   * @param seed       the run seed
   */
  public static List<ScheduledFault> generate(List<String> faults, String targets, long intervalMs, long timeMs, long seed,
      Options options) {
    if (faults == null || faults.isEmpty()) throw new IllegalArgumentException("faults must name at least one of kill, pause, got " + faults);
    for (String f : faults) {
      if (!FAULTS.contains(f)) throw new IllegalArgumentException("faults: '" + f + "' is not one of kill, pause");
    }
    if (!ProcessNemesis.isTargetSpec(targets)) {
      throw new IllegalArgumentException("targets must be one of " + String.join("|", ProcessNemesis.TARGETS) + ", got '" + targets + "'");
    }
    if (intervalMs < 1) throw new IllegalArgumentException("intervalMs must be >= 1, got " + intervalMs);
    if (timeMs < 0) throw new IllegalArgumentException("timeMs must be >= 0, got " + timeMs);
    if (timeMs / intervalMs > SLOTS_MAX) {
      throw new IllegalArgumentException("intervalMs " + intervalMs + " gives more than " + SLOTS_MAX + " slots in timeMs " + timeMs);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<ScheduledFault> out = new ArrayList<>();
    long healedAtMs = -1;
    for (long slotStart = 0; slotStart < timeMs; slotStart += intervalMs) {
      String kind = faults.get(random.nextInt(faults.size()));
      long offsetMs = random.nextLong(Math.max(1, intervalMs / 2));
      long durationMs = kind.equals("pause")
          ? random.nextLong(options.pauseMsMin(), options.pauseMsMax() + 1)
          : Math.max(1, Math.round(intervalMs * (options.killFractionMin()
              + random.nextDouble() * (options.killFractionMax() - options.killFractionMin()))));
      long startMs = Math.max(slotStart + offsetMs, healedAtMs + 1);
      if (startMs >= slotStart + intervalMs) continue;
      if (startMs >= timeMs) break;
      out.add(new ScheduledFault(startMs, Op.invoke(Op.NEMESIS, kind, null, targets)));
      long healMs = startMs + durationMs;
      if (healMs >= timeMs) break;
      out.add(new ScheduledFault(healMs, Op.invoke(Op.NEMESIS, kind.equals("kill") ? "start" : "resume", null, "all")));
      healedAtMs = healMs;
    }
    return List.copyOf(out);
  }

  /** One line per entry: {@code "   12345 ms  kill majority"}. */
  public static String describe(List<ScheduledFault> schedule) {
    StringBuilder sb = new StringBuilder();
    for (ScheduledFault s : schedule) {
      Object v = s.op().value();
      String target = v instanceof List ? String.join(",", ((List<?>) v).stream().map(String::valueOf).toList()) : String.valueOf(v);
      sb.append(String.format(Locale.ROOT, "%9d ms  %s %s%n", s.atMs(), s.op().f(), target));
    }
    return sb.toString();
  }
}
