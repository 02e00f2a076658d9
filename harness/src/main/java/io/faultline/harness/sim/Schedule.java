package io.faultline.harness.sim;

import io.faultline.history.Json;
import io.faultline.raft.Bug;
import io.faultline.runtime.Random;
import io.faultline.runtime.SplitMix64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one simulated run depends on: the seed (for the noise: delays, drops, election
 * timeouts, workload choices), the swarm parameters the seed picked, and the explicit fault list.
 * A schedule is a value; written as JSON it replays the run exactly ({@code faultline sim --replay}).
 * Shrinking edits the faults, {@code opsMax} and {@code durationMs} and keeps the rest.
 *
 * <p>Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's VOPR): each seed picks its own cluster
 * size, fault mix and rates, workload mix and flow-control limits, so that some seeds run with few
 * faults of one kind and others with many. The checkpoint policy (snapshot every {@code snapshotEntries}
 * applied entries, 0 none; {@code snapshotRetainEntries} kept by a leader for laggards) comes from a
 * stream of its own, so the other parameters of a seed are those it had before snapshots existed; a
 * schedule written before then (no such fields) replays without snapshots, as it ran. Half the clean
 * seeds, from a stream of their own again, take {@code snapshotFormat} {@value #SNAPSHOT_INCREMENTAL}:
 * their snapshots are the records in chunks and a follower receives only the chunks it lacks (the
 * offer, answer and delta of InstallSnapshot under the seed's faults); the others, and a schedule
 * without the field, {@value #SNAPSHOT_LOGICAL}.
 *
 * <p>Membership, from a stream of its own as well: half the clean seeds and all those with
 * raft.single-step-membership (the other planted bugs' seeds stay as they were) run
 * {@code spareNodes} = 2 nodes beyond the initial cluster, which join as learners and become voters;
 * their faults change the voters (add, remove, replace, one or two at a time, sometimes while the leader
 * is cut off or with the leader crashed inside the joint phase) and transfer leadership. The other half
 * run exactly as before membership existed.
 *
 * <p>Workload, from a stream of its own too: half the clean seeds and all those with
 * raft.mvcc-skip-conflict-check (again the other bugs' seeds stay as they were) run {@link #LIST_APPEND}
 * txns instead of {@link #REGISTER} ops, under the same faults, over 2 to 4 active {@code keys}; there
 * {@code readPct} is the share of micro-ops that read and {@code casPct} is unused. A schedule written
 * before then (no such field) runs registers.
 */
public record Schedule(long seed, String bug, int nodes, int spareNodes, int clients, String workload, int keys, long durationMs, int opsMax,
    int readPct, int casPct, String readMode, int entriesPerMsgMax, int inflightMsgsMax, long snapshotEntries,
    long snapshotRetainEntries, String snapshotFormat, double dropProbability, double duplicateProbability, long delayUsMin, long delayUsMax, double slowProbability,
    long slowDelayUsMax, long fsyncUsMin, long fsyncUsMax, double stallProbability, long stallMs,
    double tornWriteProbability, double clockDriftMax, List<Double> clockRates, List<Fault> faults) {

  public static final long TICK_US = 10_000;
  public static final int ELECTION_TICKS = 10;
  public static final int HEARTBEAT_TICKS = 1;
  public static final String READ_INDEX = "read-index";
  public static final String LEASE = "lease";
  /** Nodes beyond the initial cluster that membership changes may add. */
  public static final int SPARE_NODES_MAX = 2;
  /** Single-key register ops (read, write, cas), checked for linearizability per key. */
  public static final String REGISTER = "register";
  /** Elle's list-append txns over the MVCC store, checked for strict serializability. */
  public static final String LIST_APPEND = "list-append";
  /** Share of the clean seeds that run list-append txns. */
  static final double LIST_APPEND_SHARE = 0.5;
  /** Keys active at once in a list-append run: few, so txns contend. */
  static final int LIST_APPEND_KEYS_MIN = 2;
  static final int LIST_APPEND_KEYS_MAX = 4;

  public Schedule {
    clockRates = List.copyOf(clockRates);
    faults = List.copyOf(faults);
    if (nodes != 3 && nodes != 5) throw new IllegalArgumentException("nodes must be 3 or 5, got " + nodes);
    if (spareNodes < 0 || spareNodes > SPARE_NODES_MAX) throw new IllegalArgumentException("spare_nodes must be in 0.." + SPARE_NODES_MAX + ", got " + spareNodes);
    if (clockRates.size() != nodes) throw new IllegalArgumentException("clock_rates needs " + nodes + " values, got " + clockRates.size());
    if (clients < 1 || clients > 64) throw new IllegalArgumentException("clients must be in 1..64, got " + clients);
    if (!REGISTER.equals(workload) && !LIST_APPEND.equals(workload)) {
      throw new IllegalArgumentException("workload must be " + REGISTER + " or " + LIST_APPEND + ", got " + workload);
    }
    if (keys < 1) throw new IllegalArgumentException("keys must be >= 1, got " + keys);
    if (durationMs < 1 || durationMs > 600_000) throw new IllegalArgumentException("duration_ms must be in 1..600000, got " + durationMs);
    if (opsMax < 0) throw new IllegalArgumentException("ops_max must be >= 0, got " + opsMax);
    if (snapshotEntries < 0 || snapshotRetainEntries < 0) throw new IllegalArgumentException("snapshot_entries and snapshot_retain_entries must be >= 0");
    if (!SNAPSHOT_LOGICAL.equals(snapshotFormat) && !SNAPSHOT_INCREMENTAL.equals(snapshotFormat)) {
      throw new IllegalArgumentException("snapshot_format must be " + SNAPSHOT_LOGICAL + " or " + SNAPSHOT_INCREMENTAL + ", got " + snapshotFormat);
    }
    if (readPct < 0 || casPct < 0 || readPct + casPct > 100) throw new IllegalArgumentException("read_pct + cas_pct must be in 0..100");
    if (!readMode.equals(READ_INDEX) && !readMode.equals(LEASE)) throw new IllegalArgumentException("read_mode must be read-index or lease, got " + readMode);
    if (bug != null && Bug.fromName(bug) == null) throw new IllegalArgumentException("unknown bug '" + bug + "'");
    for (Fault f : faults) {
      if (f.node() > nodes + spareNodes) throw new IllegalArgumentException("fault " + f + " names a node beyond " + (nodes + spareNodes));
      if (f.kind() == Fault.Kind.MEMBERSHIP && (f.mask() <= 0 || f.mask() >= 1L << (nodes + spareNodes))) {
        throw new IllegalArgumentException("fault " + f + ": the voters must be a non-empty set of the " + (nodes + spareNodes) + " nodes");
      }
    }
  }

  /** The swarm parameters and fault schedule that {@code seed} picks. */
  public static Schedule generate(long seed, Bug bug) {
    Random r = SplitMix64.derive(seed, "swarm");
    int nodes = r.chance(0.5) ? 3 : 5;
    int clients = 3 + r.nextInt(8);
    int keys = 1 + r.nextInt(3);
    long durationMs = 1500 + r.nextInt(1500);
    int opsMax = 400 + r.nextInt(800);
    int readPct = 20 + r.nextInt(40);
    int casPct = r.nextInt(30);
    boolean lease = bug == Bug.LEASE_READ_UNSAFE || r.chance(0.3);
    int[] batch = {1, 2, 8, 64};
    int[] inflight = {1, 4, 64};
    int entriesPerMsgMax = batch[r.nextInt(batch.length)];
    int inflightMsgsMax = inflight[r.nextInt(inflight.length)];
    double drop = r.chance(0.3) ? 0 : r.nextDouble() * 0.05;
    double dup = r.chance(0.5) ? 0 : r.nextDouble() * 0.05;
    long delayMin = 100 + r.nextInt(400);
    long delayMax = delayMin + 500 + r.nextInt(4500);
    double slow = r.chance(0.5) ? 0 : r.nextDouble() * 0.05;
    long slowMax = delayMax + r.nextInt(50_000);
    long fsyncMin = 50 + r.nextInt(200);
    long fsyncMax = fsyncMin + r.nextInt(2000);
    double stall = r.chance(0.5) ? 0 : r.nextDouble() * 0.03;
    long stallMs = 20 + r.nextInt(200);
    double torn = r.nextDouble();
    double driftMax = 0.2;
    // clock skew with lease reads: half the lease seeds put every node at an edge of the drift bound
    boolean edges = lease && r.chance(0.5);
    double drift = r.nextDouble() * driftMax;
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < nodes; i++) rates.add(edges ? (r.chance(0.5) ? 1 - driftMax : 1 + driftMax) : 1 + drift * (2 * r.nextDouble() - 1));
    List<Fault> faults = generateFaults(r, nodes, durationMs);
    long[] snapshots = snapshotPolicy(seed, bug);
    // the planted bugs keep the seeds their budgets were measured on
    String snapshotFormat = bug == null && SplitMix64.derive(seed, "snapshot-format").chance(SNAPSHOT_INCREMENTAL_SHARE)
        ? SNAPSHOT_INCREMENTAL : SNAPSHOT_LOGICAL;
    int spares = membershipFaults(seed, bug, nodes, durationMs, faults);
    String workload = REGISTER;
    Random w = SplitMix64.derive(seed, "workload");
    // the other planted bugs keep the seeds their budgets were measured on
    if (bug == Bug.MVCC_SKIP_CONFLICT_CHECK || (bug == null && w.chance(LIST_APPEND_SHARE))) {
      workload = LIST_APPEND;
      keys = LIST_APPEND_KEYS_MIN + w.nextInt(LIST_APPEND_KEYS_MAX - LIST_APPEND_KEYS_MIN + 1);
    }
    if (lease) {
      for (int i = r.nextInt(3); i > 0; i--) faults.add(new Fault(150 + r.nextInt((int) durationMs - 250), Fault.Kind.LEASE_SKEW, 0, 0, 200 + r.nextInt(300)));
      faults.sort((a, b) -> Long.compare(a.atMs(), b.atMs()));
    }
    return new Schedule(seed, bug == null ? null : bug.switchName(), nodes, spares, clients, workload, keys, durationMs, opsMax, readPct, casPct,
        lease ? LEASE : READ_INDEX, entriesPerMsgMax, inflightMsgsMax, snapshots[0], snapshots[1], snapshotFormat, drop, dup, delayMin, delayMax, slow, slowMax,
        fsyncMin, fsyncMax, stall, stallMs, torn, driftMax, rates, faults);
  }

  /** Snapshots of the store's records, sent whole. */
  public static final String SNAPSHOT_LOGICAL = "logical";
  /** Snapshots of the store's records in chunks, a lagging follower sent only the chunks it lacks. */
  public static final String SNAPSHOT_INCREMENTAL = "incremental";
  /** Share of the clean seeds with incremental snapshots. */
  static final double SNAPSHOT_INCREMENTAL_SHARE = 0.5;

  /** Snapshot every 0 (none), 5, 20 or 60 entries; 0, 10 or 50 kept for laggards. raft.truncate-committed always snapshots. */
  static final long[] SNAPSHOT_ENTRIES = {0, 5, 20, 60};
  static final long[] SNAPSHOT_RETAIN = {0, 10, 50};

  private static long[] snapshotPolicy(long seed, Bug bug) {
    Random r = SplitMix64.derive(seed, "snapshots");
    long entries = SNAPSHOT_ENTRIES[r.nextInt(SNAPSHOT_ENTRIES.length)];
    long retain = SNAPSHOT_RETAIN[r.nextInt(SNAPSHOT_RETAIN.length)];
    if (bug == Bug.TRUNCATE_COMMITTED && entries == 0) entries = 5;
    return new long[] {entries, retain};
  }

  /**
   * Membership faults, appended to {@code out} (sorted by the caller); returns the spare nodes the run
   * needs. Each change starts from the voters the previous one aimed at and keeps at least three.
   */
  private static int membershipFaults(long seed, Bug bug, int nodes, long durationMs, List<Fault> out) {
    Random r = SplitMix64.derive(seed, "membership");
    // the other planted bugs keep the seeds their budgets were measured on
    if (bug != Bug.SINGLE_STEP_MEMBERSHIP && (bug != null || !r.chance(0.5))) return 0;
    int total = nodes + SPARE_NODES_MAX;
    List<Integer> voters = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) voters.add(i);
    int count = 1 + r.nextInt(4);
    for (int k = 0; k < count; k++) {
      long at = 100 + r.nextInt((int) Math.max(1, durationMs - 400));
      if (k > 0 && r.chance(0.35)) {
        out.add(new Fault(at, Fault.Kind.TRANSFER_LEADER, 0, 0, 0));
        continue;
      }
      List<Integer> outside = new ArrayList<>();
      for (int i = 1; i <= total; i++) if (!voters.contains(i)) outside.add(i);
      int change = 1 + r.nextInt(2);
      int kind = bug == Bug.SINGLE_STEP_MEMBERSHIP && k == 0 ? 2 : r.nextInt(3);
      List<Integer> next = new ArrayList<>(voters);
      List<Integer> removable = new ArrayList<>(voters);
      for (int j = 0; j < change; j++) {
        // 0 add, 1 remove, 2 replace; at most 5 voters, at least 3
        boolean add = (kind == 0 || kind == 2) && !outside.isEmpty() && next.size() < 5 + (kind == 2 ? 1 : 0);
        if (add) next.add(outside.remove(r.nextInt(outside.size())));
        if ((kind == 1 || kind == 2) && next.size() > 3) next.remove(removable.remove(r.nextInt(removable.size())));
      }
      if (next.equals(voters)) continue;
      long mask = 0;
      for (int v : next) mask |= 1L << (v - 1);
      if (r.chance(0.25)) out.add(new Fault(at, Fault.Kind.PARTITION_LEADER, 0, 0, 100 + r.nextInt(300)));
      out.add(new Fault(at + 1, Fault.Kind.MEMBERSHIP, 0, mask, 0));
      if (r.chance(0.3)) out.add(new Fault(at + 1, Fault.Kind.CRASH_LEADER_IN_JOINT, 0, r.nextInt(2), 50 + r.nextInt(300)));
      voters = next;
    }
    out.sort((a, b) -> Long.compare(a.atMs(), b.atMs()));
    return SPARE_NODES_MAX;
  }

  /** Faults biased toward what breaks Raft: leaders isolated and crashed mid-replication, crashes right after a persist, Figure-8 churn. */
  private static List<Fault> generateFaults(Random r, int nodes, long durationMs) {
    List<Fault> out = new ArrayList<>();
    int count = r.nextInt(9);
    long all = (1L << nodes) - 1;
    for (int i = 0; i < count; i++) {
      long at = 150 + r.nextInt((int) Math.max(1, durationMs - 250));
      long dur = 50 + r.nextInt(550);
      int w = r.nextInt(100);
      int someNode = 1 + r.nextInt(nodes);
      int nodeOrLeader = r.chance(0.5) ? 0 : someNode;
      if (w < 22) {
        out.add(new Fault(at, Fault.Kind.PARTITION_LEADER, 0, nodes == 5 && r.chance(0.5) ? 1 : 0, dur));
      } else if (w < 34) {
        long mask = 1 + r.nextInt((int) all - 1);
        out.add(new Fault(at, Fault.Kind.PARTITION, 0, mask, dur));
      } else if (w < 52) {
        out.add(new Fault(at, Fault.Kind.CRASH, nodeOrLeader, 0, dur));
      } else if (w < 68) {
        out.add(new Fault(at, Fault.Kind.CRASH_AFTER_PERSIST, nodeOrLeader, r.chance(0.5) ? 1 : 0, 5 + r.nextInt(100)));
      } else if (w < 76) {
        out.add(new Fault(at, Fault.Kind.CRASH_SET, 0, r.chance(0.4) ? all : majorityMask(r, nodes), dur));
      } else if (w < 80) {
        out.add(new Fault(at, Fault.Kind.BIT_FLIP, someNode, 0, dur));
      } else if (nodes == 5) {
        out.add(new Fault(at, Fault.Kind.FIGURE8, 0, 0, 200 + r.nextInt(300)));
      } else {
        // an election with a voter that crashes right after persisting its vote
        out.add(new Fault(at, Fault.Kind.CRASH_AFTER_PERSIST, 1 + r.nextInt(nodes), 1, 5 + r.nextInt(50)));
        out.add(new Fault(at + 1, Fault.Kind.CRASH, 0, 0, dur));
      }
    }
    out.sort((a, b) -> Long.compare(a.atMs(), b.atMs()));
    return out;
  }

  private static long majorityMask(Random r, int nodes) {
    long mask = 0;
    int n = 0;
    while (n < nodes / 2 + 1) {
      int i = r.nextInt(nodes);
      if ((mask & (1L << i)) == 0) {
        mask |= 1L << i;
        n++;
      }
    }
    return mask;
  }

  public Bug bugSwitch() { return bug == null ? null : Bug.fromName(bug); }

  public Schedule withFaults(List<Fault> f) {
    return new Schedule(seed, bug, nodes, spareNodes, clients, workload, keys, durationMs, opsMax, readPct, casPct, readMode, entriesPerMsgMax,
        inflightMsgsMax, snapshotEntries, snapshotRetainEntries, snapshotFormat, dropProbability, duplicateProbability, delayUsMin, delayUsMax, slowProbability, slowDelayUsMax,
        fsyncUsMin, fsyncUsMax, stallProbability, stallMs, tornWriteProbability, clockDriftMax, clockRates, f);
  }

  public Schedule withOpsMax(int n) {
    return new Schedule(seed, bug, nodes, spareNodes, clients, workload, keys, durationMs, n, readPct, casPct, readMode, entriesPerMsgMax,
        inflightMsgsMax, snapshotEntries, snapshotRetainEntries, snapshotFormat, dropProbability, duplicateProbability, delayUsMin, delayUsMax, slowProbability, slowDelayUsMax,
        fsyncUsMin, fsyncUsMax, stallProbability, stallMs, tornWriteProbability, clockDriftMax, clockRates, faults);
  }

  public Schedule withDurationMs(long ms) {
    List<Fault> kept = new ArrayList<>();
    for (Fault f : faults) if (f.atMs() < ms) kept.add(f);
    return new Schedule(seed, bug, nodes, spareNodes, clients, workload, keys, ms, opsMax, readPct, casPct, readMode, entriesPerMsgMax,
        inflightMsgsMax, snapshotEntries, snapshotRetainEntries, snapshotFormat, dropProbability, duplicateProbability, delayUsMin, delayUsMax, slowProbability, slowDelayUsMax,
        fsyncUsMin, fsyncUsMax, stallProbability, stallMs, tornWriteProbability, clockDriftMax, clockRates, kept);
  }

  /** One line of every parameter except the faults (printed first for every run). */
  public String describeParams() {
    Map<String, Object> m = toJson();
    m.remove("faults");
    return Json.write(m);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "faultline-sim-schedule/1");
    m.put("system", "raft");
    m.put("seed", seed);
    m.put("bug", bug);
    m.put("nodes", (long) nodes);
    if (spareNodes > 0) m.put("spare_nodes", (long) spareNodes);
    m.put("clients", (long) clients);
    m.put("workload", workload);
    m.put("keys", (long) keys);
    m.put("duration_ms", durationMs);
    m.put("ops_max", (long) opsMax);
    m.put("read_pct", (long) readPct);
    m.put("cas_pct", (long) casPct);
    m.put("read_mode", readMode);
    m.put("entries_per_msg_max", (long) entriesPerMsgMax);
    m.put("inflight_msgs_max", (long) inflightMsgsMax);
    m.put("snapshot_entries", snapshotEntries);
    m.put("snapshot_retain_entries", snapshotRetainEntries);
    m.put("snapshot_format", snapshotFormat);
    m.put("drop_probability", dropProbability);
    m.put("duplicate_probability", duplicateProbability);
    m.put("delay_us_min", delayUsMin);
    m.put("delay_us_max", delayUsMax);
    m.put("slow_probability", slowProbability);
    m.put("slow_delay_us_max", slowDelayUsMax);
    m.put("fsync_us_min", fsyncUsMin);
    m.put("fsync_us_max", fsyncUsMax);
    m.put("stall_probability", stallProbability);
    m.put("stall_ms", stallMs);
    m.put("torn_write_probability", tornWriteProbability);
    m.put("clock_drift_max", clockDriftMax);
    m.put("clock_rates", new ArrayList<Object>(clockRates));
    List<Object> fs = new ArrayList<>();
    for (Fault f : faults) fs.add(f.toJson());
    m.put("faults", fs);
    return m;
  }

  /** Reads a schedule written by {@link #toJson}; IllegalArgumentException names the bad field. */
  public static Schedule fromJson(Map<String, Object> m) {
    Object format = m.get("format");
    if (!"faultline-sim-schedule/1".equals(format)) throw new IllegalArgumentException("format: expected \"faultline-sim-schedule/1\", got " + Json.write(format));
    long seed = num(m, "seed");
    Object bug = m.get("bug");
    if (bug != null && !(bug instanceof String)) throw new IllegalArgumentException("bug: expected a string or null");
    List<Double> rates = new ArrayList<>();
    for (Object o : list(m, "clock_rates")) {
      if (!(o instanceof Number)) throw new IllegalArgumentException("clock_rates: expected numbers, got " + Json.write(o));
      rates.add(((Number) o).doubleValue());
    }
    List<Fault> faults = new ArrayList<>();
    for (Object o : list(m, "faults")) {
      if (!(o instanceof Map)) throw new IllegalArgumentException("faults: expected objects, got " + Json.write(o));
      @SuppressWarnings("unchecked")
      Map<String, Object> fm = (Map<String, Object>) o;
      faults.add(Fault.fromJson(fm));
    }
    return new Schedule(seed, (String) bug, (int) num(m, "nodes"), m.containsKey("spare_nodes") ? (int) num(m, "spare_nodes") : 0,
        (int) num(m, "clients"), m.containsKey("workload") ? str(m, "workload") : REGISTER, (int) num(m, "keys"),
        num(m, "duration_ms"), (int) num(m, "ops_max"), (int) num(m, "read_pct"), (int) num(m, "cas_pct"), str(m, "read_mode"),
        (int) num(m, "entries_per_msg_max"), (int) num(m, "inflight_msgs_max"), m.containsKey("snapshot_entries") ? num(m, "snapshot_entries") : 0,
        m.containsKey("snapshot_retain_entries") ? num(m, "snapshot_retain_entries") : 0,
        m.containsKey("snapshot_format") ? str(m, "snapshot_format") : SNAPSHOT_LOGICAL, dbl(m, "drop_probability"),
        dbl(m, "duplicate_probability"), num(m, "delay_us_min"), num(m, "delay_us_max"), dbl(m, "slow_probability"),
        num(m, "slow_delay_us_max"), num(m, "fsync_us_min"), num(m, "fsync_us_max"), dbl(m, "stall_probability"),
        num(m, "stall_ms"), dbl(m, "torn_write_probability"), dbl(m, "clock_drift_max"), rates, faults);
  }

  static long num(Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof Long)) throw new IllegalArgumentException(field + ": expected an integer, got " + Json.write(v));
    return (Long) v;
  }

  static double dbl(Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof Number)) throw new IllegalArgumentException(field + ": expected a number, got " + Json.write(v));
    return ((Number) v).doubleValue();
  }

  static String str(Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof String)) throw new IllegalArgumentException(field + ": expected a string, got " + Json.write(v));
    return (String) v;
  }

  private static List<?> list(Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof List)) throw new IllegalArgumentException(field + ": expected a list, got " + Json.write(v));
    return (List<?>) v;
  }
}
