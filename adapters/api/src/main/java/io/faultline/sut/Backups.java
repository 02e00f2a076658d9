package io.faultline.sut;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A cluster that can be backed up while it runs and restored into a new cluster, for the {@code
 * backup-restore} workload: the backup is point-in-time (every write acknowledged before it started is
 * in it, none invoked after it completed), the restore starts a cluster of its own — other directory,
 * other ports, a new cluster identity that the old nodes cannot join.
 */
public interface Backups {
  /**
   * A backup taken: its directory, size on disk, how long it took, and the last log position in it
   * (a system-specific index, for the record).
   */
  record Backup(Path dir, long bytes, long durationMs, long lastIndex) {}

  /** A restored, running cluster (the caller closes it) and how long the restore took, until the new cluster served. */
  record Restored(Cluster cluster, long durationMs) {}

  /** Takes a backup of this running cluster into {@code dir} (created). */
  Backup backup(Path dir) throws IOException;

  /** Restores {@code backup} into a new cluster started as {@code spec} says (its own run directory). */
  Restored restore(Backup backup, ClusterSpec spec) throws IOException;
}
