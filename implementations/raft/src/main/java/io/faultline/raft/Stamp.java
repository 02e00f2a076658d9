package io.faultline.raft;

import java.nio.ByteBuffer;

/**
 * A client entry as the leader proposes it: the command or txn with the leader's wall-clock time in
 * milliseconds, so every node applies it with the same hybrid logical timestamp (the store makes the
 * timestamps strictly increasing, whatever the leaders' clocks say).
 *
 * <p>Format: the tag {@code 0xB5} (no command starts with it: their first byte is a kind, 0–3; nor a
 * configuration entry, {@code 0xC7}, nor a txn, {@code 0xA7}), the time (8 bytes, big-endian), the
 * payload. Entries without a stamp (no-ops, configurations, logs written before stamps) apply with
 * time 0, which the store turns into its last time plus one.
 */
public final class Stamp {
  static final byte TAG = (byte) 0xB5;
  static final int HEADER_BYTES = 1 + 8;

  private Stamp() {}

  public static byte[] wrap(long hlcMs, byte[] payload) {
    if (hlcMs < 0) throw new IllegalArgumentException("hlcMs must be >= 0, got " + hlcMs);
    return ByteBuffer.allocate(HEADER_BYTES + payload.length).put(TAG).putLong(hlcMs).put(payload).array();
  }

  public static boolean isStamped(byte[] data) { return data.length >= HEADER_BYTES && data[0] == TAG; }

  /** The time of a stamped entry, 0 for any other. */
  public static long hlcMs(byte[] data) { return isStamped(data) ? ByteBuffer.wrap(data, 1, 8).getLong() : 0; }

  /** The payload of a stamped entry; any other entry's data as it is. */
  public static byte[] payload(byte[] data) {
    return isStamped(data) ? java.util.Arrays.copyOfRange(data, HEADER_BYTES, data.length) : data;
  }
}
