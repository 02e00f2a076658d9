package io.faultline.raft;

/**
 * Damage in a node's log before its tail: synced data that no longer checks out. The node must not
 * start — truncating the log there could lose acknowledged writes (TiKV raft-engine's
 * AbsoluteConsistency, Ratis' corruption policy EXCEPTION).
 */
public final class WalCorruptException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String file;
  private final long offset;
  private final String problem;

  public WalCorruptException(String file, long offset, String problem) {
    super("log corrupt: " + file + " at offset " + offset + ": " + problem
        + "; refusing to start (synced data is damaged, and dropping it could lose acknowledged writes)");
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }

  /** What is wrong there, in a few words ("checksum mismatch"). */
  public String problem() { return problem; }

  /** The damaged file's name in the data directory. */
  public String file() { return file; }

  /** Byte offset of the damaged record (or header) in {@link #file()}. */
  public long offset() { return offset; }
}
