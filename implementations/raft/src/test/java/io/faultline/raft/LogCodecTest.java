package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogCodecTest {
  private static final int ZERO_PADDING = 64;

  /** Two records then preallocated zeros; returns the buffer, the second record's offset in [1]. */
  private static byte[] segment(int[] secondAt) {
    byte[] a = LogCodec.entry(new Entry(1, 1, new byte[] {1, 2, 3}));
    byte[] b = LogCodec.entry(new Entry(1, 2, new byte[] {4, 5, 6, 7}));
    byte[] buf = new byte[a.length + b.length + ZERO_PADDING];
    System.arraycopy(a, 0, buf, 0, a.length);
    System.arraycopy(b, 0, buf, a.length, b.length);
    secondAt[0] = a.length;
    return buf;
  }

  private static LogCodec.Kind kindAt(byte[] buf, int pos, boolean last) {
    return LogCodec.read(buf, buf.length, pos, LogCodec.dataEnd(buf, 0, buf.length), last).kind();
  }

  @Test
  void wholeRecordsReadBack_thenTheEndOfData() {
    int[] at = new int[1];
    byte[] buf = segment(at);
    int end = LogCodec.dataEnd(buf, 0, buf.length);
    LogCodec.Frame first = LogCodec.read(buf, buf.length, 0, end, true);
    assertEquals(LogCodec.Kind.RECORD, first.kind());
    assertEquals(at[0], first.next());
    assertEquals(LogCodec.ENTRY, first.type());
    LogCodec.Frame second = LogCodec.read(buf, buf.length, at[0], end, true);
    assertEquals(LogCodec.Kind.RECORD, second.kind());
    assertEquals(LogCodec.Kind.END, LogCodec.read(buf, buf.length, second.next(), end, true).kind());
  }

  @Test
  void everyPrefixOfTheLastRecordIsATornTailOrNothing() {
    int[] at = new int[1];
    byte[] whole = segment(at);
    int recordBytes = LogCodec.dataEnd(whole, 0, whole.length) - at[0];
    for (int kept = 0; kept < recordBytes; kept++) {
      byte[] buf = whole.clone();
      Arrays.fill(buf, at[0] + kept, buf.length, (byte) 0);
      LogCodec.Kind k = kindAt(buf, at[0], true);
      boolean anyWritten = LogCodec.dataEnd(buf, at[0], buf.length) > at[0];
      assertEquals(anyWritten ? LogCodec.Kind.TORN : LogCodec.Kind.END, k, "kept " + kept);
      byte[] cut = Arrays.copyOf(whole, at[0] + kept); // the same tail, cut by the end of the file instead
      assertEquals(anyWritten ? LogCodec.Kind.TORN : LogCodec.Kind.END, kindAt(cut, at[0], true), "cut at " + kept);
      assertEquals(LogCodec.Kind.RECORD, kindAt(buf, 0, true), "the record before stays");
    }
  }

  @Test
  void aTornLookingRecordInAnOlderSegmentIsCorruption() {
    int[] at = new int[1];
    byte[] buf = segment(at);
    Arrays.fill(buf, at[0] + 14, buf.length, (byte) 0);
    assertEquals(LogCodec.Kind.CORRUPT, kindAt(buf, at[0], false));
  }

  @Test
  void everyFlippedBitOfEveryRecordIsCorruption_evenInTheLastRecord() {
    int[] at = new int[1];
    byte[] whole = segment(at);
    int end = LogCodec.dataEnd(whole, 0, whole.length);
    for (int bit = 0; bit < 8 * end; bit++) {
      byte[] buf = whole.clone();
      buf[bit / 8] ^= (byte) (1 << (bit % 8));
      int record = bit / 8 < at[0] ? 0 : at[0];
      assertEquals(LogCodec.Kind.CORRUPT, kindAt(buf, record, true), "bit " + bit);
    }
  }

  @Test
  void aFlippedBitInThePaddingIsCorruption() {
    int[] at = new int[1];
    byte[] buf = segment(at);
    int end = LogCodec.dataEnd(buf, 0, buf.length);
    buf[end + 20] ^= 4;
    LogCodec.Frame after = LogCodec.read(buf, buf.length, end, LogCodec.dataEnd(buf, 0, buf.length), true);
    assertEquals(LogCodec.Kind.CORRUPT, after.kind());
  }
}
