package io.faultline.sut;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A node that can say which file of its data directory is the newest segment of its write-ahead
 * log: the file a torn write would damage, and the one a disk nemesis truncates or zeroes the tail
 * of while the node is down.
 */
public interface LogSegments {
  /** The newest log segment, or empty when the node has written none yet. */
  Optional<Path> newestLogSegment() throws IOException;
}
