package io.faultline.raft;

import java.util.List;

/**
 * A message between Raft peers (etcd's raftpb.Message, reduced).
 *
 * @param index    APPEND: index of the entry before {@code entries}; APPEND_RESP: last matching index
 *                 (success) or the rejected index; votes: candidate's last index
 * @param logTerm  APPEND: term at {@code index}; votes: candidate's last term; APPEND_RESP reject:
 *                 the follower's term at the conflict, 0 when its log is too short
 * @param hint     APPEND_RESP reject: the first index the leader should try next; VOTE: {@link #TRANSFER} when
 *                 the candidate campaigns because the leader handed over (TIMEOUT_NOW), so voters grant it
 *                 despite having heard from a leader recently
 * @param round    HEARTBEAT(_RESP): the leader's heartbeat round, for ReadIndex and leases
 * @param data     SNAPSHOT: one chunk of the snapshot's bytes; empty otherwise
 *
 * <p>SNAPSHOT (InstallSnapshot, one chunk): {@code index}/{@code logTerm} the snapshot's index and
 * term, {@code hint} the chunk's offset, {@code round} the snapshot's total bytes, {@code commit} the
 * chunk's CRC32C. SNAPSHOT_RESP: {@code index}/{@code logTerm} the snapshot, {@code hint} the bytes the
 * follower holds (where the leader goes on), equal to the total once installed.
 *
 * <p>TIMEOUT_NOW (leader transfer, thesis §3.10): the leader tells its up-to-date target to campaign at once.
 */
public record Message(Type type, int from, int to, long term, long logTerm, long index, List<Entry> entries, long commit,
    boolean reject, long hint, long round, byte[] data) implements Wire {
  public enum Type { PRE_VOTE, PRE_VOTE_RESP, VOTE, VOTE_RESP, APPEND, APPEND_RESP, HEARTBEAT, HEARTBEAT_RESP, SNAPSHOT, SNAPSHOT_RESP, TIMEOUT_NOW }

  /** {@code hint} of a VOTE that a leader transfer started. */
  public static final long TRANSFER = 1;

  private static final byte[] NO_DATA = new byte[0];

  public Message {
    entries = List.copyOf(entries);
    if (data == null) throw new IllegalArgumentException("data must not be null");
  }

  /** A message without snapshot data. */
  public Message(Type type, int from, int to, long term, long logTerm, long index, List<Entry> entries, long commit, boolean reject,
      long hint, long round) {
    this(type, from, to, term, logTerm, index, entries, commit, reject, hint, round, NO_DATA);
  }

  static Message of(Type type, int from, int to, long term) {
    return new Message(type, from, to, term, 0, 0, List.of(), 0, false, 0, 0);
  }

  Message withLog(long logTerm, long index) {
    return new Message(type, from, to, term, logTerm, index, entries, commit, reject, hint, round, data);
  }

  Message withReject(boolean r, long h) {
    return new Message(type, from, to, term, logTerm, index, entries, commit, r, h, round, data);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Message)) return false;
    Message m = (Message) o;
    return type == m.type && from == m.from && to == m.to && term == m.term && logTerm == m.logTerm && index == m.index
        && entries.equals(m.entries) && commit == m.commit && reject == m.reject && hint == m.hint && round == m.round
        && java.util.Arrays.equals(data, m.data);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(type, from, to, term, logTerm, index, entries, commit, reject, hint, round) * 31 + java.util.Arrays.hashCode(data);
  }

  /** A short deterministic description for traces. */
  public String describe() {
    StringBuilder sb = new StringBuilder().append(type).append(" t").append(term);
    switch (type) {
      case APPEND:
        sb.append(" i").append(index).append(" lt").append(logTerm).append(" n").append(entries.size()).append(" c").append(commit);
        break;
      case APPEND_RESP:
        sb.append(reject ? " reject i" + index + " hint" + hint + " lt" + logTerm : " ok i" + index);
        break;
      case SNAPSHOT:
        sb.append(" i").append(index).append(" lt").append(logTerm).append(" off").append(hint).append(" n").append(data.length)
            .append(" of").append(round);
        break;
      case SNAPSHOT_RESP:
        sb.append(" i").append(index).append(" lt").append(logTerm).append(" has").append(hint).append(" of").append(round);
        break;
      case HEARTBEAT:
      case HEARTBEAT_RESP:
        sb.append(" r").append(round).append(" c").append(commit);
        break;
      case TIMEOUT_NOW:
        break;
      default:
        sb.append(" i").append(index).append(" lt").append(logTerm).append(reject ? " reject" : "").append(type == Type.VOTE && hint == TRANSFER ? " transfer" : "");
    }
    return sb.toString();
  }
}
