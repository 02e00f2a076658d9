package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunSpecTest {
  private static RunSpec spec(String targets, long timeMs, int concurrency) {
    return new RunSpec("ratis", "register", List.of("kill", "pause"), targets, timeMs, concurrency, 7, Path.of("out"),
        Set.of("ratis.stale-read"), 3, 5_000, 3_000, 200, "uniform");
  }

  @Test
  void command_rerunsTheSameRun_withSeedAndBugs() {
    String c = spec("one", 30_000, 10).command();
    assertTrue(c.startsWith("./faultline run --system ratis --workload register --nemesis kill,pause"), c);
    assertTrue(c.contains("--time 30s"), c);
    assertTrue(c.contains("--seed 7"), c);
    assertTrue(c.contains("--bug ratis.stale-read"), c);
  }

  @Test
  void badOption_isRejected_namingTheOptionAndValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec("some", 30_000, 10));
    assertTrue(e.getMessage().contains("--targets") && e.getMessage().contains("'some'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("one", 30_000, 0));
    assertTrue(e.getMessage().contains("--concurrency"), e.getMessage());
  }

  @Test
  void systemOptions_arePassedOn_andRerun_butNotTheOnesWithTheirOwnFlags() {
    RunSpec s = spec("one", 30_000, 10).withOptions(java.util.Map.of("wal-segment-bytes", "1048576", "snapshot-entries", "0"));
    assertEquals("0", s.systemOptions().get("snapshot-entries"));
    assertEquals("1048576", s.systemOptions().get("wal-segment-bytes"));
    assertTrue(s.command().contains("--system-option snapshot-entries=0 --system-option wal-segment-bytes=1048576"), s.command());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> spec("one", 30_000, 10).withOptions(java.util.Map.of("isolation", "serializable")));
    assertTrue(e.getMessage().contains("--system-option") && e.getMessage().contains("isolation=serializable"), e.getMessage());
  }

  @Test
  void unknownSystemOption_isAnError_namingTheKeysTheSystemHas() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> io.faultline.raftadapter.RaftOptions.from(java.util.Map.of("wal-segment-byte", "1")));
    assertTrue(e.getMessage().contains("wal-segment-byte") && e.getMessage().contains("wal-segment-bytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> io.faultline.raftadapter.RaftOptions.from(java.util.Map.of("wal-segment-bytes", "100")));
    assertTrue(e.getMessage().contains("wal-segment-bytes must be"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> io.faultline.raftadapter.RaftOptions.from(java.util.Map.of("snapshot-format", "zip")));
    assertTrue(e.getMessage().contains("snapshot-format must be logical, checkpoint or incremental"), e.getMessage());
    assertEquals("checkpoint", io.faultline.raftadapter.RaftOptions.from(java.util.Map.of("snapshot-format", "Checkpoint")).snapshotFormat());
  }

  @Test
  void durations_parseAndFormat_asPeopleWriteThem() {
    assertEquals(500, Durations.parseMs("500ms"));
    assertEquals(30_000, Durations.parseMs("30s"));
    assertEquals(120_000, Durations.parseMs("2m"));
    assertEquals("2m", Durations.format(120_000));
    assertEquals("1500ms", Durations.format(1500));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMs("30 seconds"));
    assertTrue(e.getMessage().contains("'30 seconds'"));
  }
}
