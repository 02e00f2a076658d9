package io.faultline.runtime;

/**
 * A storage that can be told to misbehave, for the disk nemesis (through a node's admin endpoint).
 * The modes are those of {@code io.faultline.sut.StorageFaults.Mode}, by name.
 */
public interface StorageFaultControl {
  /** The storage faults a node can be put in. */
  enum Mode {
    /** No fault. */
    NONE,
    /** fsync blocks until the mode changes. */
    FSYNC_STALL,
    /** Writes reach the file only at fsync, so a kill loses exactly what was never synced. */
    LOSE_UNSYNCED,
    /** The next write is torn: only part of it reaches the file before the next fsync. */
    TORN_WRITE,
    /** Writes fail as if the disk were full. */
    DISK_FULL
  }

  void setFaultMode(Mode mode);

  Mode faultMode();
}
