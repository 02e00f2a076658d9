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
 */
public record WalConfig(SyncPolicy sync, long syncIntervalMs, int segmentBytesMax, int preallocateBytes) {
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
  public static final int SEGMENT_BYTES_MAX_DEFAULT = 16 << 20;
  public static final int PREALLOCATE_BYTES_DEFAULT = 1 << 20;
  /** Safe, 16 MiB segments preallocated a MiB at a time. */
  public static final WalConfig DEFAULT = new WalConfig(SyncPolicy.SAFE, SYNC_INTERVAL_MS_DEFAULT, SEGMENT_BYTES_MAX_DEFAULT,
      PREALLOCATE_BYTES_DEFAULT);

  public WalConfig {
    Objects.requireNonNull(sync, "sync");
    if (syncIntervalMs < 1 || syncIntervalMs > 60_000) throw new IllegalArgumentException("syncIntervalMs must be 1..60000, got " + syncIntervalMs);
    if (segmentBytesMax < 4096) throw new IllegalArgumentException("segmentBytesMax must be >= 4096, got " + segmentBytesMax);
    if (preallocateBytes < 4096 || preallocateBytes > segmentBytesMax) {
      throw new IllegalArgumentException("preallocateBytes must be 4096..segmentBytesMax (" + segmentBytesMax + "), got " + preallocateBytes);
    }
  }

  public WalConfig withSync(SyncPolicy policy) { return new WalConfig(policy, syncIntervalMs, segmentBytesMax, preallocateBytes); }
}
