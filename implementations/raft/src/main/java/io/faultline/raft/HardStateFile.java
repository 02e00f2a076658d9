package io.faultline.raft;

import io.faultline.runtime.Storage;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Term, vote and commit index in a file of their own, {@value #NAME}, replaced atomically: the new
 * content goes to {@value #TEMP}, which is fsynced, renamed over {@value #NAME}, and the directory
 * fsynced (Ratis' {@code raft-meta}, the POSIX way to replace a file). A crash at any point leaves the
 * old hard state or the new one, never a mix; the new one is acted on only after the directory fsync.
 *
 * <p>Format (32 bytes, big-endian): magic {@code "FLHS"}, version 1, term (8), vote (4), commit (8),
 * CRC32C of the preceding 28 bytes.
 */
final class HardStateFile {
  static final String NAME = "hardstate";
  static final String TEMP = "hardstate.tmp";
  static final int MAGIC = 0x464C4853;
  static final int VERSION = 1;
  static final int BYTES = 32;

  private HardStateFile() {}

  static byte[] encode(HardState hs) {
    ByteBuffer b = ByteBuffer.allocate(BYTES).putInt(MAGIC).putInt(VERSION).putLong(hs.term()).putInt(hs.vote()).putLong(hs.commit());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, BYTES - 4);
    return b.putInt((int) crc.getValue()).array();
  }

  /** The hard state on disk, {@link HardState#INITIAL} when there is none; WalCorruptException when damaged. */
  static HardState load(Storage storage) {
    if (storage.size(TEMP) >= 0) storage.delete(TEMP); // an unfinished replacement: never acted on
    byte[] b = storage.read(NAME);
    if (b == null) return HardState.INITIAL;
    if (b.length != BYTES) throw new WalCorruptException(NAME, 0, "hard state file has " + b.length + " bytes, expected " + BYTES);
    ByteBuffer buf = ByteBuffer.wrap(b);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, BYTES - 4);
    if (buf.getInt(BYTES - 4) != (int) crc.getValue()) throw new WalCorruptException(NAME, 0, "hard state checksum mismatch");
    if (buf.getInt(0) != MAGIC || buf.getInt(4) != VERSION) throw new WalCorruptException(NAME, 0, "not a version " + VERSION + " hard state file");
    return new HardState(buf.getLong(8), buf.getInt(16), buf.getLong(20));
  }

  /**
   * Replaces the hard state; {@code onDurable} (may be null) runs after the directory fsync. The
   * planted bug raft.no-fsync passes null and acts on the new hard state at once, before it is durable:
   * the same steps run, so the file is never damaged, only late.
   */
  static void write(Storage storage, HardState hs, Runnable onDurable) {
    storage.write(TEMP, 0, encode(hs));
    storage.fsync(TEMP, () -> {
      // Absent only when replacements overlap (raft.no-fsync does not wait): an earlier one's rename took it.
      if (storage.size(TEMP) >= 0) storage.rename(TEMP, NAME);
      storage.fsyncDirectory(onDurable == null ? () -> { } : onDurable);
    });
  }
}
