package io.faultline.raft.mvcc;

import io.faultline.raft.Command;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary forms of a {@link TxnEntry} (a Raft entry's data) and of a {@link TxnResult}. Values use
 * {@link Command}'s tagged value codec. Decoding checks every count and length against the limits
 * before it allocates, and reports bad input as an IllegalArgumentException.
 *
 * <p>Entry: tag {@link #ENTRY_TAG}, version, clientId, seq, then a u16 count of compares (u16 key
 * length, UTF-8 key, expected mod index) and a u16 count of ops (kind, u16 key length, UTF-8 key,
 * tagged value). The tag tells a txn entry from a {@link Command} (whose first byte is its kind,
 * 0..3) and from a configuration entry (0xC7).
 *
 * <p>Result: version, status, failedAt, failure (i32 length, -1 for none, then UTF-8), then a u16
 * count of reads (u16 key length, UTF-8 key, mod index, tagged value).
 */
public final class TxnCodec {
  public static final byte ENTRY_TAG = (byte) 0xA7;
  static final byte VERSION = 1;
  /** A result's failure message: keys are at most 1 KiB, so messages that quote one fit. */
  public static final int FAILURE_BYTES_MAX = 4_096;

  private TxnCodec() {}

  /** Whether {@code data} is a txn entry (by its first byte; {@link #decode} checks the rest). */
  public static boolean isEntry(byte[] data) { return data.length > 0 && data[0] == ENTRY_TAG; }

  public static byte[] encode(TxnEntry entry) {
    Txn txn = entry.txn();
    List<byte[]> compareKeys = new ArrayList<>();
    List<byte[]> opKeys = new ArrayList<>();
    int size = 1 + 1 + 8 + 8 + 2 + 2;
    for (Compare c : txn.compares()) {
      byte[] k = utf8(c.key());
      compareKeys.add(k);
      size += 2 + k.length + 8;
    }
    for (Op o : txn.ops()) {
      byte[] k = utf8(o.key());
      opKeys.add(k);
      size += 1 + 2 + k.length + Command.valueBytes(o.value());
    }
    ByteBuffer b = ByteBuffer.allocate(size).put(ENTRY_TAG).put(VERSION).putLong(entry.clientId()).putLong(entry.seq());
    b.putShort((short) txn.compares().size());
    for (int i = 0; i < txn.compares().size(); i++) {
      byte[] k = compareKeys.get(i);
      b.putShort((short) k.length).put(k).putLong(txn.compares().get(i).expectedModIndex());
    }
    b.putShort((short) txn.ops().size());
    for (int i = 0; i < txn.ops().size(); i++) {
      Op o = txn.ops().get(i);
      byte[] k = opKeys.get(i);
      b.put((byte) o.kind().ordinal()).putShort((short) k.length).put(k);
      Command.putValue(b, o.value());
    }
    return b.array();
  }

  public static TxnEntry decode(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      if (!isEntry(data)) throw new IllegalArgumentException("not a txn entry: first byte " + (data.length == 0 ? "missing" : data[0]));
      b.get();
      byte version = b.get();
      if (version != VERSION) throw new IllegalArgumentException("txn entry version " + version + ", expected " + VERSION);
      long clientId = b.getLong();
      long seq = b.getLong();
      int compareCount = count(b, "compare", Txn.COMPARES_MAX);
      List<Compare> compares = new ArrayList<>(compareCount);
      for (int i = 0; i < compareCount; i++) compares.add(new Compare(key(b), b.getLong()));
      int opCount = count(b, "op", Txn.OPS_MAX);
      List<Op> ops = new ArrayList<>(opCount);
      for (int i = 0; i < opCount; i++) {
        int kind = b.get();
        if (kind < 0 || kind >= Op.Kind.values().length) throw new IllegalArgumentException("op " + i + ": unknown kind " + kind);
        ops.add(new Op(Op.Kind.values()[kind], key(b), Command.getValue(b)));
      }
      if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in a txn entry");
      return new TxnEntry(clientId, seq, new Txn(compares, ops));
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("txn entry of " + data.length + " bytes is cut short", e);
    }
  }

  public static byte[] encodeResult(TxnResult r) {
    byte[] failure = r.failure() == null ? null : utf8(r.failure());
    if (failure != null && failure.length > FAILURE_BYTES_MAX) {
      throw new IllegalArgumentException("failure message of " + failure.length + " bytes, more than " + FAILURE_BYTES_MAX);
    }
    if (r.reads().size() > Txn.OPS_MAX) throw new IllegalArgumentException(r.reads().size() + " reads, more than " + Txn.OPS_MAX);
    List<byte[]> keys = new ArrayList<>();
    int size = 1 + 1 + 4 + 4 + (failure == null ? 0 : failure.length) + 2;
    for (TxnResult.Read read : r.reads()) {
      byte[] k = utf8(read.key());
      keys.add(k);
      size += 2 + k.length + 8 + Command.valueBytes(read.value());
    }
    ByteBuffer b = ByteBuffer.allocate(size).put(VERSION).put((byte) r.status().ordinal()).putInt(r.failedAt());
    if (failure == null) b.putInt(-1);
    else b.putInt(failure.length).put(failure);
    b.putShort((short) r.reads().size());
    for (int i = 0; i < r.reads().size(); i++) {
      TxnResult.Read read = r.reads().get(i);
      byte[] k = keys.get(i);
      b.putShort((short) k.length).put(k).putLong(read.modIndex());
      Command.putValue(b, read.value());
    }
    return b.array();
  }

  public static TxnResult decodeResult(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      byte version = b.get();
      if (version != VERSION) throw new IllegalArgumentException("txn result version " + version + ", expected " + VERSION);
      int status = b.get();
      if (status < 0 || status >= TxnResult.Status.values().length) throw new IllegalArgumentException("unknown txn status " + status);
      int failedAt = b.getInt();
      int failureLength = b.getInt();
      String failure = null;
      if (failureLength != -1) {
        if (failureLength < 0 || failureLength > FAILURE_BYTES_MAX || failureLength > b.remaining()) {
          throw new IllegalArgumentException("bad failure message length " + failureLength);
        }
        byte[] f = new byte[failureLength];
        b.get(f);
        failure = new String(f, StandardCharsets.UTF_8);
      }
      int readCount = count(b, "read", Txn.OPS_MAX);
      List<TxnResult.Read> reads = new ArrayList<>(readCount);
      for (int i = 0; i < readCount; i++) {
        String key = key(b);
        long modIndex = b.getLong();
        reads.add(new TxnResult.Read(key, Command.getValue(b), modIndex));
      }
      if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in a txn result");
      return new TxnResult(TxnResult.Status.values()[status], failedAt, failure, reads);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("txn result of " + data.length + " bytes is cut short", e);
    }
  }

  private static int count(ByteBuffer b, String what, int max) {
    int n = b.getShort() & 0xffff;
    if (n > max) throw new IllegalArgumentException(n + " " + what + "s, more than " + max);
    return n;
  }

  private static String key(ByteBuffer b) {
    int n = b.getShort() & 0xffff;
    if (n > Txn.KEY_BYTES_MAX || n > b.remaining()) throw new IllegalArgumentException("bad key length " + n);
    byte[] k = new byte[n];
    b.get(k);
    return new String(k, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
