package io.faultline.raft.mvcc;

/**
 * A read at a version older than the retention horizon: the versions it needs may be gone, so the
 * store refuses rather than answer from what is left.
 */
public final class VersionCompactedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long requested;
  private final long horizon;

  VersionCompactedException(String what, long requested, long horizon) {
    super("read at " + what + " " + requested + " is below the retention horizon " + horizon + ": those versions are compacted");
    this.requested = requested;
    this.horizon = horizon;
  }

  /** The index or timestamp asked for. */
  public long requested() { return requested; }

  /** The oldest index or timestamp still readable. */
  public long horizon() { return horizon; }
}
