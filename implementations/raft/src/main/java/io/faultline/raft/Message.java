package io.faultline.raft;

import java.util.List;

/**
 * A message between Raft peers (etcd's raftpb.Message, reduced).
 *
 * @param index    APPEND: index of the entry before {@code entries}; APPEND_RESP: last matching index
 *                 (success) or the rejected index; votes: candidate's last index
 * @param logTerm  APPEND: term at {@code index}; votes: candidate's last term; APPEND_RESP reject:
 *                 the follower's term at the conflict, 0 when its log is too short
 * @param hint     APPEND_RESP reject: the first index the leader should try next
 * @param round    HEARTBEAT(_RESP): the leader's heartbeat round, for ReadIndex and leases
 */
public record Message(Type type, int from, int to, long term, long logTerm, long index, List<Entry> entries, long commit,
    boolean reject, long hint, long round) implements Wire {
  public enum Type { PRE_VOTE, PRE_VOTE_RESP, VOTE, VOTE_RESP, APPEND, APPEND_RESP, HEARTBEAT, HEARTBEAT_RESP }

  public Message {
    entries = List.copyOf(entries);
  }

  static Message of(Type type, int from, int to, long term) {
    return new Message(type, from, to, term, 0, 0, List.of(), 0, false, 0, 0);
  }

  Message withLog(long logTerm, long index) {
    return new Message(type, from, to, term, logTerm, index, entries, commit, reject, hint, round);
  }

  Message withReject(boolean r, long h) {
    return new Message(type, from, to, term, logTerm, index, entries, commit, r, h, round);
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
      case HEARTBEAT:
      case HEARTBEAT_RESP:
        sb.append(" r").append(round).append(" c").append(commit);
        break;
      default:
        sb.append(" i").append(index).append(" lt").append(logTerm).append(reject ? " reject" : "");
    }
    return sb.toString();
  }
}
