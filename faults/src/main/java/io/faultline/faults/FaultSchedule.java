package io.faultline.faults;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded schedules of faults for {@link CompositeNemesis} (process, network, disk, clock): one fault
 * at a time, each healed before the next begins, or two of different families at once.
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

  /** Fault families; {@code partition-<shape>}, {@code clock-<mode>} and {@code disk-<mode>} are accepted too ({@link #names}). */
  public static final Set<String> FAULTS = Set.of("kill", "pause", "partition", "delay", "blackhole", "bandwidth", "reset",
      "slow-close", "clock", "disk", CorruptNemesis.FUNCTION, MembershipNemesis.MEMBERSHIP, MembershipNemesis.TRANSFER_LEADER);
  static final long DELAY_MS_MIN = 20;
  static final long DELAY_MS_MAX = 500;
  static final long BANDWIDTH_MIN = 10_000;
  static final long BANDWIDTH_MAX = 1_000_000;
  static final long RESET_AFTER_MS_MIN = 0;
  static final long RESET_AFTER_MS_MAX = 2_000;
  static final long SLOW_CLOSE_MS_MIN = 500;
  static final long SLOW_CLOSE_MS_MAX = 5_000;
  /**
   * What a {@code clock} fault does, drawn evenly: {@code skew} sets a node's clock a little off
   * ({@link #CLOCK_SKEW_MS_MIN}..{@link #CLOCK_SKEW_MS_MAX}, either way), as a drifting clock under
   * NTP is; {@code jump} steps it far ({@link #CLOCK_JUMP_MS_MIN}..{@link #CLOCK_JUMP_MS_MAX}, either
   * way), as an NTP step or a VM resumed elsewhere does; {@code strobe} leaves the offset at 0 and
   * runs the node's timers at {@code rate} times real time ({@link #CLOCK_RATE_PERCENT_MIN}..
   * {@link #CLOCK_RATE_PERCENT_MAX} percent, at least {@link #CLOCK_RATE_PERCENT_OFF_MIN} away from
   * 100), which a Raft with monotonic timers feels where it ignores a jump.
   */
  static final List<String> CLOCK_MODES = List.of("skew", "jump", "strobe");
  static final long CLOCK_SKEW_MS_MIN = 10;
  static final long CLOCK_SKEW_MS_MAX = 999;
  static final long CLOCK_JUMP_MS_MIN = 1_000;
  static final long CLOCK_JUMP_MS_MAX = 60_000;
  static final int CLOCK_RATE_PERCENT_MIN = 50;
  static final int CLOCK_RATE_PERCENT_MAX = 200;
  /** How far from 100 a strobe's rate is at least, in percent, so that it changes something. */
  static final int CLOCK_RATE_PERCENT_OFF_MIN = 5;
  /**
   * Mode {@code rate}, asked for by name only ({@code clock-rate}; the {@code clock} family does not
   * draw it): timers far off, {@link #CLOCK_FAR_RATE_PERCENT_SLOW_MIN}..{@link
   * #CLOCK_FAR_RATE_PERCENT_SLOW_MAX} percent or {@link #CLOCK_FAR_RATE_PERCENT_FAST_MIN}..{@link
   * #CLOCK_FAR_RATE_PERCENT_FAST_MAX}, either way evenly, as on a VM starved of CPU or with a broken
   * clock source. A slow leader's lease then outlasts its followers' election timeout by seconds:
   * longer than a client takes to give up on the stranded leader and find the new one, so that a
   * lease read without a drift allowance is seen to be stale.
   */
  static final String CLOCK_MODE_FAR_RATE = "rate";
  static final int CLOCK_FAR_RATE_PERCENT_SLOW_MIN = 10;
  static final int CLOCK_FAR_RATE_PERCENT_SLOW_MAX = 33;
  static final int CLOCK_FAR_RATE_PERCENT_FAST_MIN = 300;
  static final int CLOCK_FAR_RATE_PERCENT_FAST_MAX = 1_000;
  /**
   * What a {@code disk} fault does, drawn evenly: {@code torn-tail} (kill, damage the tail of the
   * newest log segment, restart: on at most a minority, {@link DiskNemesis#damageBound}, so
   * {@code --targets} majority or all become minority); {@code fsync-stall} (fsync blocks on the
   * targets for as long as a kill lasts); {@code lose-unsynced} (the targets lose what they did not
   * sync, {@link #LOSE_WRITE_MS_MIN}..{@link #LOSE_WRITE_MS_MAX} ms of writes, and are killed and
   * restarted: on the targets as asked, majority included, which a correct system survives). Nodes
   * that cannot take storage faults get a torn tail instead ({@link DiskNemesis}).
   */
  static final List<String> DISK_MODES = List.of("torn-tail", "fsync-stall", "lose-unsynced");
  static final long LOSE_WRITE_MS_MIN = 200;
  static final long LOSE_WRITE_MS_MAX = 1_500;
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

  /** One fault at a time: {@link #generate(List, String, long, long, long, Options, boolean)}. */
  public static List<ScheduledFault> generate(List<String> faults, String targets, long intervalMs, long timeMs, long seed,
      Options options) {
    return generate(faults, targets, intervalMs, timeMs, seed, options, false);
  }

  /**
   * The schedule: fault invocations each followed by its heal, sorted by time.
   *
   * <p>Faults and their ops: {@code kill} (value {@code targets}; heal {@code start "all"}),
   * {@code pause} ({@code resume "all"}), {@code partition} (cycles through {@link Grudges#SHAPES}
   * in order, one shape per partition) or {@code partition-<shape>}: {@code start-partition <shape>}
   * / {@code stop-partition}; {@code delay}, {@code blackhole}, {@code bandwidth}, {@code reset},
   * {@code slow-close}: {@code start-X {"targets": targets, ...}} / {@code stop-X}, with their
   * parameters drawn from the seed ({@link NetworkNemesis}); {@code clock}: {@code start-clock
   * {"targets", "mode", "offset_ms", "rate"}} / {@code stop-clock} ({@link ClockNemesis}), a skew, a
   * jump or a strobe drawn from the seed ({@link #CLOCK_MODES}), or the one {@code clock-<mode>} names;
   * {@code disk}: one of {@link #DISK_MODES} drawn from the seed, or the one {@code disk-<mode>} names:
   * {@code torn-tail {"targets" (at most minority), "mode", "bytes"}} or {@code lose-unsynced
   * {"targets", "write_ms"}}, no heal, or {@code start-disk {"targets", "mode": "fsync-stall"}} /
   * {@code stop-disk} ({@link DiskNemesis}); {@code corrupt}: {@code corrupt} (no value: the follower is
   * drawn when it runs), no heal ({@link CorruptNemesis}: kill, flip a byte mid-log, see the start
   * refused, repair with a rebuild, start). Network, clock and fsync-stall faults last as long as a kill does.
   *
   * @param faults     which faults to draw from: a non-empty subset of {@link #names}
   * @param targets    one | minority | majority | all | leader
   * @param intervalMs slot length: one fault per slot at most (two with {@code combined})
   * @param timeMs     length of the run's fault phase; nothing is scheduled at or after it
   * @param seed       the run seed
   * @param combined   two faults of different families at once in each slot, when two are asked
   */
  public static List<ScheduledFault> generate(List<String> faults, String targets, long intervalMs, long timeMs, long seed,
      Options options, boolean combined) {
    if (faults == null || faults.isEmpty()) throw new IllegalArgumentException("faults must name at least one of " + names() + ", got " + faults);
    for (String f : faults) {
      if (!isFault(f)) throw new IllegalArgumentException("faults: '" + f + "' is not one of " + names());
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
    int[] partitions = {0};
    long healedAtMs = -1;
    for (long slotStart = 0; slotStart < timeMs; slotStart += intervalMs) {
      String kind = faults.get(random.nextInt(faults.size()));
      if (kind.equals("disk")) kind = "disk-" + DISK_MODES.get(random.nextInt(DISK_MODES.size()));
      long offsetMs = random.nextLong(Math.max(1, intervalMs / 2));
      long durationMs = duration(kind, intervalMs, options, random);
      String second = null;
      long secondDurationMs = 0;
      if (combined) {
        List<String> others = new ArrayList<>();
        for (String f : faults) if (!family(f).equals(family(kind)) && !others.contains(f)) others.add(f);
        if (!others.isEmpty()) {
          second = others.get(random.nextInt(others.size()));
          if (second.equals("disk")) second = "disk-" + DISK_MODES.get(random.nextInt(DISK_MODES.size()));
          secondDurationMs = duration(second, intervalMs, options, random);
        }
      }
      long startMs = Math.max(slotStart + offsetMs, healedAtMs + 1);
      if (startMs >= slotStart + intervalMs) continue;
      if (startMs >= timeMs) break;
      long endMs = schedule(out, kind, targets, startMs, durationMs, timeMs, random, partitions);
      if (second != null && startMs + 1 < timeMs) {
        long secondEndMs = schedule(out, second, targets, startMs + 1, secondDurationMs, timeMs, random, partitions);
        endMs = endMs < 0 || secondEndMs < 0 ? -1 : Math.max(endMs, secondEndMs);
      }
      if (endMs < 0) break; // a heal past the end is the runner's final heal: nothing may follow
      healedAtMs = endMs;
    }
    out.sort(java.util.Comparator.comparingLong(ScheduledFault::atMs));
    return List.copyOf(out);
  }

  /** Every fault name {@code generate} accepts. */
  public static List<String> names() {
    List<String> all = new ArrayList<>(List.of("kill", "pause", "partition"));
    for (String shape : Grudges.SHAPES) all.add("partition-" + shape);
    all.add("partition-" + NetworkNemesis.ISOLATE_LEADER);
    all.addAll(List.of("delay", "blackhole", "bandwidth", "reset", "slow-close", "clock"));
    for (String mode : CLOCK_MODES) all.add("clock-" + mode);
    all.add("clock-" + CLOCK_MODE_FAR_RATE);
    all.add("disk");
    for (String mode : DISK_MODES) all.add("disk-" + mode);
    all.add(CorruptNemesis.FUNCTION);
    all.add(MembershipNemesis.MEMBERSHIP);
    all.add(MembershipNemesis.TRANSFER_LEADER);
    return all;
  }

  static boolean isFault(String f) { return names().contains(f); }

  /** Faults of one family are never combined: two partitions, or a kill and a torn tail of one node. */
  private static String family(String kind) {
    if (kind.startsWith("partition")) return "partition";
    if (kind.equals("kill") || kind.equals("pause") || kind.startsWith("disk") || kind.equals(CorruptNemesis.FUNCTION)) return "process";
    if (kind.startsWith("clock")) return "clock";
    return kind;
  }

  private static long duration(String kind, long intervalMs, Options options, SplittableRandom random) {
    if (kind.equals("pause")) return random.nextLong(options.pauseMsMin(), options.pauseMsMax() + 1);
    if (kind.equals("disk-torn-tail") || kind.equals("disk-lose-unsynced") || kind.equals(CorruptNemesis.FUNCTION)) return 0;
    if (kind.equals(MembershipNemesis.MEMBERSHIP) || kind.equals(MembershipNemesis.TRANSFER_LEADER)) return 0;
    return Math.max(1, Math.round(intervalMs * (options.killFractionMin()
        + random.nextDouble() * (options.killFractionMax() - options.killFractionMin()))));
  }

  /** Adds one fault and its heal; returns the heal's time, or -1 when it would fall at or after the end. */
  private static long schedule(List<ScheduledFault> out, String kind, String targets, long startMs, long durationMs,
      long timeMs, SplittableRandom random, int[] partitions) {
    String fault;
    String heal;
    Object value;
    Object healValue = null;
    switch (kind) {
      case "kill": fault = "kill"; heal = "start"; value = targets; healValue = "all"; break;
      case "pause": fault = "pause"; heal = "resume"; value = targets; healValue = "all"; break;
      case "disk-torn-tail": {
        String bounded = targets.equals("majority") || targets.equals("all") ? "minority" : targets;
        value = args("targets", bounded, "mode", random.nextBoolean() ? "truncate" : "zero", "bytes",
            random.nextLong(1, DiskNemesis.TAIL_BYTES_MAX + 1));
        fault = DiskNemesis.FUNCTION;
        heal = null;
        break;
      }
      case "disk-fsync-stall":
        fault = DiskNemesis.START;
        heal = DiskNemesis.STOP;
        value = args("targets", targets, "mode", "fsync-stall");
        break;
      case "disk-lose-unsynced":
        fault = DiskNemesis.LOSE_UNSYNCED;
        heal = null;
        value = args("targets", targets, "write_ms", random.nextLong(LOSE_WRITE_MS_MIN, LOSE_WRITE_MS_MAX + 1));
        break;
      case "clock":
      case "clock-skew":
      case "clock-jump":
      case "clock-strobe":
      case "clock-rate":
        fault = "start-clock";
        heal = "stop-clock";
        value = clockArgs(targets, kind.equals("clock") ? null : kind.substring("clock-".length()), random);
        break;
      case CorruptNemesis.FUNCTION: // the follower is drawn when it runs: who leads then decides
      case MembershipNemesis.MEMBERSHIP:
      case MembershipNemesis.TRANSFER_LEADER:
        fault = kind; // what to change, and whom, is drawn when it runs: it depends on the configuration then
        heal = null;
        value = null;
        break;
      case "delay": {
        long delayMs = random.nextLong(DELAY_MS_MIN, DELAY_MS_MAX + 1);
        value = args("targets", targets, "delay_ms", delayMs, "jitter_ms", delayMs / 4);
        fault = "start-delay";
        heal = "stop-delay";
        break;
      }
      case "blackhole": fault = "start-blackhole"; heal = "stop-blackhole"; value = args("targets", targets); break;
      case "bandwidth":
        fault = "start-bandwidth";
        heal = "stop-bandwidth";
        value = args("targets", targets, "bytes_per_sec", random.nextLong(BANDWIDTH_MIN, BANDWIDTH_MAX + 1));
        break;
      case "reset":
        fault = "start-reset";
        heal = "stop-reset";
        value = args("targets", targets, "after_ms", random.nextLong(RESET_AFTER_MS_MIN, RESET_AFTER_MS_MAX + 1));
        break;
      case "slow-close":
        fault = "start-slow-close";
        heal = "stop-slow-close";
        value = args("targets", targets, "close_delay_ms", random.nextLong(SLOW_CLOSE_MS_MIN, SLOW_CLOSE_MS_MAX + 1));
        break;
      default: // partition, partition-<shape>
        fault = "start-partition";
        heal = "stop-partition";
        value = kind.equals("partition") ? Grudges.SHAPES.get(partitions[0]++ % Grudges.SHAPES.size()) : kind.substring("partition-".length());
        break;
    }
    out.add(new ScheduledFault(startMs, Op.invoke(Op.NEMESIS, fault, null, value)));
    if (heal == null) return startMs;
    long healMs = startMs + durationMs;
    if (healMs >= timeMs) return -1;
    out.add(new ScheduledFault(healMs, Op.invoke(Op.NEMESIS, heal, null, healValue)));
    return healMs;
  }

  /** {@code {"targets", "mode", "offset_ms", "rate"}} of one {@code start-clock}, as {@link #CLOCK_MODES} says; a null mode is drawn. */
  private static java.util.Map<String, Object> clockArgs(String targets, String chosenMode, SplittableRandom random) {
    String mode = chosenMode != null ? chosenMode : CLOCK_MODES.get(random.nextInt(CLOCK_MODES.size()));
    long offsetMs = 0;
    int ratePercent = 100;
    switch (mode) {
      case "skew": offsetMs = random.nextLong(CLOCK_SKEW_MS_MIN, CLOCK_SKEW_MS_MAX + 1) * (random.nextBoolean() ? 1 : -1); break;
      case "jump": offsetMs = random.nextLong(CLOCK_JUMP_MS_MIN, CLOCK_JUMP_MS_MAX + 1) * (random.nextBoolean() ? 1 : -1); break;
      case CLOCK_MODE_FAR_RATE:
        ratePercent = random.nextBoolean()
            ? random.nextInt(CLOCK_FAR_RATE_PERCENT_SLOW_MIN, CLOCK_FAR_RATE_PERCENT_SLOW_MAX + 1)
            : random.nextInt(CLOCK_FAR_RATE_PERCENT_FAST_MIN, CLOCK_FAR_RATE_PERCENT_FAST_MAX + 1);
        break;
      default: // strobe
        ratePercent = random.nextBoolean()
            ? random.nextInt(CLOCK_RATE_PERCENT_MIN, 100 - CLOCK_RATE_PERCENT_OFF_MIN + 1)
            : random.nextInt(100 + CLOCK_RATE_PERCENT_OFF_MIN, CLOCK_RATE_PERCENT_MAX + 1);
        break;
    }
    // Whole percents keep the rate short in describe(): 1.37, not 1.3712408873.
    return args("targets", targets, "mode", mode, "offset_ms", offsetMs, "rate", ratePercent / 100.0);
  }

  private static java.util.Map<String, Object> args(Object... keyValues) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
    return m;
  }

  /**
   * {@link #describe(List)} and a last line for the runner's full heal at {@code timeMs}, which is
   * followed by the quiet period: {@code "   60000 ms  heal all"}.
   */
  public static String describe(List<ScheduledFault> schedule, long timeMs) {
    return describe(schedule) + String.format(Locale.ROOT, "%9d ms  %s all%n", timeMs, CompositeNemesis.HEAL);
  }

  /** One line per entry: {@code "   12345 ms  kill majority"}; an op without a value is its f alone. */
  public static String describe(List<ScheduledFault> schedule) {
    StringBuilder sb = new StringBuilder();
    for (ScheduledFault s : schedule) {
      Object v = s.op().value();
      String target = v instanceof List ? String.join(",", ((List<?>) v).stream().map(String::valueOf).toList()) : String.valueOf(v);
      if (v == null) sb.append(String.format(Locale.ROOT, "%9d ms  %s%n", s.atMs(), s.op().f()));
      else sb.append(String.format(Locale.ROOT, "%9d ms  %s %s%n", s.atMs(), s.op().f(), target));
    }
    return sb.toString();
  }
}
