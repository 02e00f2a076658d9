package io.faultline.harness;

import java.util.ArrayList;
import java.util.List;

/**
 * The settings of the snapshot benchmarks ({@code --workload recovery} and {@code catch-up}) beyond
 * {@link BenchSpec}, validated once with messages that name the option and the bad value.
 *
 * @param intervals       recovery: the snapshot intervals measured in turn, in entries; 0 is snapshots
 *                        off (ours {@code --snapshot-entries 0}; Ratis' threshold at its maximum)
 * @param downMs          catch-up: how long the follower stays down while the others take writes
 * @param stateBytes      catch-up: value bytes written to fresh keys while the follower is down,
 *                        before the {@code downMs} of writes, so that it comes back far behind a large
 *                        state (0: none)
 * @param snapshotEntries catch-up: the snapshot interval in entries (-1: each system's own default
 *                        for ours, {@link #RATIS_CATCH_UP_THRESHOLD} for Ratis)
 * @param walSegmentBytes our Raft's WAL segment size for both workloads (-1: the node's own)
 * @param nodeHeapMb      our Raft's node heap in MiB for both workloads (-1: the node's own, 256): its state
 *                        and snapshots live in memory, so 1 GB of state needs a few GiB
 * @param rounds          catch-up: how many times the same follower goes down and catches up (the preload
 *                        only before the first): from the second on, ours holds an earlier snapshot of the
 *                        leader's lineage, so an incremental snapshot sends only the files it lacks
 * @param snapshotFormat  catch-up: our Raft's snapshot format ({@code logical|checkpoint|incremental};
 *                        null: the node's own, incremental)
 */
record BenchSnapshotSpec(List<Long> intervals, long downMs, long stateBytes, long snapshotEntries, long walSegmentBytes, long nodeHeapMb,
    int rounds, String snapshotFormat) {
  static final int ROUNDS_MAX = 10;
  static final String WORKLOAD_RECOVERY = "recovery";
  static final String WORKLOAD_CATCH_UP = "catch-up";
  static final String INTERVALS_DEFAULT = "1000,10000,100000,0";
  static final int INTERVALS_MAX = 16;
  static final long INTERVAL_MAX = 10_000_000;
  static final long DOWN_MS_MIN = 1_000;
  static final long DOWN_MS_MAX = 3_600_000;
  /** A 4 GiB state is beyond what a node holds (the snapshot travels in memory, up to 1.5 GiB). */
  static final long STATE_BYTES_MAX = 4L << 30;
  /** Ratis' snapshot threshold in the catch-up benchmark: our node's default interval. */
  static final long RATIS_CATCH_UP_THRESHOLD = 10_000;

  BenchSnapshotSpec {
    intervals = List.copyOf(intervals);
    require(!intervals.isEmpty() && intervals.size() <= INTERVALS_MAX, "--intervals", String.valueOf(intervals),
        "1.." + INTERVALS_MAX + " intervals");
    for (long i : intervals) require(i >= 0 && i <= INTERVAL_MAX, "--intervals", Long.toString(i), "0..10000000 entries (0: snapshots off)");
    require(downMs >= DOWN_MS_MIN && downMs <= DOWN_MS_MAX, "--down", Durations.format(downMs), "between 1s and 1h");
    require(stateBytes >= 0 && stateBytes <= STATE_BYTES_MAX, "--state-bytes", Long.toString(stateBytes), "0.." + STATE_BYTES_MAX);
    require(snapshotEntries >= -1 && snapshotEntries <= INTERVAL_MAX, "--snapshot-entries", Long.toString(snapshotEntries),
        "0..10000000 (0: snapshots off)");
    require(walSegmentBytes == -1 || (walSegmentBytes >= 64 << 10 && walSegmentBytes <= 1 << 30), "--wal-segment-bytes",
        Long.toString(walSegmentBytes), "65536..1073741824");
    require(nodeHeapMb == -1 || (nodeHeapMb >= 256 && nodeHeapMb <= 16384), "--node-heap-mb", Long.toString(nodeHeapMb), "256..16384");
    require(rounds >= 1 && rounds <= ROUNDS_MAX, "--rounds", Integer.toString(rounds), "1.." + ROUNDS_MAX);
    require(snapshotFormat == null || List.of("logical", "checkpoint", "incremental").contains(snapshotFormat), "--snapshot-format",
        String.valueOf(snapshotFormat), "logical, checkpoint or incremental");
  }

  /** The settings of earlier runs: one round, the node's own snapshot format. */
  BenchSnapshotSpec(List<Long> intervals, long downMs, long stateBytes, long snapshotEntries, long walSegmentBytes, long nodeHeapMb) {
    this(intervals, downMs, stateBytes, snapshotEntries, walSegmentBytes, nodeHeapMb, 1, null);
  }

  /** {@code 1000,10000,100000,0}: whole numbers separated by commas; anything else names the flag. */
  static List<Long> parseIntervals(String text) {
    List<Long> list = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      try {
        list.add(Long.parseLong(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option --intervals: '" + text + "' is not allowed; expected entries per snapshot"
            + " separated by commas, 0 for off (example: " + INTERVALS_DEFAULT + ")");
      }
    }
    return list;
  }

  /** {@code 100000000}, {@code 100MB}, {@code 1GB} (powers of 1000; {@code MiB}, {@code GiB} of 1024). */
  static long parseBytes(String option, String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(|KB|MB|GB|KiB|MiB|GiB)").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("option " + option + ": '" + text + "' is not a size (examples: 100000000, 100MB, 1GB, 512MiB)");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "KB": return n * 1_000;
      case "MB": return n * 1_000_000;
      case "GB": return n * 1_000_000_000;
      case "KiB": return n << 10;
      case "MiB": return n << 20;
      case "GiB": return n << 30;
      default: return n;
    }
  }

  /** The flags that set these, for the command line that runs the benchmark again. */
  String flags(String workload) {
    StringBuilder sb = new StringBuilder();
    if (workload.equals(WORKLOAD_RECOVERY)) {
      List<String> each = new ArrayList<>();
      for (long i : intervals) each.add(Long.toString(i));
      sb.append(" --intervals ").append(String.join(",", each));
    } else {
      sb.append(" --down ").append(Durations.format(downMs));
      if (stateBytes > 0) sb.append(" --state-bytes ").append(stateBytes);
      if (snapshotEntries >= 0) sb.append(" --snapshot-entries ").append(snapshotEntries);
    }
    if (walSegmentBytes >= 0) sb.append(" --wal-segment-bytes ").append(walSegmentBytes);
    if (nodeHeapMb >= 0) sb.append(" --node-heap-mb ").append(nodeHeapMb);
    if (rounds > 1) sb.append(" --rounds ").append(rounds);
    if (snapshotFormat != null) sb.append(" --snapshot-format ").append(snapshotFormat);
    return sb.toString();
  }

  private static void require(boolean ok, String option, String value, String expected) {
    if (!ok) throw new IllegalArgumentException("option " + option + ": '" + value + "' is not allowed; expected " + expected);
  }
}
