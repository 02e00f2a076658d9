package io.faultline.raft;

/**
 * A state machine snapshot: the state as of log entry {@code index} (of {@code term}), in
 * {@link SnapshotFile}'s encoding ({@code bytes}: header, {@link KvStateMachine#snapshotState()}, CRC32C).
 * The bytes are never modified after creation.
 */
public record Snapshot(long index, long term, byte[] bytes) {
  public Snapshot {
    if (index < 1 || term < 1) throw new IllegalArgumentException("snapshot index and term must be >= 1, got " + index + ", " + term);
    if (bytes == null) throw new IllegalArgumentException("bytes must not be null");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Snapshot && ((Snapshot) o).index == index && ((Snapshot) o).term == term
        && java.util.Arrays.equals(((Snapshot) o).bytes, bytes);
  }

  @Override
  public int hashCode() { return Long.hashCode(index) * 31 + Long.hashCode(term); }

  @Override
  public String toString() { return "snapshot " + index + "@" + term + " (" + bytes.length + "B)"; }
}
