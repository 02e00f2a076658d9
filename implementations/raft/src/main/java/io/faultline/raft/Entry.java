package io.faultline.raft;

import java.util.Arrays;

/**
 * A log entry. {@code data} is the state machine's command, empty for a leader's no-op, or a
 * configuration ({@link Membership#isEntry}); it is never modified after creation.
 */
public record Entry(long term, long index, byte[] data) {
  public Entry {
    if (term < 1 || index < 1) throw new IllegalArgumentException("term and index must be >= 1, got " + term + ", " + index);
    if (data == null) throw new IllegalArgumentException("data must not be null");
  }

  public boolean sameAs(Entry o) {
    return term == o.term && index == o.index && Arrays.equals(data, o.data);
  }

  /** Whether this entry is a configuration ({@link Membership#encode}) rather than a command or a no-op. */
  public boolean isMembership() { return Membership.isEntry(data); }

  /** Bytes counted against flow-control limits. */
  public int sizeBytes() { return data.length + 16; }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry && sameAs((Entry) o);
  }

  @Override
  public int hashCode() { return Long.hashCode(term) * 31 + Long.hashCode(index) * 17 + Arrays.hashCode(data); }

  @Override
  public String toString() { return index + "@" + term + (data.length == 0 ? "(no-op)" : isMembership() ? "(config)" : "(" + data.length + "B)"); }
}
