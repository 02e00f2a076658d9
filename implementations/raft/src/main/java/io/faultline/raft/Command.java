package io.faultline.raft;

import java.nio.ByteBuffer;

/**
 * A key-value command with its client session: {@code clientId} (0 = no session) and {@code seq}, the
 * client's sequence number; a retry reuses both, so it applies once.
 *
 * @param expected for CAS: the value the key must hold, null meaning absent
 */
public record Command(Kind kind, long clientId, long seq, long key, long value, Long expected) {
  public enum Kind { READ, WRITE, CAS, DELETE }

  static final int ENCODED_BYTES = 1 + 8 + 8 + 8 + 8 + 1 + 8;

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(ENCODED_BYTES);
    b.put((byte) kind.ordinal()).putLong(clientId).putLong(seq).putLong(key).putLong(value);
    b.put((byte) (expected == null ? 0 : 1)).putLong(expected == null ? 0 : expected);
    return b.array();
  }

  public static Command decode(byte[] data) {
    if (data.length != ENCODED_BYTES) throw new IllegalArgumentException("command of " + data.length + " bytes, expected " + ENCODED_BYTES);
    ByteBuffer b = ByteBuffer.wrap(data);
    int k = b.get();
    if (k < 0 || k >= Kind.values().length) throw new IllegalArgumentException("unknown command kind " + k);
    long clientId = b.getLong();
    long seq = b.getLong();
    long key = b.getLong();
    long value = b.getLong();
    boolean hasExpected = b.get() != 0;
    long expected = b.getLong();
    return new Command(Kind.values()[k], clientId, seq, key, value, hasExpected ? expected : null);
  }
}
