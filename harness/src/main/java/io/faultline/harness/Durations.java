package io.faultline.harness;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them on command lines: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
final class Durations {
  private Durations() {}

  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)");

  static long parseMs(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 30s, 2m, 1h)");
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms": return n;
      case "s": return n * 1000;
      case "m": return n * 60_000;
      default: return n * 3_600_000;
    }
  }

  static String format(long ms) {
    if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
    if (ms % 1000 == 0) return ms / 1000 + "s";
    return ms + "ms";
  }
}
