package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultIntervalsTest {
  private static Op nem(long timeNs, OpType type, String f, Object value) {
    return new Op(-1, timeNs, Op.NEMESIS, type, f, value, null, null);
  }

  private static Op client(long timeNs, OpType type) {
    return new Op(-1, timeNs, 0, type, "read", null, 1L, null);
  }

  @Test
  void killThenStart_andPauseThenResume_perNode_fromCompletionTimes() {
    History h = History.of(List.of(
        client(5, OpType.INVOKE),
        nem(10, OpType.INVOKE, "kill", "majority"),
        nem(12, OpType.INFO, "kill", List.of("n1", "n2")),
        client(15, OpType.OK),
        nem(20, OpType.INVOKE, "start", "all"),
        nem(23, OpType.INFO, "start", List.of("n1")),
        nem(30, OpType.INVOKE, "pause", "one"),
        nem(31, OpType.INFO, "pause", List.of("n3")),
        nem(40, OpType.INVOKE, "resume", "all"),
        nem(44, OpType.INFO, "resume", List.of("n3")),
        nem(50, OpType.INVOKE, "pause", "one"),
        nem(52, OpType.INFO, "pause", List.of("n1"))));
    assertEquals(List.of(
        new FaultInterval("kill", List.of("n1"), 12, 23),
        new FaultInterval("kill", List.of("n2"), 12, -1),
        new FaultInterval("pause", List.of("n3"), 31, 44),
        new FaultInterval("pause", List.of("n1"), 52, -1)), FaultIntervals.from(h));
  }

  @Test
  void killOfAPausedNode_endsItsPause_andNonListValuesAreIgnored() {
    History h = History.of(List.of(
        nem(1, OpType.INFO, "pause", List.of("n1")),
        nem(2, OpType.INFO, "kill", List.of("n1")),
        nem(3, OpType.INFO, "start-partition", "halves"),
        nem(4, OpType.INFO, "start", List.of("n1"))));
    assertEquals(List.of(
        new FaultInterval("pause", List.of("n1"), 1, 2),
        new FaultInterval("kill", List.of("n1"), 2, 4)), FaultIntervals.from(h));
  }
}
