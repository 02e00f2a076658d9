package io.faultline.sut;

import java.io.IOException;

/**
 * A cluster that can say how much disk its write-ahead logs take, all nodes summed: what the runner
 * samples once a second into {@code wal_bytes}, so that a log that is never compacted shows as a line
 * that keeps climbing.
 *
 * <p>Nodes that are down count too, with what their data directories hold: a killed node's log does not
 * vanish, and a curve that dipped at every kill would hide growth. Implementations read file sizes on
 * disk (preallocated space included) and do not ask the nodes, so a paused or partitioned node costs no
 * timeout.
 */
public interface StorageUsage {
  /** The bytes of every node's write-ahead log segments on disk, summed over all nodes, running or not. */
  long walBytes() throws IOException;
}
