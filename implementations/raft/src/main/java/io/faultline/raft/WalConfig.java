package io.faultline.raft;

import java.util.Locale;
import java.util.Objects;

/**
 * How a node's write-ahead log ({@link Wal}) syncs and lays out its segments, validated once.
 *
 * @param sync              when appends are fsynced, and when they count as durable
 * @param syncIntervalMs    with {@link SyncPolicy#INTERVAL}: the period of the background fsync
 * @param segmentBytesMax   a segment is rotated when the next batch would take it past this size (a batch
 *                          larger than this gets a segment of its own)
 * @param preallocateBytes  segments grow by writing this many zeros at a time, ahead of the records
 * @param snapshots         when the node checkpoints its state machine and compacts the log
 */
public record WalConfig(SyncPolicy sync, long syncIntervalMs, int segmentBytesMax, int preallocateBytes, SnapshotPolicy snapshots) {
  /**
   * The checkpoint policy: a snapshot is taken when any enabled trigger fires (0 disables a trigger;
   * all 0 disables snapshots and compaction). Then the WAL's segments wholly below the log's first
   * index are deleted.
   *
   * @param entriesMax    entries applied since the last snapshot
   * @param walBytesMax   WAL bytes grown since the last snapshot
   * @param intervalMs    time since the last snapshot (with at least one entry applied since)
   * @param retainEntries the leader keeps up to this many entries below a snapshot for followers that
   *                      lag by less; one further behind gets the snapshot (InstallSnapshot)
   * @param afterRotation also as soon as the applied index passes the start of the segment being
   *                      written while older segments exist: the snapshot lets them go at once, so the
   *                      WAL swings by about one segment, not two
   */
  public record SnapshotPolicy(long entriesMax, long walBytesMax, long intervalMs, long retainEntries, boolean afterRotation,
      Format format) {
    /**
     * What a snapshot holds and how it travels (see {@link SnapshotArchive}): the store's records (LOGICAL,
     * any engine can take them); the engine's checkpoint files, sent whole (CHECKPOINT); or the checkpoint
     * files with only those a follower lacks sent (INCREMENTAL, the default). An engine that cannot take
     * checkpoints (in memory) always writes LOGICAL snapshots.
     */
    public enum Format { LOGICAL, CHECKPOINT, INCREMENTAL }

    /** No snapshots: the log grows without bound (the behaviour before snapshots). */
    public static final SnapshotPolicy OFF = new SnapshotPolicy(0, 0, 0, 0, false);
    /**
     * Every 10 000 entries or 64 MiB of WAL grown: at a few thousand writes a second the WAL holds seconds
     * of load plus a segment, well within 30 s; laggards within 5 000 entries get entries, not a snapshot.
     */
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(10_000, 64L << 20, 0, 5_000, true);

    /** A policy without the after-rotation trigger. */
    public SnapshotPolicy(long entriesMax, long walBytesMax, long intervalMs, long retainEntries) {
      this(entriesMax, walBytesMax, intervalMs, retainEntries, false);
    }

    /** A policy with incremental checkpoint snapshots. */
    public SnapshotPolicy(long entriesMax, long walBytesMax, long intervalMs, long retainEntries, boolean afterRotation) {
      this(entriesMax, walBytesMax, intervalMs, retainEntries, afterRotation, Format.INCREMENTAL);
    }

    public SnapshotPolicy {
      if (entriesMax < 0) throw new IllegalArgumentException("snapshot entriesMax must be >= 0, got " + entriesMax);
      if (walBytesMax < 0) throw new IllegalArgumentException("snapshot walBytesMax must be >= 0, got " + walBytesMax);
      if (intervalMs < 0) throw new IllegalArgumentException("snapshot intervalMs must be >= 0, got " + intervalMs);
      if (retainEntries < 0) throw new IllegalArgumentException("snapshot retainEntries must be >= 0, got " + retainEntries);
      java.util.Objects.requireNonNull(format, "format");
    }

    public boolean enabled() { return entriesMax > 0 || walBytesMax > 0 || intervalMs > 0 || afterRotation; }

    public SnapshotPolicy withEntriesMax(long n) { return new SnapshotPolicy(n, walBytesMax, intervalMs, retainEntries, afterRotation, format); }

    public SnapshotPolicy withRetainEntries(long n) { return new SnapshotPolicy(entriesMax, walBytesMax, intervalMs, n, afterRotation, format); }

    public SnapshotPolicy withFormat(Format f) { return new SnapshotPolicy(entriesMax, walBytesMax, intervalMs, retainEntries, afterRotation, f); }
  }

