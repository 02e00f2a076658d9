package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.raft.WalConfig;
import io.faultline.results.WalGrowth;
import io.faultline.results.WalSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our Raft's write-ahead log stops growing once snapshots compact it: the register workload with no
 * faults, as a user runs it ({@code ./faultline run --system raft --workload register --nemesis none
 * --time 120s}), and from {@link #FIRST_SNAPSHOTS_MS} on {@code wal_bytes} (all nodes summed, sampled
 * every second) stays within {@link #SLACK_BYTES} of its minimum and falls at least
 * {@link #DROPS_MIN} times ({@link WalGrowth}).
 *
 * <p>The slack is what a log deleted a whole segment at a time may still swing by: per node, one
 * segment and one preallocation step (2 + 1 MiB, so 9 MiB on three nodes). Ten clients write about
 * 140 KB/s of WAL per node here, a 2 MiB segment every 15 s: uncompacted, the 90 s judged would grow the
 * three logs by some 37 MiB, and a log that is never compacted never falls — {@code WalGrowthTest} shows
 * both fail. The ten-minute version runs in the nightly profile.
 */
class RaftWalBytesIT {
  static final int NODES = 3;
  static final long FIRST_SNAPSHOTS_MS = 30_000;
  static final long SLACK_BYTES = NODES * ((long) WalConfig.SEGMENT_BYTES_MAX_DEFAULT + WalConfig.PREALLOCATE_BYTES_DEFAULT);
  static final int DROPS_MIN = 2;

  private static void assertFlat(Path dir, String time, long expectedSamplesMin) throws Exception {
    int code = Main.execute(new String[] {"run", "--system", "raft", "--workload", "register", "--nemesis", "none",
        "--time", time, "--seed", "7", "--out", dir.toString(), "--no-progress"});
    Map<?, ?> r = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("result.json")));
    assertEquals(0, code, () -> "the run itself must pass: " + r.get("valid"));
    List<WalSample> samples = WalSample.listFromJson(r.get("wal_bytes"));
    assertTrue(samples.size() >= expectedSamplesMin, "about one sample a second, got " + samples.size()
        + (r.containsKey("wal_bytes_error") ? " (" + r.get("wal_bytes_error") + ")" : ""));
    WalGrowth g = WalGrowth.judge(samples, FIRST_SNAPSHOTS_MS, SLACK_BYTES, DROPS_MIN);
    assertTrue(g.flat(), g.reason());
  }

  @Test
  void walBytes_stayFlat_afterTheFirstSnapshots_overTwoMinutesWithoutFaults(@TempDir Path dir) throws Exception {
    assertFlat(dir, "120s", 115);
  }

  /** Nightly only ({@code -Dfaultline.nightly=true}, the {@code nightly} profile): ten minutes. */
  @Test
  @EnabledIfSystemProperty(named = "faultline.nightly", matches = "true")
  void walBytes_stayFlat_overTenMinutesWithoutFaults(@TempDir Path dir) throws Exception {
    assertFlat(dir, "600s", 590);
  }
}
