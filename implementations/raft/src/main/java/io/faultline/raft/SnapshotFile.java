package io.faultline.raft;

import io.faultline.runtime.Storage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Snapshot files: {@code snapshot-<index, 20 digits>.snap}, written as {@code snapshot-<index>.tmp},
 * fsynced, renamed and the directory fsynced (the same replacement as {@link HardStateFile}); a node
 * keeps the newest and deletes older ones once the newest is durable.
 *
 * <p>Format (big-endian): magic {@code "FLSN"}, version 1, index (8), term (8), state length (4),
 * the state ({@link KvStateMachine#snapshotState()} or a {@link SnapshotArchive}), CRC32C of everything before it. The same bytes
 * travel in InstallSnapshot chunks, so the receiver checks the whole with this CRC.
 */
final class SnapshotFile {
  static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.snap");
  static final Pattern TEMP = Pattern.compile("snapshot-(\\d{20})\\.tmp");
  static final int MAGIC = 0x464C534E;
  static final int VERSION = 1;
  static final int HEADER_BYTES = 4 + 4 + 8 + 8 + 4;

  private SnapshotFile() {}

  static String name(long index) { return String.format("snapshot-%020d.snap", index); }

  static String tempName(long index) { return String.format("snapshot-%020d.tmp", index); }

  static Snapshot encode(long index, long term, byte[] state) {
    return encode(index, term, state.length, b -> b.put(state));
  }

  /** The snapshot of {@code sm}'s state (logical or a checkpoint archive), written straight into the snapshot's one buffer. */
  static Snapshot encode(long index, long term, KvStateMachine sm) {
    return sm.snapshot(index, term);
  }

  /** A snapshot whose state of {@code stateBytes} {@code state} puts into the buffer. */
  static Snapshot encode(long index, long term, int stateBytes, java.util.function.Consumer<ByteBuffer> state) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + stateBytes + 4).putInt(MAGIC).putInt(VERSION).putLong(index).putLong(term)
        .putInt(stateBytes);
    state.accept(b);
    if (b.position() != HEADER_BYTES + stateBytes) throw new IllegalStateException("state wrote " + (b.position() - HEADER_BYTES) + " of " + stateBytes + " bytes");
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return new Snapshot(index, term, b.array());
  }

  /** Checks and parses snapshot bytes; null with {@code problem[0]} set when they are damaged. */
  static Snapshot decode(byte[] bytes, String[] problem) {
    if (bytes.length < HEADER_BYTES + 4) {
      problem[0] = "snapshot of " + bytes.length + " bytes is shorter than its header";
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      problem[0] = "snapshot checksum mismatch";
      return null;
    }
    if (b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
      problem[0] = "not a version " + VERSION + " snapshot";
      return null;
    }
    long index = b.getLong(8);
    long term = b.getLong(16);
    int length = b.getInt(24);
    if (length != bytes.length - HEADER_BYTES - 4 || index < 1 || term < 1) {
      problem[0] = "snapshot header inconsistent (index " + index + ", term " + term + ", state " + length + " bytes)";
      return null;
    }
    return new Snapshot(index, term, bytes);
  }

  /** The state machine bytes inside a snapshot, read in place (a read-only view, no copy). */
  static ByteBuffer state(Snapshot s) {
    return ByteBuffer.wrap(s.bytes(), HEADER_BYTES, s.bytes().length - HEADER_BYTES - 4).slice().asReadOnlyBuffer();
  }

  /** Writes the snapshot as its file; {@code onDurable} runs after the rename is durable. */
  static void write(Storage storage, Snapshot s, Runnable onDurable) {
    String tmp = tempName(s.index());
    if (storage.size(tmp) >= 0) storage.delete(tmp);
    storage.write(tmp, 0, s.bytes());
    storage.fsync(tmp, () -> {
      storage.rename(tmp, name(s.index()));
      storage.fsyncDirectory(onDurable);
    });
  }

  /** Snapshot file names, oldest first; with {@code deleteTemps} (at start-up only) unfinished writes are deleted. */
  static List<String> list(Storage storage, boolean deleteTemps) {
    List<String> out = new ArrayList<>();
    for (String n : storage.list()) {
      if (TEMP.matcher(n).matches()) {
        if (deleteTemps) storage.delete(n);
      } else if (NAME.matcher(n).matches()) out.add(n);
    }
    return out;
  }

  static long indexOf(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) throw new IllegalArgumentException(name);
    return Long.parseLong(m.group(1));
  }

  /** The newest snapshot on disk, or null; WalCorruptException when it is damaged (older ones may have lost their log). */
  static Snapshot loadNewest(Storage storage) {
    List<String> names = list(storage, true);
    if (names.isEmpty()) return null;
    String newest = names.get(names.size() - 1);
    String[] problem = new String[1];
    Snapshot s = decode(storage.read(newest), problem);
    if (s == null) throw new WalCorruptException(newest, 0, problem[0]);
    if (s.index() != indexOf(newest)) throw new WalCorruptException(newest, 0, "snapshot says index " + s.index());
    return s;
  }

  /** Deletes every snapshot file older than {@code index} (after the one at {@code index} is durable). */
  static void deleteOlder(Storage storage, long index) {
    boolean deleted = false;
    for (String n : list(storage, false)) {
      if (indexOf(n) < index) {
        storage.delete(n);
        deleted = true;
      }
    }
    if (deleted) storage.fsyncDirectory(() -> { });
  }
}