  /** A log without snapshots. */
  public WalConfig(SyncPolicy sync, long syncIntervalMs, int segmentBytesMax, int preallocateBytes) {
    this(sync, syncIntervalMs, segmentBytesMax, preallocateBytes, SnapshotPolicy.OFF);
  }

  /** When appends reach the disk. */
  public enum SyncPolicy {
    /** Group commit: one fsync per batch (a Ready), acknowledged after it. The default. */
    SAFE,
    /** One fsync per record, each waited for in turn: the slow baseline group commit is measured against. */
    EVERY_WRITE,
    /**
     * Acknowledged once written (to the page cache); an fsync every {@code syncIntervalMs}. Survives a
     * process kill, not a power loss or {@code LOSE_UNSYNCED}: up to one interval of acknowledged writes
     * can be lost (Kafka's {@code flush.ms}, Ratis' unsafe-flush). For comparison only.
     */
    INTERVAL;

    /** {@code safe}, {@code every-write}, {@code interval}: the flag's spelling. */
    public String flagName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** The policy spelled {@code safe|every-write|interval}; IllegalArgumentException otherwise. */
    public static SyncPolicy fromFlag(String name) {
      for (SyncPolicy p : values()) if (p.flagName().equals(name)) return p;
      throw new IllegalArgumentException("WAL sync policy must be safe, every-write or interval, got '" + name + "'");
    }
  }

  public static final long SYNC_INTERVAL_MS_DEFAULT = 10;
  /**
   * 2 MiB: WAL segments are deleted whole once a snapshot covers them, so the WAL holds one to two
   * segments — 15–30 s of full load at about 1,600 small writes a second (about 140 KB/s of WAL).
   */
  public static final int SEGMENT_BYTES_MAX_DEFAULT = 2 << 20;
  public static final int PREALLOCATE_BYTES_DEFAULT = 1 << 20;
  public static final int SEGMENT_BYTES_MIN = 64 << 10;
  /** Below the WAL's own record limit (a batch larger than a segment gets a segment of its own). */
  public static final int SEGMENT_BYTES_MAX = 1 << 30;
  /** Safe, 2 MiB segments preallocated a MiB at a time. */
  public static final WalConfig DEFAULT = new WalConfig(SyncPolicy.SAFE, SYNC_INTERVAL_MS_DEFAULT, SEGMENT_BYTES_MAX_DEFAULT,
      PREALLOCATE_BYTES_DEFAULT);

  public WalConfig {
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(snapshots, "snapshots");
    if (syncIntervalMs < 1 || syncIntervalMs > 60_000) throw new IllegalArgumentException("syncIntervalMs must be 1..60000, got " + syncIntervalMs);
    if (segmentBytesMax < 4096) throw new IllegalArgumentException("segmentBytesMax must be >= 4096, got " + segmentBytesMax);
    if (preallocateBytes < 4096 || preallocateBytes > segmentBytesMax) {
      throw new IllegalArgumentException("preallocateBytes must be 4096..segmentBytesMax (" + segmentBytesMax + "), got " + preallocateBytes);
    }
  }

  public WalConfig withSync(SyncPolicy policy) { return new WalConfig(policy, syncIntervalMs, segmentBytesMax, preallocateBytes, snapshots); }

  /** Segments of {@code bytes}, preallocated as before but never beyond one segment. */
  public WalConfig withSegmentBytes(int bytes) {
    return new WalConfig(sync, syncIntervalMs, bytes, Math.min(preallocateBytes, Math.max(bytes, 4096)), snapshots);
  }

  public WalConfig withSnapshots(SnapshotPolicy p) { return new WalConfig(sync, syncIntervalMs, segmentBytesMax, preallocateBytes, p); }
}
