package io.faultline.raft;

/** What a node must persist before it acts on it: current term, vote in it (0 = none), commit index. */
public record HardState(long term, int vote, long commit) {
  public static final HardState INITIAL = new HardState(0, 0, 0);
}
