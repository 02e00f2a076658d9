package io.faultline.ratis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A map from string keys to long or text values, replicated by Ratis: reads, writes and
 * compare-and-set (of long values) in {@link KvCommand}'s format. Applies run one at a time under
 * this object's lock, which also makes a snapshot a consistent (map, last applied) pair; reads see
 * the concurrent map.
 *
 * <p>Snapshot file, named by Ratis' {@code snapshot.<term>_<index>} with an MD5 beside it (as in
 * Ratis' {@code CounterStateMachine}): the entry count, then per entry the UTF key, a tag byte and
 * the value: tag {@value #TAG_LONG} a long, tag {@value #TAG_TEXT} an int byte count and that many
 * bytes of UTF-8.
 */
final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  static final byte TAG_LONG = 0;
  static final byte TAG_TEXT = 1;

  private final Map<String, Object> values = new ConcurrentHashMap<>();

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    reinitialize();
  }

  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      KvCommand.Parsed command = KvCommand.parse(request.getContent().toStringUtf8());
      if (command.kind() != 'r') throw new IllegalArgumentException("not a read: " + command);
      return CompletableFuture.completedFuture(Message.valueOf(KvCommand.value(values.get(command.key()))));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    String text = entry.getStateMachineLogEntry().getLogData().toStringUtf8();
    KvCommand.Parsed command;
    try {
      command = KvCommand.parse(text);
    } catch (RuntimeException e) {
      // A malformed entry is still applied (as nothing): every replica must agree on the index.
      updateLastAppliedTermIndex(TermIndex.valueOf(entry));
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(Message.valueOf(apply(TermIndex.valueOf(entry), command)));
  }

  private synchronized String apply(TermIndex termIndex, KvCommand.Parsed command) {
    String result;
    switch (command.kind()) {
      case 'w':
        values.put(command.key(), command.first());
        result = KvCommand.OK;
        break;
      case 's':
        values.put(command.key(), command.text());
        result = KvCommand.OK;
        break;
      case 'c':
        Object current = values.get(command.key());
        if (current instanceof Long && (Long) current == command.first()) {
          values.put(command.key(), command.second());
          result = KvCommand.OK;
        } else {
          result = KvCommand.FAIL;
        }
        break;
      case 'r':
        result = KvCommand.value(values.get(command.key()));
        break;
      default:
        throw new AssertionError("unknown command kind " + command.kind());
    }
    updateLastAppliedTermIndex(termIndex);
    return result;
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    Map<String, Object> copy;
    synchronized (this) {
      last = getLastAppliedTermIndex();
      copy = new HashMap<>(values);
    }
    if (last == null) return RaftLog.INVALID_LOG_INDEX;
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file.toPath())))) {
      out.writeInt(copy.size());
      for (Map.Entry<String, Object> e : copy.entrySet()) {
        out.writeUTF(e.getKey());
        if (e.getValue() instanceof String) {
          byte[] text = ((String) e.getValue()).getBytes(StandardCharsets.UTF_8);
          out.writeByte(TAG_TEXT);
          out.writeInt(text.length);
          out.write(text);
        } else {
          out.writeByte(TAG_LONG);
          out.writeLong((Long) e.getValue());
        }
      }
    }
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    LOG.info("snapshot at {} with {} keys", last, copy.size());
    return last.getIndex();
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) return;
    Path path = snapshot.getFile().getPath();
    if (!Files.exists(path)) {
      LOG.warn("snapshot file {} of {} does not exist", path, snapshot);
      return;
    }
    MD5Hash md5 = snapshot.getFile().getFileDigest();
    if (md5 != null) MD5FileUtil.verifySavedMD5(path.toFile(), md5);
    TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(path.toFile());
    Map<String, Object> loaded = new HashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        String key = in.readUTF();
        byte tag = in.readByte();
        if (tag == TAG_LONG) {
          loaded.put(key, in.readLong());
        } else if (tag == TAG_TEXT) {
          byte[] text = new byte[in.readInt()];
          in.readFully(text);
          loaded.put(key, new String(text, StandardCharsets.UTF_8));
        } else {
          throw new IOException("snapshot " + path + ": unknown value tag " + tag + " for key " + key);
        }
      }
    }
    synchronized (this) {
      values.clear();
      values.putAll(loaded);
      updateLastAppliedTermIndex(last);
    }
    LOG.info("loaded snapshot {} with {} keys", last, loaded.size());
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    LOG.info("{}: leader is now {}", member.getPeerId(), newLeaderId);
  }
}
