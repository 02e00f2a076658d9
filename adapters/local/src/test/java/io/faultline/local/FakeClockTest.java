package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeClockTest {
  @TempDir Path runs;

  @Test
  void spec_isLibfaketimesRelativeForm() {
    assertEquals("+0.000", FakeClock.spec(0, 1.0));
    assertEquals("-1.500", FakeClock.spec(-1_500, 1.0));
    assertEquals("+60.000 x2.0", FakeClock.spec(60_000, 2.0));
  }

  @Test
  void nodeWallClock_followsTheOffsetSetAtRuntime_andHeals() throws Exception {
    assumeTrue(FakeClock.available(), "libfaketime missing: apt-get install -y faketime");
    try (LocalDeployment d = LocalDeployment.create(runs.resolve("clock"), List.of("n1"), 3)) {
      NodeProcess node = d.launch("n1", ClockMain.class.getName(), List.of(d.nodeDir("n1").resolve("data").toString()),
          List.of(), true);
      Path clock = node.dataDir().resolve("clock");
      assertTrue(awaitSkew(clock, 0, 5_000), "unskewed at start");
      node.clock().orElseThrow().setClockOffsetMs(3_600_000);
      assertTrue(awaitSkew(clock, 3_600_000, 10_000), "an hour ahead");
      node.clock().orElseThrow().setClockOffsetMs(0);
      assertTrue(awaitSkew(clock, 0, 10_000), "healed");
    }
  }

  private static boolean awaitSkew(Path clock, long expectedMs, long waitMs) throws Exception {
    long deadline = System.currentTimeMillis() + waitMs;
    while (System.currentTimeMillis() < deadline) {
      if (Files.exists(clock)) {
        String text = Files.readString(clock).trim();
        if (!text.isEmpty() && Math.abs(Long.parseLong(text) - System.currentTimeMillis() - expectedMs) < 2_000) return true;
      }
      Thread.sleep(100);
    }
    return false;
  }
}
