package io.faultline.sut;

import java.io.IOException;

/** A node whose storage can misbehave on request. */
public interface StorageFaults {
  /** The storage faults a node can be put in. */
  enum Mode {
    /** No fault. */
    NONE,
    /** fsync blocks until the mode changes. */
    FSYNC_STALL,
    /** Writes reach the file only at fsync, so a kill loses what was never synced. */
    LOSE_UNSYNCED,
    /** The next write is torn: only part of it reaches the disk. */
    TORN_WRITE,
    /** Writes fail as if the disk were full. */
    DISK_FULL
  }

  void setStorageFault(Mode mode) throws IOException;
}
