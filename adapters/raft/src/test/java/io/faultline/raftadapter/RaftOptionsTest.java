package io.faultline.raftadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RaftOptionsTest {
  @Test
  void defaults_areATenthOfASecondTick_andReadIndex() {
    RaftOptions o = RaftOptions.from(Map.of());
    assertEquals(100, o.tickMs());
    assertEquals("read_index", o.readMode());
    assertEquals(50, RaftOptions.from(Map.of("tick-ms", "50", "fake-clock", "true")).tickMs());
    assertTrue(RaftOptions.from(Map.of("partition-clients", "true")).partitionClients());
  }

  @Test
  void badOptions_areRefusedByName() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RaftOptions.from(Map.of("snapshot-threshold", "1")))
        .getMessage().contains("snapshot-threshold"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RaftOptions.from(Map.of("tick-ms", "5"))).getMessage().contains("tick-ms"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RaftOptions.from(Map.of("read-mode", "x"))).getMessage().contains("read-mode"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RaftOptions.from(Map.of("partition-clients", "yes")))
        .getMessage().contains("partition-clients"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RaftOptions.from(Map.of("node-heap-mb", "100")))
        .getMessage().contains("node-heap-mb must be 256..16384"));
    assertEquals(4096, RaftOptions.from(Map.of("node-heap-mb", "4096")).nodeHeapMb());
    assertEquals(-1, RaftOptions.from(Map.of()).nodeHeapMb());
  }

  @Test
  void system_offersEveryPlantedBugOfTheCore() {
    assertEquals("raft", new RaftSystem().name());
    assertTrue(new RaftSystem().bugs().contains("raft.stale-read"));
    assertEquals(io.faultline.raft.Bug.values().length, new RaftSystem().bugs().size());
  }
}
