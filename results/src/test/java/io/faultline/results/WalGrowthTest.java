package io.faultline.results;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalGrowthTest {
  private static final long MIB = 1 << 20;

  /** One sample a second for {@code seconds}: {@code bytesPerS} of growth, and a segment deleted whenever two are full. */
  private static List<WalSample> series(int seconds, long bytesPerS, long segmentBytes) {
    List<WalSample> out = new ArrayList<>();
    long bytes = segmentBytes;
    for (int t = 0; t <= seconds; t++) {
      out.add(new WalSample(t * 1000L, bytes));
      bytes += bytesPerS;
      if (segmentBytes > 0 && bytes >= 2 * segmentBytes) bytes -= segmentBytes;
    }
    return out;
  }

  @Test
  void aLogCompactedASegmentAtATime_isFlat() {
    WalGrowth g = WalGrowth.judge(series(120, 140_000, 2 * MIB), 30_000, 3 * MIB, 2);
    assertTrue(g.flat(), g.reason());
  }

  @Test
  void aGrowingLog_isNotFlat() {
    WalGrowth g = WalGrowth.judge(series(120, 140_000, 0), 30_000, 3 * MIB, 2);
    assertFalse(g.flat(), g.reason());
    assertTrue(g.reason().startsWith("grew beyond the slack"), g.reason());
  }

  @Test
  void aLogThatNeverShrank_isNotFlat_evenWithinTheSlack() {
    WalGrowth g = WalGrowth.judge(series(120, 1_000, 0), 30_000, 3 * MIB, 2);
    assertFalse(g.flat(), g.reason());
    assertTrue(g.reason().startsWith("never compacted"), g.reason());
  }

  @Test
  void tooFewSamples_isNotFlat() {
    assertFalse(WalGrowth.judge(series(10, 1_000, 0), 30_000, 3 * MIB, 0).flat());
  }
}
