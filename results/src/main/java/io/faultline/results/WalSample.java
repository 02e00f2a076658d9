package io.faultline.results;

import java.util.ArrayList;
import java.util.List;

/**
 * One sample of {@code wal_bytes}: the write-ahead log bytes of all nodes summed, at {@code tMs}
 * milliseconds since the run started (the clock of the history and of the faults' {@code start_ms}).
 */
public record WalSample(long tMs, long bytes) {
  public WalSample {
    if (tMs < 0) throw new IllegalArgumentException("tMs must be >= 0, was " + tMs);
    if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
  }

  /**
   * The samples of a parsed {@code wal_bytes} field ({@code [[t_ms, bytes], ...]}); empty for null (a run
   * whose system could not say). Anything else is an error naming the bad element.
   */
  public static List<WalSample> listFromJson(Object walBytes) {
    if (walBytes == null) return List.of();
    if (!(walBytes instanceof List)) throw new IllegalArgumentException("wal_bytes must be an array, was " + walBytes);
    List<WalSample> out = new ArrayList<>();
    for (Object e : (List<?>) walBytes) {
      if (!(e instanceof List) || ((List<?>) e).size() != 2 || !(((List<?>) e).get(0) instanceof Number)
          || !(((List<?>) e).get(1) instanceof Number)) {
        throw new IllegalArgumentException("wal_bytes[" + out.size() + "] must be [t_ms, bytes], was " + e);
      }
      List<?> pair = (List<?>) e;
      out.add(new WalSample(((Number) pair.get(0)).longValue(), ((Number) pair.get(1)).longValue()));
    }
    return out;
  }
}
