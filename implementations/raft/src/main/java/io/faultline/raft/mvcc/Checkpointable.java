package io.faultline.raft.mvcc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The ability to write a consistent copy of an engine's files, to ship as a snapshot. Files with
 * the same name, size and CRC32C as one a follower holds need not be sent again (SST files are
 * immutable and never reuse a name).
 */
public interface Checkpointable {
  /** A file in a checkpoint directory. */
  record CheckpointFile(String name, long sizeBytes, int crc32c) {}

  /**
   * Writes a checkpoint to {@code dir}, which must not exist yet (its parent must), and lists its
   * files in name order.
   */
  List<CheckpointFile> checkpoint(Path dir) throws IOException;
}
