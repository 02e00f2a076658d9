package io.faultline.checkers;

import static io.faultline.checkers.TxnCheckerAssertions.anomaly;
import static io.faultline.checkers.TxnCheckerAssertions.assertCycle;
import static io.faultline.checkers.TxnCheckerAssertions.assertInvalid;
import static io.faultline.checkers.TxnCheckerAssertions.assertValid;
import static io.faultline.checkers.TxnCheckerAssertions.cycleEdges;
import static io.faultline.checkers.TxnDsl.rwRegister;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import java.util.List;
import org.junit.jupiter.api.Test;

class RwRegisterCheckerTest {

  static CheckResult check(History h, String... models) {
    return new RwRegisterChecker(TxnCheckerOptions.of(List.of(models))).check(h);
  }

  static CheckResult check(History h, boolean wfr, boolean sequential, boolean linearizable, String... models) {
    return new RwRegisterChecker(TxnCheckerOptions.of(List.of(models)).withKeyInference(wfr, sequential, linearizable)).check(h);
  }

  @Test
  void serialWritesAndReads_areStrictSerializable() {
    assertValid(check(rwRegister("0 ok wx1 wy1", "1 ok rx1 ry1 wx2", "0 ok rx2"), "strict-serializable"));
  }

  @Test
  void g1c_circularInformationFlow() {
    CheckResult r = check(rwRegister("0 invoke wx1 ry", "1 invoke wy1 rx", "0 ok wx1 ry1", "1 ok wy1 rx1"), "read-committed");
    assertInvalid(r, "G1c");
    assertCycle(anomaly(r, "G1c"), 2L, 3L);
    assertEquals(List.of("wr", "wr"), cycleEdges(r, "G1c"));
  }

  @Test
  void readSkew_fromTheInitialNil_isGSingleItem() {
    CheckResult r = check(rwRegister("0 invoke wx1 wy1", "1 invoke rx ry", "0 ok wx1 wy1", "1 ok rx ry1"), "snapshot-isolation");
    assertInvalid(r, "G-single-item");
    assertCycle(anomaly(r, "G-single-item"), 3L, 2L);
    assertTrue(anomaly(r, "G-single-item").explanation().contains("read x = nil, which precedes"));
  }

  @Test
  void writeSkew_isValidUnderSnapshotIsolation_andG2ItemUnderSerializable() {
    History h = rwRegister("0 invoke rx ry wx1", "1 invoke rx ry wy1", "0 ok rx ry wx1", "1 ok rx ry wy1");
    assertValid(check(h, "snapshot-isolation"));
    CheckResult r = check(h, "serializable");
    assertInvalid(r, "G2-item");
    assertCycle(anomaly(r, "G2-item"), 2L, 3L);
  }

  @Test
  void lostUpdate_bothReadNilAndWrote() {
    History h = rwRegister("0 invoke rx wx1", "1 invoke rx wx2", "0 ok rx wx1", "1 ok rx wx2");
    CheckResult r = check(h, "repeatable-read");
    assertInvalid(r, "lost-update", "G2-item");
    assertEquals(List.of(2L, 3L), anomaly(r, "lost-update").witness());
    assertValid(check(h, "read-committed"));
  }

  @Test
  void g1a_g1b_internal_futureRead_garbageRead() {
    assertEquals(List.of(3L, 1L), anomaly(check(rwRegister("0 fail wx1", "1 ok rx1"), "read-committed"), "G1a").witness());
    assertEquals(List.of(3L, 1L), anomaly(check(rwRegister("0 ok wx1 wx2", "1 ok rx1"), "read-committed"), "G1b").witness());
    CheckResult internal = check(rwRegister("0 ok wx1 rx2", "1 ok wx2"), "serializable");
    assertInvalid(internal, "internal");
    assertEquals(List.of(1L), anomaly(internal, "internal").witness());
    assertInvalid(check(rwRegister("0 ok rx1 wx1"), "read-atomic"), "future-read");
    CheckResult garbage = check(rwRegister("0 ok wx1", "1 ok rx2"), "read-uncommitted");
    assertInvalid(garbage, "garbage-read");
    assertEquals(List.of(3L), anomaly(garbage, "garbage-read").witness());
  }

  @Test
  void wfrKeys_ordersAWriteAfterTheVersionItsTxnRead_exposingAG2Item() {
    // T2 read x=1 then wrote x=2: with wfr-keys, 1 < 2, so T3, which read x=1, precedes T2 (rw);
    // T2 read y=nil, which precedes T3's write of y=1 (rw).
    History h = rwRegister("0 ok wx1", "1 invoke rx wx2 ry", "2 invoke rx wy1", "1 ok rx1 wx2 ry", "2 ok rx1 wy1");
    assertValid(check(h, false, false, false, "serializable"));
    CheckResult r = check(h, true, false, false, "serializable");
    assertInvalid(r, "G2-item");
    assertCycle(anomaly(r, "G2-item"), 4L, 5L);
    assertTrue(anomaly(r, "G2-item").explanation().contains("(wfr-keys)"), anomaly(r, "G2-item").explanation());
  }

  @Test
  void linearizableKeys_ordersVersionsByRealtime_exposingAReadSkew() {
    // T1 wrote x=1 and completed before T2 (x=2, y=1) began, so 1 < 2; T3 read y=1 from T2 but the
    // older x=1.
    History h = rwRegister("0 ok wx1", "1 invoke wx2 wy1", "2 invoke rx ry", "1 ok wx2 wy1", "2 ok rx1 ry1");
    assertValid(check(h, false, false, false, "serializable"));
    CheckResult r = check(h, false, false, true, "serializable");
    assertInvalid(r, "G-single-item");
    assertCycle(anomaly(r, "G-single-item"), 5L, 4L);
    assertTrue(anomaly(r, "G-single-item").explanation().contains("(linearizable-keys)"));
  }

  @Test
  void linearizableKeys_withAStaleRead_areCyclicVersions() {
    History h = rwRegister("0 ok wx1", "1 ok wx2", "2 ok rx1");
    assertValid(check(h, false, false, false, "strict-serializable"));
    CheckResult r = check(h, false, false, true, "strict-serializable");
    assertInvalid(r, "cyclic-versions");
    assertEquals(List.of(1L, 3L), anomaly(r, "cyclic-versions").witness());
  }

  @Test
  void sequentialKeys_thatContradictTheInitialNil_areCyclicVersions() {
    History h = rwRegister("0 ok wx1", "0 ok rx");
    assertValid(check(h, false, false, false, "serializable"));
    CheckResult r = check(h, false, true, false, "serializable");
    assertInvalid(r, "cyclic-versions");
    assertEquals(List.of(1L), anomaly(r, "cyclic-versions").witness());
  }

  @Test
  void notReadingYourOwnWrite_isAProcessAnomaly_underSessionModels() {
    History h = rwRegister("0 ok wx1", "0 ok rx");
    assertValid(check(h, "serializable"));
    assertInvalid(check(h, "strong-session-serializable"), "G-single-item-process");
  }
}
