package io.faultline.raft;

import io.faultline.runtime.TcpTransport;
import io.faultline.raft.mvcc.TxnCodec;
import io.faultline.raft.mvcc.TxnResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of {@link Wire} messages in transport frames (the frame carries length and
 * checksum). A tag byte, then the fields in declaration order, big-endian; a {@link ClientRequest}'s
 * command in {@link Command#encode}'s form.
 */
final class WireCodec implements TcpTransport.Codec<Wire> {
  static final byte MESSAGE = 0;
  static final byte CLIENT_REQUEST = 1;
  static final byte CLIENT_REPLY = 2;
  static final byte TXN_REQUEST = 3;
  static final byte READ_REQUEST = 4;
  /** A ClientReply whose value is a TxnResult ({@link TxnCodec#encodeResult}) or a ReadResult. */
  static final byte CLIENT_REPLY_TXN = 5;
  static final byte CLIENT_REPLY_READ = 6;
  static final int MESSAGE_HEADER_BYTES = 1 + 1 + 4 + 4 + 8 * 6 + 1 + 4;
  static final int ENTRY_HEADER_BYTES = 8 + 8 + 4;

  @Override
  public byte[] encode(Wire w) {
    if (w instanceof Message) {
      Message m = (Message) w;
      int size = MESSAGE_HEADER_BYTES + 4 + m.data().length;
      for (Entry e : m.entries()) size += ENTRY_HEADER_BYTES + e.data().length;
      ByteBuffer b = ByteBuffer.allocate(size);
      b.put(MESSAGE).put((byte) m.type().ordinal()).putInt(m.from()).putInt(m.to()).putLong(m.term()).putLong(m.logTerm())
          .putLong(m.index()).putLong(m.commit()).put((byte) (m.reject() ? 1 : 0)).putLong(m.hint()).putLong(m.round())
          .putInt(m.entries().size());
      for (Entry e : m.entries()) b.putLong(e.term()).putLong(e.index()).putInt(e.data().length).put(e.data());
      b.putInt(m.data().length).put(m.data());
      return b.array();
    }
    if (w instanceof ClientRequest) {
      ClientRequest r = (ClientRequest) w;
      byte[] command = r.command().encode();
      return ByteBuffer.allocate(1 + 8 + command.length).put(CLIENT_REQUEST).putLong(r.requestId()).put(command).array();
    }
    if (w instanceof TxnRequest) {
      TxnRequest r = (TxnRequest) w;
      byte[] entry = TxnCodec.encode(r.entry());
      return ByteBuffer.allocate(1 + 8 + entry.length).put(TXN_REQUEST).putLong(r.requestId()).put(entry).array();
    }
    if (w instanceof ReadRequest) {
      ReadRequest r = (ReadRequest) w;
      List<byte[]> keys = new ArrayList<>();
      int size = 1 + 8 + 8 + 8 + 4;
      for (String k : r.keys()) {
        keys.add(k.getBytes(StandardCharsets.UTF_8));
        size += 4 + keys.get(keys.size() - 1).length;
      }
      ByteBuffer b = ByteBuffer.allocate(size).put(READ_REQUEST).putLong(r.requestId()).putLong(r.atIndex()).putLong(r.atHlcMs())
          .putInt(keys.size());
      for (byte[] k : keys) b.putInt(k.length).put(k);
      return b.array();
    }
    ClientReply r = (ClientReply) w;
    if (r.value() instanceof TxnResult) {
      byte[] result = TxnCodec.encodeResult((TxnResult) r.value());
      return ByteBuffer.allocate(1 + 8 + 1 + 4 + result.length).put(CLIENT_REPLY_TXN).putLong(r.requestId()).put((byte) r.status().ordinal())
          .putInt(r.leaderHint()).put(result).array();
    }
    if (r.value() instanceof ReadResult) {
      ReadResult rr = (ReadResult) r.value();
      byte[] asTxn = TxnCodec.encodeResult(TxnResult.committed(rr.reads()));
      return ByteBuffer.allocate(1 + 8 + 1 + 4 + 8 + asTxn.length).put(CLIENT_REPLY_READ).putLong(r.requestId()).put((byte) r.status().ordinal())
          .putInt(r.leaderHint()).putLong(rr.version()).put(asTxn).array();
    }
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 1 + Command.valueBytes(r.value()) + 4).put(CLIENT_REPLY).putLong(r.requestId())
        .put((byte) r.status().ordinal());
    Command.putValue(b, r.value());
    return b.putInt(r.leaderHint()).array();
  }

  @Override
  public Wire decode(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    byte tag = b.get();
    switch (tag) {
      case MESSAGE: {
        Message.Type type = Message.Type.values()[b.get()];
        int from = b.getInt();
        int to = b.getInt();
        long term = b.getLong();
        long logTerm = b.getLong();
        long index = b.getLong();
        long commit = b.getLong();
        boolean reject = b.get() != 0;
        long hint = b.getLong();
        long round = b.getLong();
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / ENTRY_HEADER_BYTES) throw new IllegalArgumentException("bad entry count " + count);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          long et = b.getLong();
          long ei = b.getLong();
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) throw new IllegalArgumentException("bad entry length " + len);
          byte[] data = new byte[len];
          b.get(data);
          entries.add(new Entry(et, ei, data));
        }
        int dataLength = b.getInt();
        if (dataLength < 0 || dataLength > b.remaining()) throw new IllegalArgumentException("bad data length " + dataLength);
        byte[] data = new byte[dataLength];
        b.get(data);
        requireEnd(b);
        return new Message(type, from, to, term, logTerm, index, entries, commit, reject, hint, round, data);
      }
      case CLIENT_REQUEST: {
        long id = b.getLong();
        byte[] command = new byte[b.remaining()];
        b.get(command);
        return new ClientRequest(id, Command.decode(command));
      }
      case CLIENT_REPLY: {
        long id = b.getLong();
        ClientReply.Status status = ClientReply.Status.values()[b.get()];
        Object value = Command.getValue(b);
        int hint = b.getInt();
        requireEnd(b);
        return new ClientReply(id, status, value, hint);
      }
      case TXN_REQUEST: {
        long id = b.getLong();
        byte[] entry = new byte[b.remaining()];
        b.get(entry);
        return new TxnRequest(id, TxnCodec.decode(entry));
      }
      case READ_REQUEST: {
        long id = b.getLong();
        long atIndex = b.getLong();
        long atHlcMs = b.getLong();
        int n = b.getInt();
        if (n < 1 || n > ReadRequest.KEYS_MAX) throw new IllegalArgumentException("bad key count " + n);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) throw new IllegalArgumentException("bad key length " + len);
          byte[] k = new byte[len];
          b.get(k);
          keys.add(new String(k, StandardCharsets.UTF_8));
        }
        requireEnd(b);
        return new ReadRequest(id, keys, atIndex, atHlcMs);
      }
      case CLIENT_REPLY_TXN:
      case CLIENT_REPLY_READ: {
        long id = b.getLong();
        ClientReply.Status status = ClientReply.Status.values()[b.get()];
        int hint = b.getInt();
        long version = tag == CLIENT_REPLY_READ ? b.getLong() : 0;
        byte[] result = new byte[b.remaining()];
        b.get(result);
        TxnResult t = TxnCodec.decodeResult(result);
        return new ClientReply(id, status, tag == CLIENT_REPLY_TXN ? t : new ReadResult(version, t.reads()), hint);
      }
      default:
        throw new IllegalArgumentException("unknown wire tag " + tag);
    }
  }

  private static void requireEnd(ByteBuffer b) {
    if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes");
  }
}
