package io.faultline.raft.mvcc;

/**
 * A key's value as of some version: the value (null when absent), the index of the entry that wrote
 * it and that entry's hybrid logical timestamp (both 0 when absent).
 */
public record Versioned(Object value, long modIndex, long hlcMs) {
  public static final Versioned ABSENT = new Versioned(null, 0, 0);

  public boolean exists() { return modIndex != 0; }
}
