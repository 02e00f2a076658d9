package io.faultline.raft;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The records of the write-ahead log ({@link Wal}):
 * {@code [length:int][~length:int][crc32c:int][type:byte][body][0xA5]}, big-endian, {@code length}
 * counting type and body, the CRC over them. Types: entry (term, index, data), which supersedes any
 * entry at its index or later (etcd's WAL rule); commit (the commit index), the highest one wins.
 *
 * <p>Telling a torn tail from corruption. A torn write leaves a prefix of what was written followed by
 * what was there before — zeros, since segments are preallocated with zeros and never reused. So a
 * record that does not check out is torn only if every byte from where its write could have stopped
 * to the end of the segment is zero: its trailer byte (never zero in a whole record) and everything
 * after it, or everything after the length word when the two copies of the length disagree. Anything
 * else — a flipped bit in a record that was written whole, a length that does not match its copy
 * with data behind it — is corruption of data that may have been acknowledged. The length is stored
 * twice so that a flipped length bit cannot pass for a torn tail by pointing past the data.
 */
final class LogCodec {
  private LogCodec() {}

  static final byte ENTRY = 2;
  static final byte COMMIT = 3;
  /** The log restarts after a snapshot: index and term (a follower installed it). */
  static final byte RESTART = 4;
  static final byte TRAILER = (byte) 0xA5;
  /** length, ~length, crc; then type and body; then the trailer. */
  static final int HEADER_BYTES = 12;
  static final int FRAME_BYTES = HEADER_BYTES + 1;
  /** A bound on one record's type + body, far above what the core batches into an entry. */
  static final int PAYLOAD_BYTES_MAX = 64 << 20;

  /** What lies at an offset of a segment. */
  enum Kind {
    /** A whole record that checks out. */
    RECORD,
    /** Zeros to the end: no more data. */
    END,
    /** A record cut short by a torn write: drop it and everything after. */
    TORN,
    /** Damaged data: the node must not start. */
    CORRUPT
  }

  /** One step of reading: {@code next} is the offset after a RECORD; {@code problem} says why CORRUPT. */
  record Frame(Kind kind, int next, byte type, int payloadOffset, int payloadLength, String problem) {}

  static int size(Entry e) { return FRAME_BYTES + 17 + e.data().length; }

  static byte[] entry(Entry e) {
    ByteBuffer p = ByteBuffer.allocate(16 + e.data().length).putLong(e.term()).putLong(e.index()).put(e.data());
    return record(ENTRY, p.array());
  }

  static byte[] commit(long commit) {
    return record(COMMIT, ByteBuffer.allocate(8).putLong(commit).array());
  }

  static byte[] restart(long index, long term) {
    return record(RESTART, ByteBuffer.allocate(16).putLong(index).putLong(term).array());
  }

  private static byte[] record(byte type, byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(type);
    crc.update(body);
    int length = body.length + 1;
    ByteBuffer b = ByteBuffer.allocate(FRAME_BYTES + length);
    b.putInt(length).putInt(~length).putInt((int) crc.getValue()).put(type).put(body).put(TRAILER);
    return b.array();
  }

  /** One past the last non-zero byte of {@code buf[from, length)}, or {@code from} when all are zero. */
  static int dataEnd(byte[] buf, int from, int length) {
    for (int i = length - 1; i >= from; i--) if (buf[i] != 0) return i + 1;
    return from;
  }

  /**
   * Reads the frame at {@code pos} of a segment's bytes {@code buf[0, length)}; {@code dataEnd} is
   * {@link #dataEnd} of the segment; {@code last} whether it is the newest segment, the only one a torn
   * write can have hit (older ones were synced whole before the next was created).
   */
  static Frame read(byte[] buf, int length, int pos, int dataEnd, boolean last) {
    int len = intAt(buf, length, pos);
    int lenCheck = intAt(buf, length, pos + 4);
    if (len == 0 && lenCheck == 0) {
      if (dataEnd <= pos) return new Frame(Kind.END, pos, (byte) 0, 0, 0, null);
      return corrupt(pos, "zero record length with data after it (up to byte " + dataEnd + ")");
    }
    if (len != ~lenCheck) {
      if (last && dataEnd <= pos + 8) return new Frame(Kind.TORN, pos, (byte) 0, 0, 0, null);
      return corrupt(pos, "record length " + len + " does not match its check word");
    }
    if (len < 1 || len > PAYLOAD_BYTES_MAX) return corrupt(pos, "record length " + len + " out of range 1.." + PAYLOAD_BYTES_MAX);
    long end = (long) pos + FRAME_BYTES + len;
    if (end > length) {
      if (last) return new Frame(Kind.TORN, pos, (byte) 0, 0, 0, null);
      return corrupt(pos, "record of " + len + " bytes runs past the end of the segment (" + length + " bytes)");
    }
    int trailer = (int) end - 1;
    if (buf[trailer] == TRAILER) {
      CRC32C crc = new CRC32C();
      crc.update(buf, pos + HEADER_BYTES, len);
      if ((int) crc.getValue() == intAt(buf, length, pos + 8)) {
        return new Frame(Kind.RECORD, (int) end, buf[pos + HEADER_BYTES], pos + HEADER_BYTES + 1, len - 1, null);
      }
    }
    if (last && buf[trailer] == 0 && dataEnd <= trailer) return new Frame(Kind.TORN, pos, (byte) 0, 0, 0, null);
    return corrupt(pos, buf[trailer] == TRAILER ? "checksum mismatch" : "record trailer damaged");
  }

  private static Frame corrupt(int pos, String problem) {
    return new Frame(Kind.CORRUPT, pos, (byte) 0, 0, 0, problem);
  }

  /** The big-endian int at {@code pos}; bytes past {@code length} read as zero (a file cut short). */
  private static int intAt(byte[] buf, int length, int pos) {
    int v = 0;
    for (int i = 0; i < 4; i++) v = (v << 8) | (pos + i < length ? buf[pos + i] & 0xff : 0);
    return v;
  }
}
