package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogCodecTest {
  private static byte[] file() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(LogCodec.entry(new Entry(1, 1, new byte[] {1})));
    out.writeBytes(LogCodec.entry(new Entry(1, 2, new byte[] {2})));
    out.writeBytes(LogCodec.hardState(new HardState(2, 3, 1)));
    out.writeBytes(LogCodec.entry(new Entry(2, 2, new byte[] {3})));
    return out.toByteArray();
  }

  @Test
  void laterEntrySupersedesAndLastHardStateWins() {
    LogCodec.Loaded l = LogCodec.load(file());
    assertNull(l.corruption());
    assertEquals(new HardState(2, 3, 1), l.hardState());
    assertEquals(2, l.entries().size());
    assertEquals(2, l.entries().get(1).term());
  }

  @Test
  void tornTailIsDroppedNotReportedAsCorruption() {
    byte[] f = file();
    for (int cut = 1; cut < LogCodec.HEADER_BYTES + 17; cut++) {
      LogCodec.Loaded l = LogCodec.load(Arrays.copyOf(f, f.length - cut));
      assertNull(l.corruption(), "cut " + cut);
      assertEquals(1, l.entries().get(1).term(), "the torn last entry is gone");
    }
  }

  @Test
  void flippedBitInASyncedRecordIsCorruption() {
    byte[] f = file();
    for (int bit = 0; bit < 8 * 20; bit++) {
      byte[] g = f.clone();
      g[bit / 8] ^= (byte) (1 << (bit % 8));
      assertNotNull(LogCodec.load(g).corruption(), "bit " + bit);
    }
  }
}
