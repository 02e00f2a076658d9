package io.faultline.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk log: one append-only file of records
 * {@code [length:int][~length:int][crc32c:int][type:byte][payload]}, the CRC over type and payload
 * (the length is stored twice so that a flipped length bit reads as corruption, not as a torn tail). Types: hard state (term, vote, commit) — the last one wins; entry
 * (term, index, data) — it supersedes any entry at its index or later (etcd's WAL rule).
 *
 * <p>Recovery: a record cut short at the end of the file is a torn write and is dropped; a whole
 * record with a bad checksum is corruption of data that was synced, and the node refuses to start
 * (TiKV raft-engine's AbsoluteConsistency): truncating it could silently lose an acknowledged entry.
 */
final class LogCodec {
  private LogCodec() {}

  static final byte HARD_STATE = 1;
  static final byte ENTRY = 2;
  static final int HEADER_BYTES = 13;

  /** What a log file holds; {@code corruption} non-null when the node must not start. */
  record Loaded(HardState hardState, List<Entry> entries, long validBytes, String corruption) {}

  static byte[] hardState(HardState hs) {
    ByteBuffer p = ByteBuffer.allocate(20).putLong(hs.term()).putInt(hs.vote()).putLong(hs.commit());
    return record(HARD_STATE, p.array());
  }

  static byte[] entry(Entry e) {
    ByteBuffer p = ByteBuffer.allocate(16 + e.data().length).putLong(e.term()).putLong(e.index()).put(e.data());
    return record(ENTRY, p.array());
  }

  private static byte[] record(byte type, byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(type);
    crc.update(payload);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    b.putInt(payload.length + 1).putInt(~(payload.length + 1)).putInt((int) crc.getValue()).put(type).put(payload);
    return b.array();
  }

  static Loaded load(byte[] file) {
    HardState hs = HardState.INITIAL;
    List<Entry> log = new ArrayList<>();
    int pos = 0;
    while (pos < file.length) {
      if (file.length - pos < 12) break;
      ByteBuffer b = ByteBuffer.wrap(file, pos, file.length - pos);
      int len = b.getInt();
      int lenCheck = b.getInt();
      int crcStored = b.getInt();
      if (len != ~lenCheck || len < 1) return new Loaded(hs, log, pos, "bad record length at byte " + pos);
      if ((long) pos + 12 + len > file.length) break;
      CRC32C crc = new CRC32C();
      crc.update(file, pos + 12, len);
      if ((int) crc.getValue() != crcStored) return new Loaded(hs, log, pos, "checksum mismatch in the record at byte " + pos);
      byte type = file[pos + 12];
      ByteBuffer p = ByteBuffer.wrap(file, pos + 13, len - 1);
      if (type == HARD_STATE && len - 1 == 20) {
        hs = new HardState(p.getLong(), p.getInt(), p.getLong());
      } else if (type == ENTRY && len - 1 >= 16) {
        long term = p.getLong();
        long index = p.getLong();
        byte[] data = new byte[len - 17];
        p.get(data);
        if (index < 1 || index > log.size() + 1) return new Loaded(hs, log, pos, "entry " + index + " leaves a gap at byte " + pos);
        log.subList((int) index - 1, log.size()).clear();
        log.add(new Entry(term, index, data));
      } else {
        return new Loaded(hs, log, pos, "unknown record type " + type + " at byte " + pos);
      }
      pos += 12 + len;
    }
    return new Loaded(hs, log, pos, null);
  }
}
