package io.faultline.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/** Why writes did not come back ok, counted by reason: at most {@link #REASONS_MAX} reasons, then "other". */
final class BenchErrors {
  static final int REASONS_MAX = 20;
  static final int REASON_CHARS_MAX = 160;
  static final String OTHER = "(other reasons)";

  private final Map<String, Long> counts = new LinkedHashMap<>();

  synchronized void note(String reason) {
    String r = reason == null || reason.isBlank() ? "(no reason given)" : reason.strip();
    if (r.length() > REASON_CHARS_MAX) r = r.substring(0, REASON_CHARS_MAX) + "...";
    if (!counts.containsKey(r) && counts.size() >= REASONS_MAX) r = OTHER;
    counts.merge(r, 1L, Long::sum);
  }

  synchronized Map<String, Long> counts() {
    return new LinkedHashMap<>(counts);
  }
}
