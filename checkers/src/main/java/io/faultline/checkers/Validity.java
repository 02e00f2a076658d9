package io.faultline.checkers;

/**
 * A verdict: {@code true}, {@code false} or {@code unknown}. Never optimistic: when verdicts merge,
 * false beats unknown and unknown beats true (Jepsen's {@code merge-valid}).
 */
public enum Validity {
  TRUE, FALSE, UNKNOWN;

  public Validity merge(Validity other) {
    if (this == FALSE || other == FALSE) return FALSE;
    if (this == UNKNOWN || other == UNKNOWN) return UNKNOWN;
    return TRUE;
  }

  /** As JSON: {@code true}, {@code false} or {@code "unknown"}. */
  public Object json() {
    switch (this) {
      case TRUE: return Boolean.TRUE;
      case FALSE: return Boolean.FALSE;
      default: return "unknown";
    }
  }

  /** Exit code of a command reporting this verdict: 0 only for true. */
  public int exitCode() { return this == TRUE ? 0 : 1; }
}
