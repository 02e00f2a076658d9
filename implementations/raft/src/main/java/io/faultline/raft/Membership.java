package io.faultline.raft;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * A cluster configuration: the voters and the learners (members that receive the log but neither vote
 * nor count toward commits). During a joint change (Raft thesis §4.3, etcd's JointConfig) the voters
 * leaving are kept as {@code votersOutgoing}: every decision — an election, a commit, a read's
 * heartbeat round, check-quorum — then needs a majority of both {@code voters} and
 * {@code votersOutgoing}, so no decision is made by either half alone. Outside a joint change
 * {@code votersOutgoing} is empty.
 *
 * <p>A configuration is a log entry of its own kind: its data starts with {@link #ENTRY_TAG}, a byte no
 * {@link Command} starts with (a command starts with its kind's ordinal), so plain commands decode as
 * before.
 */
public record Membership(Set<Integer> voters, Set<Integer> votersOutgoing, Set<Integer> learners) {
  /** A bound on the members of one configuration. */
  public static final int MEMBERS_MAX = 64;
  /** The first byte of a configuration entry's data. */
  static final byte ENTRY_TAG = (byte) 0xC7;
  static final byte ENTRY_VERSION = 1;

  /** How a vote stands. */
  public enum VoteResult { WON, LOST, PENDING }

  public Membership {
    voters = sorted(voters, "voters");
    votersOutgoing = sorted(votersOutgoing, "votersOutgoing");
    learners = sorted(learners, "learners");
    for (int l : learners) {
      if (voters.contains(l)) throw new IllegalArgumentException("node " + l + " is both voter and learner");
    }
    if (voters.isEmpty() && !votersOutgoing.isEmpty()) throw new IllegalArgumentException("a joint configuration needs incoming voters");
  }

  private static Set<Integer> sorted(Collection<Integer> ids, String field) {
    TreeSet<Integer> s = new TreeSet<>(ids);
    if (s.size() > MEMBERS_MAX) throw new IllegalArgumentException(field + " has " + s.size() + " ids, more than " + MEMBERS_MAX);
    for (int id : s) if (id < 1) throw new IllegalArgumentException(field + " ids must be >= 1, got " + id);
    return Collections.unmodifiableSet(s);
  }

  /** A plain configuration of {@code voters}, no learners. */
  public static Membership ofVoters(Collection<Integer> voters) { return new Membership(Set.copyOf(voters), Set.of(), Set.of()); }

  public boolean joint() { return !votersOutgoing.isEmpty(); }

  /** A voter in either half of the configuration: may campaign and its vote counts. */
  public boolean isVoter(int id) { return voters.contains(id) || votersOutgoing.contains(id); }

  public boolean isMember(int id) { return isVoter(id) || learners.contains(id); }

  /** Every member, in id order. */
  public Set<Integer> members() {
    TreeSet<Integer> s = new TreeSet<>(voters);
    s.addAll(votersOutgoing);
    s.addAll(learners);
    return Collections.unmodifiableSet(s);
  }

  /** The joint configuration on the way from this one to {@code newVoters} and {@code newLearners}. */
  public Membership enterJoint(Set<Integer> newVoters, Set<Integer> newLearners) {
    if (joint()) throw new IllegalStateException("already joint: " + this);
    return new Membership(newVoters, voters, newLearners);
  }

  /** C_new of a joint configuration. */
  public Membership leaveJoint() { return new Membership(voters, Set.of(), learners); }

  /**
   * The highest value a quorum vouches for: for each half, the largest v such that a majority of its
   * voters has a value of at least v; the smaller of the two halves' (Long.MAX_VALUE for an empty half,
   * 0 when there are no voters at all). Commit index from match indexes, a read's heartbeat round from
   * acknowledged rounds.
   */
  public long quorumValue(ToLongFunction<Integer> valueOf) {
    if (voters.isEmpty()) return 0;
    return Math.min(majorityValue(voters, valueOf), majorityValue(votersOutgoing, valueOf));
  }

  private static long majorityValue(Set<Integer> ids, ToLongFunction<Integer> valueOf) {
    if (ids.isEmpty()) return Long.MAX_VALUE;
    long[] v = new long[ids.size()];
    int n = 0;
    for (int id : ids) v[n++] = valueOf.applyAsLong(id);
    java.util.Arrays.sort(v);
    return v[v.length - (v.length / 2 + 1)];
  }

  /** Whether the nodes of {@code ids} hold a majority of each half. */
  public boolean hasQuorum(Set<Integer> ids) {
    return !voters.isEmpty() && quorumValue(id -> ids.contains(id) ? 1 : 0) == 1;
  }

  /** An election's state given the answers so far (true = granted); answers of non-voters do not count. */
  public VoteResult voteResult(Map<Integer, Boolean> votes) {
    if (voters.isEmpty()) return VoteResult.LOST;
    VoteResult a = halfResult(voters, votes);
    VoteResult b = votersOutgoing.isEmpty() ? VoteResult.WON : halfResult(votersOutgoing, votes);
    if (a == VoteResult.LOST || b == VoteResult.LOST) return VoteResult.LOST;
    return a == VoteResult.WON && b == VoteResult.WON ? VoteResult.WON : VoteResult.PENDING;
  }

  private static VoteResult halfResult(Set<Integer> ids, Map<Integer, Boolean> votes) {
    int granted = 0;
    int rejected = 0;
    for (int id : ids) {
      Boolean v = votes.get(id);
      if (v == null) continue;
      if (v) granted++;
      else rejected++;
    }
    int quorum = ids.size() / 2 + 1;
    if (granted >= quorum) return VoteResult.WON;
    return ids.size() - rejected < quorum ? VoteResult.LOST : VoteResult.PENDING;
  }

  /**
   * Whether every quorum of {@code a} intersects every quorum of {@code b}: true when some half of
   * {@code a} and some half of {@code b} have majorities that always intersect (a sufficient
   * condition, and the one a change through a joint configuration keeps from step to step).
   */
  public static boolean quorumsIntersect(Membership a, Membership b) {
    if (a.voters.isEmpty() || b.voters.isEmpty()) return true; // no quorum at all
    for (Set<Integer> x : java.util.List.of(a.voters, a.votersOutgoing)) {
      for (Set<Integer> y : java.util.List.of(b.voters, b.votersOutgoing)) {
        if (!x.isEmpty() && !y.isEmpty() && majoritiesIntersect(x, y)) return true;
      }
    }
    return false;
  }

  /** Whether every majority of {@code x} intersects every majority of {@code y}. */
  static boolean majoritiesIntersect(Set<Integer> x, Set<Integer> y) {
    int both = 0;
    for (int id : x) if (y.contains(id)) both++;
    int needX = Math.max(0, x.size() / 2 + 1 - (x.size() - both));
    int needY = Math.max(0, y.size() / 2 + 1 - (y.size() - both));
    return needX + needY > both;
  }

  /** Whether a log entry's data is a configuration. */
  public static boolean isEntry(byte[] data) { return data.length > 0 && data[0] == ENTRY_TAG; }

  /** The data of a configuration entry: tag, version, then each set as a count (2 bytes) and ids (4 bytes each). */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(2 + 6 + 4 * (voters.size() + votersOutgoing.size() + learners.size()));
    b.put(ENTRY_TAG).put(ENTRY_VERSION);
    for (Set<Integer> s : java.util.List.of(voters, votersOutgoing, learners)) {
      b.putShort((short) s.size());
      for (int id : s) b.putInt(id);
    }
    return b.array();
  }

  /** Parses {@link #encode}'s form; IllegalArgumentException when it does not. */
  public static Membership decode(byte[] data) {
    if (!isEntry(data)) throw new IllegalArgumentException("not a configuration entry");
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      b.get();
      byte version = b.get();
      if (version != ENTRY_VERSION) throw new IllegalArgumentException("configuration entry version " + version);
      java.util.List<Set<Integer>> sets = new java.util.ArrayList<>();
      for (int k = 0; k < 3; k++) {
        int n = b.getShort();
        if (n < 0 || n > MEMBERS_MAX) throw new IllegalArgumentException("configuration set of " + n + " ids");
        TreeSet<Integer> s = new TreeSet<>();
        for (int i = 0; i < n; i++) s.add(b.getInt());
        sets.add(s);
      }
      if (b.hasRemaining()) throw new IllegalArgumentException(b.remaining() + " trailing bytes in a configuration entry");
      return new Membership(sets.get(0), sets.get(1), sets.get(2));
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("configuration entry of " + data.length + " bytes is cut short", e);
    }
  }

  @Override
  public String toString() {
    return (joint() ? "joint" + voters + "+" + votersOutgoing : "voters" + voters) + (learners.isEmpty() ? "" : " learners" + learners);
  }
}
