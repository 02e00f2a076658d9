package io.faultline.raft;

import io.faultline.runtime.Storage;
import io.faultline.runtime.Timers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A node's write-ahead log: the Raft entries and commit index, in segment files of {@link LogCodec}
 * records. (Term and vote live apart, in {@link HardStateFile}.)
 *
 * <p>Segments: {@code wal-<sequence, 10 digits>-<first index, 20 digits>.seg}, replayed in sequence order;
 * a later entry supersedes any earlier one at its index or above (etcd's rule), so a follower's log
 * truncation is just an append. Each segment starts with a 32-byte header — magic {@code "FLWL"},
 * version, flags, sequence, first index, reserved, CRC32C of the rest — and is preallocated by writing
 * zeros ({@code preallocateBytes} at a time, ahead of the records), as Ratis does: real blocks, so an
 * fdatasync after a record need not also update the file's size and block map, and the end of the
 * data is simply the first zero length. ({@code setLength} would only make a sparse file: no blocks,
 * so no such saving, and no guaranteed space.)
 *
 * <p>Group commit: {@link #append} writes one batch — a Ready's entries and commit index — with one
 * write and, under {@link WalConfig.SyncPolicy#SAFE}, one fsync; RaftNode persists one Ready at a time,
 * so batches grow by themselves while a sync is slow. {@code EVERY_WRITE} syncs each record in turn;
 * {@code INTERVAL} acknowledges at once and syncs on a timer (unsafe, for comparison).
 *
 * <p>Rotation, when a batch would take the segment past {@code segmentBytesMax}: fsync the old segment;
 * write the new one's header and first zeros to {@value #TEMP_SEGMENT}, fsync it, rename it to its
 * name, fsync the directory; only then write the batch. So every segment but the newest was synced
 * whole, and a segment under its name always has a synced header (etcd's file pipeline).
 *
 * <p>Recovery ({@link #open}): a torn tail in the newest segment is zeroed, synced and reported (on
 * stderr and in {@link #tornTailsTruncated}); any other damage is a {@link WalCorruptException} naming
 * the file and offset. See {@link LogCodec} for how the two are told apart.
 *
 * <p>Compaction ({@link #compact}): once a snapshot covers the log up to an index, the oldest segments
 * whose live entries all lie at or below it are deleted (the next segment's first index bounds them)
 * and the directory fsynced; replay then starts at the first surviving segment. A follower that
 * installs a snapshot writes a restart record (index, term): replay forgets every entry before it and
 * continues after that index.
 */
public final class Wal {
  public static final String TEMP_SEGMENT = "wal.tmp";
  static final Pattern SEGMENT = Pattern.compile("wal-(\\d{10})-(\\d{20})\\.seg");
  static final int MAGIC = 0x464C574C;
  static final short VERSION = 1;
  static final int HEADER_BYTES = 32;
  /** Bound on batches waiting for a rotation or an every-write chain (the node hands over one at a time). */
  static final int WAITING_BATCHES_MAX = 10_000;

  /** Where recovery found a torn write and what it dropped. */
  public record TornTail(String file, long offset, long bytesDropped) {}

  private final Storage storage;
  private final Timers timers;
  private final WalConfig cfg;
  private final byte[] zeros;
  private final List<Entry> recoveredEntries;
  private final long recoveredCommit;
  private final TornTail tornTail;
  /** Batches that arrived while a rotation or an every-write chain was in flight, in order. */
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private String segment;
  private long sequence;
  private long writePos;
  private long allocatedEnd;
  private long lastIndex;
  private boolean rotating;
  private boolean chaining;
  private boolean dirty;
  private long closedSegmentBytes;
  private int closedSegments;
  private volatile long bytes;

  private final long recoveredBase;

  private Wal(Storage storage, Timers timers, WalConfig cfg, long base, List<Entry> entries, long commit, TornTail torn) {
    this.storage = storage;
    this.timers = timers;
    this.cfg = cfg;
    this.zeros = new byte[cfg.preallocateBytes()];
    this.recoveredEntries = entries;
    this.recoveredCommit = commit;
    this.tornTail = torn;
    this.recoveredBase = base;
    this.lastIndex = base + entries.size();
  }

  /** The segment's file name. */
  static String segmentName(long sequence, long firstIndex) { return String.format("wal-%010d-%020d.seg", sequence, firstIndex); }

  /** The newest segment among {@code names}, or null. */
  public static String newestSegmentName(List<String> names) {
    String newest = null;
    for (String n : names) if (SEGMENT.matcher(n).matches() && (newest == null || n.compareTo(newest) > 0)) newest = n;
    return newest;
  }

  /** The newest segment file in a node's data directory (the one a torn write can hit), if any. */
  public static Optional<Path> newestSegment(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) return Optional.empty();
    try (Stream<Path> files = Files.list(dataDir)) {
      String newest = newestSegmentName(files.map(p -> p.getFileName().toString()).toList());
      return newest == null ? Optional.empty() : Optional.of(dataDir.resolve(newest));
    }
  }

  static byte[] header(long sequence, long firstIndex) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(sequence)
        .putLong(firstIndex).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, HEADER_BYTES - 4);
    return b.putInt((int) crc.getValue()).array();
  }

  /**
   * Recovers the log from {@code storage} (on the thread that owns it: the node's event thread): replays every segment, repairs a torn tail, and returns the
   * log ready for appends. Throws {@link WalCorruptException} when the log is damaged before its tail.
   */
  public static Wal open(Storage storage, Timers timers, WalConfig cfg, java.util.function.Consumer<String> report) {
    if (storage.size(TEMP_SEGMENT) >= 0) storage.delete(TEMP_SEGMENT); // a rotation that never finished
    List<String> segments = new ArrayList<>();
    for (String n : storage.list()) if (SEGMENT.matcher(n).matches()) segments.add(n);
    List<Entry> log = new ArrayList<>();
    long base = -1;
    long commit = 0;
    TornTail torn = null;
    long total = 0;
    String current = null;
    long sequence = 0;
    long end = 0;
    long allocated = 0;
    for (int i = 0; i < segments.size(); i++) {
      String name = segments.get(i);
      boolean last = i == segments.size() - 1;
      byte[] buf = storage.read(name);
      int length = buf.length;
      int dataEnd = LogCodec.dataEnd(buf, 0, length);
      Matcher m = SEGMENT.matcher(name);
      if (!m.matches()) throw new IllegalStateException(name);
      long seq = Long.parseLong(m.group(1));
      if (sequence != 0 && seq != sequence + 1) throw new WalCorruptException(name, 0, "segment " + seq + " follows segment " + sequence + ": one is missing");
      String headerProblem = checkHeader(buf, seq);
      if (headerProblem != null) {
        if (last && LogCodec.dataEnd(buf, Math.min(HEADER_BYTES, length), length) <= HEADER_BYTES) {
          // Damage confined to the header of a segment that holds no record: nothing acknowledged lived here.
          torn = new TornTail(name, 0, dataEnd);
          report.accept(describe(torn, "header damaged (" + headerProblem + "), segment removed"));
          storage.delete(name);
          storage.fsyncDirectory(() -> { });
          break;
        }
        throw new WalCorruptException(name, 0, headerProblem);
      }
      int pos = HEADER_BYTES;
      while (true) {
        LogCodec.Frame f = LogCodec.read(buf, length, pos, dataEnd, last);
        if (f.kind() == LogCodec.Kind.END) break;
        if (f.kind() == LogCodec.Kind.CORRUPT) throw new WalCorruptException(name, pos, f.problem());
        if (f.kind() == LogCodec.Kind.TORN) {
          torn = new TornTail(name, pos, dataEnd - pos);
          report.accept(describe(torn, "truncated"));
          storage.write(name, pos, new byte[dataEnd - pos]);
          storage.fsync(name, () -> { });
          break;
        }
        ByteBuffer p = ByteBuffer.wrap(buf, f.payloadOffset(), f.payloadLength());
        if (f.type() == LogCodec.ENTRY && f.payloadLength() >= 16) {
          long term = p.getLong();
          long index = p.getLong();
          byte[] data = new byte[f.payloadLength() - 16];
          p.get(data);
          if (base < 0) base = index - 1;
          if (index < 1 || index > base + log.size() + 1) {
            throw new WalCorruptException(name, pos, "entry " + index + " leaves a gap after entry " + (base + log.size()));
          }
          if (term < 1) throw new WalCorruptException(name, pos, "entry " + index + " has term " + term);
          if (index <= base) {
            log.clear();
            base = index - 1;
          }
          log.subList((int) (index - base) - 1, log.size()).clear();
          log.add(new Entry(term, index, data));
        } else if (f.type() == LogCodec.RESTART && f.payloadLength() == 16) {
          long index = p.getLong();
          if (index < 1) throw new WalCorruptException(name, pos, "log restart at " + index);
          log.clear();
          base = index;
        } else if (f.type() == LogCodec.COMMIT && f.payloadLength() == 8) {
          commit = Math.max(commit, p.getLong());
        } else {
          throw new WalCorruptException(name, pos, "unknown record type " + f.type() + " of " + f.payloadLength() + " bytes");
        }
        pos = f.next();
      }
      sequence = seq;
      current = name;
      end = pos;
      allocated = length;
      total += length;
    }
    Wal wal = new Wal(storage, timers, cfg, Math.max(base, 0), List.copyOf(log), commit, torn);
    wal.sequence = sequence;
    if (current != null) {
      wal.segment = current;
      wal.writePos = end;
      wal.allocatedEnd = wal.allocatedEnd(current, allocated);
      wal.closedSegmentBytes = total - allocated;
      wal.closedSegments = segments.size() - 1;
    }
    wal.bytes = total;
    if (cfg.sync() == WalConfig.SyncPolicy.INTERVAL) wal.scheduleIntervalSync();
    return wal;
  }

  private long allocatedEnd(String name, long fallback) {
    long size = storage.size(name);
    return size < 0 ? fallback : size;
  }

  /** Why a segment's header (named sequence {@code seq}) does not check out, or null when it does. */
  static String checkHeader(byte[] buf, long seq) {
    if (buf.length < HEADER_BYTES) return "segment of " + buf.length + " bytes has no whole header";
    ByteBuffer b = ByteBuffer.wrap(buf, 0, HEADER_BYTES);
    CRC32C crc = new CRC32C();
    crc.update(buf, 0, HEADER_BYTES - 4);
    if (b.getInt(HEADER_BYTES - 4) != (int) crc.getValue()) return "segment header checksum mismatch";
    if (b.getInt(0) != MAGIC) return "not a segment (bad magic)";
    if (b.getShort(4) != VERSION) return "segment version " + b.getShort(4) + ", expected " + VERSION;
    if (b.getLong(8) != seq) return "header says segment " + b.getLong(8) + ", name says " + seq;
    return null;
  }

  private static String describe(TornTail t, String what) {
    return String.format("faultline wal: torn tail in %s at offset %d: %d bytes dropped, %s", t.file(), t.offset(), t.bytesDropped(), what);
  }

  /** The index before the first recovered entry (0 for a log never compacted or restarted). */
  public long recoveredBase() { return recoveredBase; }

  /** Entries recovered at open, in index order, contiguous after {@link #recoveredBase()}. */
  public List<Entry> recoveredEntries() { return recoveredEntries; }

  /** The highest commit index recovered at open (0 when none was written). */
  public long recoveredCommit() { return recoveredCommit; }

  /** The torn tail repaired at open, or null. */
  public TornTail tornTail() { return tornTail; }

  /** Torn tails truncated when this log was opened: 0 or 1. */
  public long tornTailsTruncated() { return tornTail == null ? 0 : 1; }

  /** Bytes of all segments, preallocated space included. Safe from any thread. */
  public long bytes() { return bytes; }

  public WalConfig config() { return cfg; }

  /** Segments before the one being written (still on disk). */
  public int closedSegments() { return closedSegments; }

  /** The first index of the segment being written (its name's), 0 when there is none. */
  public long currentFirstIndex() {
    if (segment == null) return 0;
    Matcher m = SEGMENT.matcher(segment);
    return m.matches() ? Long.parseLong(m.group(2)) : 0;
  }

  /** Whether {@link #append} acknowledges before the data is synced ({@code INTERVAL}). */
  boolean acknowledgesBeforeSync() { return cfg.sync() == WalConfig.SyncPolicy.INTERVAL; }

  /**
   * Appends one batch: {@code entries} (each superseding what is at its index or above) and, when
   * {@code commit >= 0}, the commit index. With {@code sync} (always, but for the planted bug
   * raft.no-fsync) the batch is synced per the policy and {@code onDurable} (may be null) runs once it is
   * durable; under {@code INTERVAL}, or without {@code sync}, it is never synced on its own account and
   * {@code onDurable} must be null.
   */
  public void append(List<Entry> entries, long commit, boolean sync, Runnable onDurable) {
    append(null, entries, commit, sync, onDurable);
  }

  /** {@link #append}, the batch starting with a restart of the log after {@code restart} (when not null). */
  public void append(Snapshot restart, List<Entry> entries, long commit, boolean sync, Runnable onDurable) {
    List<byte[]> records = new ArrayList<>(entries.size() + 2);
    int total = 0;
    if (restart != null) {
      byte[] r = LogCodec.restart(restart.index(), restart.term());
      records.add(r);
      total += r.length;
      lastIndex = restart.index();
    }
    for (Entry e : entries) {
      byte[] r = LogCodec.entry(e);
      records.add(r);
      total += r.length;
    }
    if (commit >= 0) {
      byte[] r = LogCodec.commit(commit);
      records.add(r);
      total += r.length;
    }
    if (records.isEmpty()) throw new IllegalArgumentException("empty batch");
    boolean waits = sync && cfg.sync() != WalConfig.SyncPolicy.INTERVAL;
    if (!waits && onDurable != null) throw new IllegalArgumentException("onDurable given for a batch that is not waited for");
    long firstIndex = entries.isEmpty() ? lastIndex + 1 : entries.get(0).index();
    if (!entries.isEmpty()) lastIndex = entries.get(entries.size() - 1).index();
    int batchBytes = total;
    Runnable write = () -> write(records, batchBytes, sync, onDurable);
    if (waiting.size() >= WAITING_BATCHES_MAX) throw new IllegalStateException(WAITING_BATCHES_MAX + " batches wait for the WAL: stuck?");
    if (rotating || chaining) {
      waiting.add(write);
    } else if (segment == null || (writePos > HEADER_BYTES && writePos + total > cfg.segmentBytesMax())) {
      waiting.add(write);
      rotate(firstIndex);
    } else {
      write.run();
    }
  }

  private void write(List<byte[]> records, int total, boolean sync, Runnable onDurable) {
    preallocate(writePos + total);
    Runnable done = onDurable == null ? () -> { } : onDurable;
    if (sync && cfg.sync() == WalConfig.SyncPolicy.EVERY_WRITE) {
      chaining = true;
      writeEach(records, 0, () -> {
        chaining = false;
        done.run();
        runWaiting();
      });
      return;
    }
    byte[] batch = new byte[total];
    int at = 0;
    for (byte[] r : records) {
      System.arraycopy(r, 0, batch, at, r.length);
      at += r.length;
    }
    storage.write(segment, writePos, batch);
    writePos += total;
    if (sync && cfg.sync() == WalConfig.SyncPolicy.SAFE) {
      storage.fsync(segment, done);
    } else {
      dirty = true;
    }
  }

  /** Writes the batches that waited, until one of them starts a rotation or a chain again. */
  private void runWaiting() {
    while (!rotating && !chaining && !waiting.isEmpty()) waiting.poll().run();
  }

  /** EVERY_WRITE: record {@code i} is written only after record {@code i - 1} is durable. */
  private void writeEach(List<byte[]> records, int i, Runnable onDurable) {
    byte[] r = records.get(i);
    storage.write(segment, writePos, r);
    writePos += r.length;
    boolean lastRecord = i == records.size() - 1;
    storage.fsync(segment, lastRecord ? onDurable : () -> writeEach(records, i + 1, onDurable));
  }

  /** Writes zeros ahead of the records until {@code upTo} bytes of the segment are allocated. */
  private void preallocate(long upTo) {
    while (allocatedEnd < upTo) {
      storage.write(segment, allocatedEnd, zeros);
      allocatedEnd += zeros.length;
      bytes = closedSegmentBytes + allocatedEnd;
    }
  }

  /** Starts a new segment whose first record will be {@code firstIndex}; queued writes run when it is durable. */
  private void rotate(long firstIndex) {
    rotating = true;
    if (segment != null) {
      storage.fsync(segment, () -> { });
      closedSegmentBytes += allocatedEnd;
      closedSegments++;
      dirty = false;
    }
    sequence++;
    String name = segmentName(sequence, firstIndex);
    if (storage.size(TEMP_SEGMENT) >= 0) storage.delete(TEMP_SEGMENT);
    storage.write(TEMP_SEGMENT, 0, header(sequence, firstIndex));
    storage.write(TEMP_SEGMENT, HEADER_BYTES, new byte[zeros.length - HEADER_BYTES]);
    segment = name;
    writePos = HEADER_BYTES;
    allocatedEnd = zeros.length;
    bytes = closedSegmentBytes + allocatedEnd;
    storage.fsync(TEMP_SEGMENT, () -> {
      storage.rename(TEMP_SEGMENT, name);
      storage.fsyncDirectory(() -> {
        rotating = false;
        runWaiting();
      });
    });
  }

  /**
   * Deletes the oldest segments whose live entries all lie at or below {@code base} (covered by a
   * durable snapshot), never the segment being written; the directory is fsynced after. Returns how
   * many were deleted.
   */
  public int compact(long base) {
    List<String> segments = new ArrayList<>();
    for (String n : storage.list()) if (SEGMENT.matcher(n).matches()) segments.add(n);
    int deleted = 0;
    for (int i = 0; i + 1 < segments.size(); i++) {
      String n = segments.get(i);
      if (n.equals(segment)) break;
      Matcher next = SEGMENT.matcher(segments.get(i + 1));
      if (!next.matches() || Long.parseLong(next.group(2)) - 1 > base) break;
      long size = storage.size(n);
      storage.delete(n);
      closedSegmentBytes -= Math.max(0, size);
      closedSegments--;
      deleted++;
    }
    if (deleted > 0) {
      bytes = closedSegmentBytes + allocatedEnd;
      storage.fsyncDirectory(() -> { });
    }
    return deleted;
  }

  private void scheduleIntervalSync() {
    timers.schedule(TimeUnit.MILLISECONDS.toNanos(cfg.syncIntervalMs()), () -> {
      if (dirty && !rotating && segment != null) {
        dirty = false;
        storage.fsync(segment, () -> { });
      }
      scheduleIntervalSync();
    });
  }
}
