package io.faultline.raft.mvcc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The store's record keys. Every record sits under a one-letter prefix:
 *
 * <pre>
 *   d/ esc(key) 00 01 ~index   a version of key (~index big-endian: the newest version first)
 *   m/state                    applied index, clocks, horizon, session count
 *   m/membership               the last configuration entry applied
 *   o/ index                   eviction order: the client whose session was last applied at index
 *   s/ clientId                a client's session (8 bytes big-endian)
 * </pre>
 *
 * A user key is UTF-8 with each 00 byte written 00 FF and ends with 00 01 (FoundationDB's tuple
 * layer does the same), so no key's versions run into another's, whatever bytes keys hold, and
 * versions sort in user-key order.
 */
final class MvccKeys {
  static final byte[] DATA = ascii("d/");
  static final byte[] DATA_END = ascii("d0");
  static final byte[] SESSION_ORDER = ascii("o/");
  static final byte[] SESSION_ORDER_END = ascii("o0");
  static final byte[] META_STATE = ascii("m/state");
  static final byte[] META_MEMBERSHIP = ascii("m/membership");
  private static final byte[] SESSION = ascii("s/");

  private MvccKeys() {}

  /** The prefix of every version of {@code key}. */
  static byte[] versions(String key) {
    byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(DATA.length + utf8.length + 2);
    out.write(DATA, 0, DATA.length);
    for (byte c : utf8) {
      out.write(c);
      if (c == 0) out.write(0xFF);
    }
    out.write(0);
    out.write(1);
    return out.toByteArray();
  }

  /** The record of the version of the key with prefix {@code versions} written at {@code index}. */
  static byte[] version(byte[] versions, long index) {
    return ByteBuffer.allocate(versions.length + 8).put(versions).putLong(~index).array();
  }

  /** The index of a version record. */
  static long indexOf(byte[] version) {
    return ~ByteBuffer.wrap(version, version.length - 8, 8).getLong();
  }

  /** The prefix (user key part) of a version record. */
  static byte[] versionsOf(byte[] version) {
    return Arrays.copyOf(version, version.length - 8);
  }

  /** The user key of a {@link #versions} prefix (escapes undone). */
  static String userKey(byte[] versions) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(versions.length);
    for (int i = DATA.length; i < versions.length - 2; i++) {
      out.write(versions[i]);
      if (versions[i] == 0) i++; // 00 FF is an escaped 00
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  static byte[] session(long clientId) {
    return ByteBuffer.allocate(SESSION.length + 8).put(SESSION).putLong(clientId).array();
  }

  static byte[] sessionOrder(long index) {
    return ByteBuffer.allocate(SESSION_ORDER.length + 8).put(SESSION_ORDER).putLong(index).array();
  }

  /** The least key after every key that starts with {@code prefix} (whose last byte is not FF). */
  static byte[] end(byte[] prefix) {
    byte[] e = prefix.clone();
    assert e[e.length - 1] != (byte) 0xFF : "prefix ends with FF";
    e[e.length - 1]++;
    return e;
  }

  /** The least key after {@code key}. */
  static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}
