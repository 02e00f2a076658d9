package io.faultline.raft;

import io.faultline.raft.mvcc.Checkpointable.CheckpointFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Snapshots that are an engine's checkpoint (RocksDB's files), and their incremental transfer.
 *
 * <p>State format inside a {@link SnapshotFile} (big-endian): a marker — {@value #MARKER} for an
 * engine's checkpoint files, {@value #MARKER_CHUNKS} for chunks of records (a logical state starts
 * with its record count, never negative) — the configuration at the snapshot's index
 * ({@link Membership#encode}, length-prefixed, 0 for none) so that the Raft core reads it without an
 * engine, the file count, per file its name (u16 length, UTF-8), size (8) and CRC32C (4), then the
 * files' contents in table order.
 *
 * <p>Transfer: a leader offers the table ({@link #offer}); the follower answers which of the files it
 * already holds in its own newest snapshot, by name, size and CRC32C ({@link #held}) — SST files are
 * immutable, so a follower that installed or grew from an earlier snapshot of the same lineage holds
 * most of them; the leader sends a delta ({@link #delta}): the snapshot's bytes without the held files'
 * contents; the follower puts them back from its own snapshot ({@link #assemble}) and checks the whole
 * with the snapshot's CRC32C, so a delta is installed only as exactly the leader's snapshot. A follower
 * that holds nothing gets every file: the full snapshot is the fallback.
 *
 * <p>Record chunks: an engine that keeps no files (the in-memory one of the simulator and tests) makes
 * its archive of the store's records cut into chunks, each in the logical state's format (u32 count,
 * then the records), a chunk ending after a record whose key hashes to 0 modulo {@value #CHUNK_KEYS}
 * (or at {@value #CHUNK_BYTES_MAX} bytes), named by its CRC32C and size: boundaries depend on the keys,
 * not on what came before, so a chunk none of whose records changed keeps its name, size and CRC32C
 * from one snapshot to the next and travels only once — the same transfer as RocksDB's files.
 */
final class SnapshotArchive {
  static final int MARKER = -1;
  static final int MARKER_CHUNKS = -2;
  /** Records per chunk of a chunked archive, on average (a chunk ends after a key whose hash is 0 modulo this). */
  static final int CHUNK_KEYS = 16;
  static final int CHUNK_BYTES_MAX = 1 << 20;
  /** "FLSD": a delta, not a snapshot ("FLSN"). */
  static final int DELTA_MAGIC = 0x464C5344;
  static final int NAME_BYTES_MAX = 255;

  /** A file of the archive: where its contents start within the state. */
  record FileEntry(String name, long sizeBytes, int crc32c, long offset) {
    boolean sameAs(FileEntry o) { return name.equals(o.name) && sizeBytes == o.sizeBytes && crc32c == o.crc32c; }
  }

  /** An archive's table: the configuration, the files, and the length of everything before the contents. */
  record Table(byte[] membership, List<FileEntry> files, int tableBytes) {
    long contentBytes() { return files.stream().mapToLong(FileEntry::sizeBytes).sum(); }
  }

  private SnapshotArchive() {}

  static boolean isArchive(ByteBuffer state) { return isFiles(state) || isChunks(state); }

  /** An archive of an engine's checkpoint files. */
  static boolean isFiles(ByteBuffer state) { return state.remaining() >= 4 && state.getInt(state.position()) == MARKER; }

  /** An archive of record chunks. */
  static boolean isChunks(ByteBuffer state) { return state.remaining() >= 4 && state.getInt(state.position()) == MARKER_CHUNKS; }

  static boolean isArchive(Snapshot s) { return isArchive(SnapshotFile.state(s)); }

  /** The length of the state holding {@code files}: the table, then their contents. */
  static long stateBytes(byte[] membership, List<CheckpointFile> files) {
    long n = 4 + 4 + membership.length + 4;
    for (CheckpointFile f : files) n += 2 + utf8(f.name()).length + 8 + 4 + f.sizeBytes();
    return n;
  }

  /** Puts the state (table, then each file read from {@code dir}) into {@code b} at its position. */
  static void write(ByteBuffer b, byte[] membership, List<CheckpointFile> files, Path dir) throws IOException {
    putTable(b, MARKER, membership, files);
    for (CheckpointFile f : files) {
      int end = b.position() + (int) f.sizeBytes();
      try (InputStream in = Files.newInputStream(dir.resolve(f.name()))) {
        while (b.position() < end) {
          int n = in.read(b.array(), b.arrayOffset() + b.position(), end - b.position());
          if (n < 0) throw new IOException(dir.resolve(f.name()) + " is shorter than its " + f.sizeBytes() + " bytes");
          b.position(b.position() + n);
        }
      }
    }
  }

  private static void putTable(ByteBuffer b, int marker, byte[] membership, List<CheckpointFile> files) {
    b.putInt(marker).putInt(membership.length).put(membership).putInt(files.size());
    for (CheckpointFile f : files) {
      byte[] name = utf8(f.name());
      b.putShort((short) name.length).put(name).putLong(f.sizeBytes()).putInt(f.crc32c());
    }
  }

  /** A chunked archive's state: the table, then the chunks (each a logical state of its records). */
  static byte[] chunked(byte[] membership, io.faultline.raft.mvcc.KvEngine engine) {
    List<byte[]> chunks = new ArrayList<>();
    java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();
    int[] count = {0};
    java.util.zip.CRC32C keyHash = new java.util.zip.CRC32C();
    Runnable cut = () -> {
      byte[] records = current.toByteArray();
      chunks.add(ByteBuffer.allocate(4 + records.length).putInt(count[0]).put(records).array());
      current.reset();
      count[0] = 0;
    };
    engine.scan(new byte[0], new byte[] {(byte) 0xFF}, (k, v) -> {
      ByteBuffer r = ByteBuffer.allocate(8 + k.length + v.length).putInt(k.length).put(k).putInt(v.length).put(v);
      current.write(r.array(), 0, r.capacity());
      count[0]++;
      keyHash.reset();
      keyHash.update(k);
      if (keyHash.getValue() % CHUNK_KEYS == 0 || current.size() >= CHUNK_BYTES_MAX) cut.run();
      return true;
    });
    if (count[0] > 0) cut.run();
    List<CheckpointFile> files = new ArrayList<>(chunks.size());
    for (byte[] c : chunks) {
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(c);
      files.add(new CheckpointFile(String.format("%08x-%d.chunk", crc.getValue(), c.length), c.length, (int) crc.getValue()));
    }
    long bytes = stateBytes(membership, files);
    if (bytes > Integer.MAX_VALUE - 64) throw new IllegalStateException("state of " + bytes + " bytes is too large for one snapshot");
    ByteBuffer b = ByteBuffer.allocate((int) bytes);
    putTable(b, MARKER_CHUNKS, membership, files);
    for (byte[] c : chunks) b.put(c);
    if (b.hasRemaining()) throw new IllegalStateException("chunked archive miscounted: " + b.remaining() + " bytes left");
    return b.array();
  }

  /**
   * Parses the table at the buffer's position; with {@code contents} the files' contents must follow
   * it exactly. IllegalArgumentException naming what is wrong.
   */
  static Table table(ByteBuffer state, boolean contents) {
    ByteBuffer b = state.slice();
    try {
      int marker = b.getInt();
      if (marker != MARKER && marker != MARKER_CHUNKS) throw new IllegalArgumentException("not a checkpoint archive");
      int ml = b.getInt();
      if (ml < 0 || ml > b.remaining()) throw new IllegalArgumentException("bad configuration length " + ml);
      byte[] membership = new byte[ml];
      b.get(membership);
      int n = b.getInt();
      if (n < 0 || n > io.faultline.raft.mvcc.RocksEngine.CHECKPOINT_FILES_MAX) throw new IllegalArgumentException("bad file count " + n);
      List<String> names = new ArrayList<>(n);
      long[] sizes = new long[n];
      int[] crcs = new int[n];
      for (int i = 0; i < n; i++) {
        int nl = b.getShort() & 0xFFFF;
        if (nl < 1 || nl > NAME_BYTES_MAX) throw new IllegalArgumentException("file " + i + ": bad name length " + nl);
        byte[] name = new byte[nl];
        b.get(name);
        String s = new String(name, StandardCharsets.UTF_8);
        if (s.contains("/") || s.contains("\\") || s.equals(".") || s.equals("..")) throw new IllegalArgumentException("file " + i + ": bad name " + s);
        names.add(s);
        sizes[i] = b.getLong();
        if (sizes[i] < 0) throw new IllegalArgumentException("file " + s + ": bad size " + sizes[i]);
        crcs[i] = b.getInt();
      }
      int tableBytes = b.position();
      List<FileEntry> files = new ArrayList<>(n);
      long at = tableBytes;
      for (int i = 0; i < n; i++) {
        files.add(new FileEntry(names.get(i), sizes[i], crcs[i], at));
        at += sizes[i];
      }
      if (contents && at != b.limit()) throw new IllegalArgumentException("files of " + (at - tableBytes) + " bytes in " + (b.limit() - tableBytes) + " bytes of contents");
      return new Table(membership, files, tableBytes);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("checkpoint archive cut short", e);
    }
  }

  /** The configuration inside an archive state; null when it holds none or does not parse. */
  static Membership membershipIn(ByteBuffer state) {
    try {
      byte[] m = table(state, false).membership();
      return m.length == 0 ? null : Membership.decode(m);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A file's contents within its state (a view, no copy). */
  static ByteBuffer contents(ByteBuffer state, FileEntry f) {
    ByteBuffer b = state.slice();
    return b.position((int) f.offset()).limit((int) (f.offset() + f.sizeBytes())).slice();
  }

  // ---- transfer

  /** What a leader offers a follower before sending an archive snapshot: its table; null when {@code s} is no archive. */
  static byte[] offer(Snapshot s) {
    ByteBuffer state = SnapshotFile.state(s);
    if (!isArchive(state)) return null;
    Table t = table(state, true);
    byte[] out = new byte[t.tableBytes()];
    state.slice().get(out);
    return out;
  }

  /** The follower's answer to an offer: the indexes of the offered files its own snapshot {@code base} holds (u32 count, u32 each). */
  static byte[] held(byte[] offer, Snapshot base) {
    List<Integer> held = new ArrayList<>();
    ByteBuffer baseState = base == null ? null : SnapshotFile.state(base);
    if (baseState != null && isArchive(baseState)) {
      Table offered = table(ByteBuffer.wrap(offer), false);
      Map<String, FileEntry> own = byName(table(baseState, true));
      for (int i = 0; i < offered.files().size(); i++) {
        FileEntry f = offered.files().get(i);
        FileEntry mine = own.get(f.name());
        if (mine != null && mine.sameAs(f)) held.add(i);
      }
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * held.size()).putInt(held.size());
    for (int i : held) b.putInt(i);
    return b.array();
  }

  /**
   * What the leader sends for {@code s} to a follower that holds the files {@code held} lists: the
   * snapshot's bytes when it holds none (or the answer does not parse), else a delta.
   */
  static byte[] delta(Snapshot s, byte[] held) {
    ByteBuffer state = SnapshotFile.state(s);
    Table t = table(state, true);
    boolean[] skip = new boolean[t.files().size()];
    int count;
    try {
      ByteBuffer h = ByteBuffer.wrap(held);
      count = h.getInt();
      if (count < 1 || count > skip.length || h.remaining() != 4 * count) return s.bytes();
      for (int i = 0; i < count; i++) {
        int f = h.getInt();
        if (f < 0 || f >= skip.length || skip[f]) return s.bytes();
        skip[f] = true;
      }
    } catch (java.nio.BufferUnderflowException e) {
      return s.bytes();
    }
    long skipped = 0;
    for (int i = 0; i < skip.length; i++) if (skip[i]) skipped += t.files().get(i).sizeBytes();
    byte[] full = s.bytes();
    int head = SnapshotFile.HEADER_BYTES;
    ByteBuffer out = ByteBuffer.allocate((int) (4 + 4 + 4 + 4L * count + full.length - skipped));
    out.putInt(DELTA_MAGIC).putInt(full.length).putInt(count);
    for (int i = 0; i < skip.length; i++) if (skip[i]) out.putInt(i);
    out.put(full, 0, head + t.tableBytes());
    for (int i = 0; i < skip.length; i++) {
      FileEntry f = t.files().get(i);
      if (!skip[i]) out.put(full, head + (int) f.offset(), (int) f.sizeBytes());
    }
    out.put(full, full.length - 4, 4);
    return out.array();
  }

  static boolean isDelta(byte[] payload) { return payload.length >= 4 && ByteBuffer.wrap(payload).getInt(0) == DELTA_MAGIC; }

  /**
   * The snapshot a delta stands for, its held files taken from {@code base}; null with {@code problem[0]}
   * set when {@code base} lacks one of them or the result is not a sound snapshot (its CRC32C).
   */
  static Snapshot assemble(byte[] delta, Snapshot base, String[] problem) {
    try {
      ByteBuffer d = ByteBuffer.wrap(delta);
      d.getInt();
      int fullLength = d.getInt();
      int count = d.getInt();
      if (fullLength < SnapshotFile.HEADER_BYTES + 4 || count < 0 || count > d.remaining() / 4) {
        problem[0] = "delta header inconsistent";
        return null;
      }
      int[] heldIndexes = new int[count];
      for (int i = 0; i < count; i++) heldIndexes[i] = d.getInt();
      ByteBuffer rest = d.slice();
      int head = SnapshotFile.HEADER_BYTES;
      Table t = table(rest.duplicate().position(head).slice(), false);
      boolean[] held = new boolean[t.files().size()];
      for (int f : heldIndexes) {
        if (f < 0 || f >= held.length) {
          problem[0] = "delta names file " + f + " of " + held.length;
          return null;
        }
        held[f] = true;
      }
      Map<String, FileEntry> own = Map.of();
      ByteBuffer baseState = base == null ? null : SnapshotFile.state(base);
      if (count > 0) {
        if (baseState == null || !isArchive(baseState)) {
          problem[0] = "the delta needs files of a snapshot this node no longer holds";
          return null;
        }
        own = byName(table(baseState, true));
      }
      byte[] full = new byte[fullLength];
      ByteBuffer out = ByteBuffer.wrap(full);
      out.put(rest.duplicate().limit(head + t.tableBytes()));
      rest.position(head + t.tableBytes());
      for (int i = 0; i < t.files().size(); i++) {
        FileEntry f = t.files().get(i);
        if (out.remaining() < f.sizeBytes() + 4) {
          problem[0] = "delta files exceed the snapshot's " + fullLength + " bytes";
          return null;
        }
        if (held[i]) {
          FileEntry mine = own.get(f.name());
          if (mine == null || !mine.sameAs(f)) {
            problem[0] = "this node no longer holds " + f.name();
            return null;
          }
          out.put(contents(baseState, mine));
        } else {
          out.put(rest.duplicate().limit(rest.position() + (int) f.sizeBytes()));
          rest.position(rest.position() + (int) f.sizeBytes());
        }
      }
      if (rest.remaining() != 4 || out.remaining() != 4) {
        problem[0] = "delta of " + delta.length + " bytes does not make a snapshot of " + fullLength;
        return null;
      }
      out.put(rest);
      return SnapshotFile.decode(full, problem);
    } catch (IllegalArgumentException | java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
      problem[0] = "delta does not parse: " + e.getMessage();
      return null;
    }
  }

  private static Map<String, FileEntry> byName(Table t) {
    Map<String, FileEntry> m = new HashMap<>();
    for (FileEntry f : t.files()) m.put(f.name(), f);
    return m;
  }

  private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
