package io.faultline.checkers;

import static io.faultline.checkers.TxnCheckerAssertions.anomaly;
import static io.faultline.checkers.TxnCheckerAssertions.assertCycle;
import static io.faultline.checkers.TxnCheckerAssertions.assertInvalid;
import static io.faultline.checkers.TxnCheckerAssertions.assertValid;
import static io.faultline.checkers.TxnCheckerAssertions.cycleEdges;
import static io.faultline.checkers.TxnDsl.listAppend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ListAppendCheckerTest {

  static CheckResult check(History h, String... models) {
    return new ListAppendChecker(TxnCheckerOptions.of(List.of(models))).check(h);
  }

  @Nested
  class ValidHistories {
    @Test
    void serialAppendsAndReads_areStrictSerializable_andThatIsTheStrongestModelSatisfied() {
      CheckResult r = check(listAppend(
          "0 ok ax1 ay1",
          "1 ok rx1 ay2",
          "0 ok rx1 ry12 ax3",
          "1 ok rx13"), "strict-serializable");
      assertValid(r);
      assertEquals(List.of("strict-serializable"), r.details().get("strongest_satisfied"));
      assertEquals(List.of(), r.details().get("not"));
    }

    @Test
    void aTxnOfUnknownOutcome_mayOrMayNotHaveCommitted() {
      assertValid(check(listAppend("0 info ax1", "1 ok rx1"), "strict-serializable"));
      assertValid(check(listAppend("0 info ax1", "1 ok rx[]"), "strict-serializable"));
    }

    @Test
    void noOkTxn_isUnknown() {
      CheckResult r = check(listAppend("0 fail ax1"), "serializable");
      assertEquals(Validity.UNKNOWN, r.valid());
      assertTrue(((String) r.details().get("unknown_reason")).startsWith("empty-transaction-graph"));
    }
  }

  @Nested
  class Cycles {
    @Test
    void g0_writeCycle_witnessesBothWriters() {
      History h = listAppend(
          "0 invoke ax1 ay1", "1 invoke ax2 ay2", "0 ok ax1 ay1", "1 ok ax2 ay2",
          "2 ok rx12 ry21");
      CheckResult r = check(h, "read-uncommitted");
      assertInvalid(r, "G0");
      assertCycle(anomaly(r, "G0"), 2L, 3L);
      assertEquals(List.of("ww", "ww"), cycleEdges(r, "G0"));
      assertEquals(List.of("read-uncommitted"), r.details().get("not"));
      assertInvalid(check(h, "strict-serializable"), "G0");
    }

    @Test
    void g1c_circularInformationFlow_isAllowedByReadUncommittedOnly() {
      History h = listAppend("0 invoke ax1 ry1", "1 invoke ay1 rx1", "0 ok ax1 ry1", "1 ok ay1 rx1");
      assertValid(check(h, "read-uncommitted"));
      CheckResult r = check(h, "read-committed");
      assertInvalid(r, "G1c");
      assertCycle(anomaly(r, "G1c"), 2L, 3L);
      assertEquals(List.of("wr", "wr"), cycleEdges(r, "G1c"));
      assertEquals(List.of("read-committed"), r.details().get("not"));
    }

    @Test
    void readSkew_isGSingleItem_forbiddenBySnapshotIsolation() {
      History h = listAppend("0 invoke ax1 ay1", "1 invoke rx ry", "0 ok ax1 ay1", "1 ok rx[] ry1");
      CheckResult r = check(h, "snapshot-isolation");
      assertInvalid(r, "G-single-item");
      Anomaly a = anomaly(r, "G-single-item");
      assertCycle(a, 3L, 2L);
      assertEquals(List.of("consistent-view", "repeatable-read"), r.details().get("not"));
      assertTrue(a.explanation().startsWith("Let:\n  T1 = {op "), a.explanation());
      assertTrue(a.explanation().contains("read x = [], which does not include"), a.explanation());
      assertTrue(a.explanation().contains("read y = [1], which ends with"), a.explanation());
      assertTrue(a.explanation().endsWith(": a cycle."), a.explanation());
      assertValid(check(h, "read-committed"));
    }

    @Test
    void writeSkew_isValidUnderSnapshotIsolation_andG2ItemUnderSerializable() {
      History h = listAppend("0 invoke rx ry ax1", "1 invoke rx ry ay1", "0 ok rx[] ry[] ax1", "1 ok rx[] ry[] ay1");
      CheckResult si = check(h, "snapshot-isolation");
      assertValid(si);
      assertEquals(List.of("snapshot-isolation"), si.details().get("strongest_satisfied"));
      CheckResult r = check(h, "serializable");
      assertInvalid(r, "G2-item");
      assertCycle(anomaly(r, "G2-item"), 2L, 3L);
      assertEquals(List.of("rw", "rw"), cycleEdges(r, "G2-item"));
      assertEquals(List.of("repeatable-read"), r.details().get("not"));
    }

    @Test
    void nonadjacentRwEdges_areGNonadjacentItem_forbiddenBySnapshotIsolationAndRepeatableRead_allowedByConsistentView() {
      History h = listAppend(
          "0 invoke rx ru", "1 invoke ax1 ay1", "2 invoke ry rz", "3 invoke az1 au1",
          "0 ok rx[] ru1", "1 ok ax1 ay1", "2 ok ry1 rz[]", "3 ok az1 au1");
      CheckResult r = check(h, "snapshot-isolation");
      assertInvalid(r, "G-nonadjacent-item");
      assertCycle(anomaly(r, "G-nonadjacent-item"), 4L, 5L, 6L, 7L);
      CheckResult rr = check(h, "repeatable-read");
      assertInvalid(rr, "G-nonadjacent-item");
      assertEquals(List.of("repeatable-read", "snapshot-isolation"), rr.details().get("not"));
      assertValid(check(h, "consistent-view"));
    }

    @Test
    void staleReadAfterACompletedAppend_isGSingleItemRealtime_onlyUnderStrictModels() {
      History h = listAppend("0 ok ax1", "1 ok rx[]");
      CheckResult r = check(h, "strict-serializable");
      assertInvalid(r, "G-single-item-realtime");
      assertCycle(anomaly(r, "G-single-item-realtime"), 1L, 3L);
      assertEquals(List.of("strong-snapshot-isolation"), r.details().get("not"));
      assertTrue(anomaly(r, "G-single-item-realtime").explanation().contains("completed (op 1) before"));
      assertValid(check(h, "serializable"));
      assertValid(check(h, "strong-session-serializable"));
    }

    @Test
    void notReadingYourOwnWrite_isGSingleItemProcess_onlyUnderSessionModels() {
      History h = listAppend("0 ok ax1", "0 ok rx[]");
      CheckResult r = check(h, "strong-session-serializable");
      assertInvalid(r, "G-single-item-process");
      assertCycle(anomaly(r, "G-single-item-process"), 1L, 3L);
      assertEquals(List.of("rw", "process"), rotateTo(cycleEdges(r, "G-single-item-process"), "rw"));
      assertInvalid(check(h, "strong-session-snapshot-isolation"), "G-single-item-process");
      assertValid(check(h, "serializable"));
      assertInvalid(check(h, "strict-serializable"), "G-single-item-realtime");
    }

    @Test
    void cycleSearchOutOfTime_isUnknown_notValid() {
      History h = listAppend("0 invoke rx ry ax1", "1 invoke rx ry ay1", "0 ok rx[] ry[] ax1", "1 ok rx[] ry[] ay1");
      CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of("snapshot-isolation"))
          .withCycleSearchTimeoutMs(0)).check(h);
      assertEquals(Validity.UNKNOWN, r.valid(), () -> r.toJson().toString());
      assertTrue(((String) r.details().get("unknown_reason")).startsWith("cycle-search-timeout"));
      assertTrue(!r.details().containsKey("strongest_satisfied"));
    }

    @Test
    void cycleSearchOutOfTime_isStillFalse_whenACycleProvablyExistsInAForbiddenSubgraph() {
      History h = listAppend("0 invoke rx ry ax1", "1 invoke rx ry ay1", "0 ok rx[] ry[] ax1", "1 ok rx[] ry[] ay1");
      CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of("serializable")).withCycleSearchTimeoutMs(0)).check(h);
      assertInvalid(r, "PL-2.99-cycle-exists", "PL-3-cycle-exists");
      assertEquals(List.of(2L, 3L), sorted(anomaly(r, "PL-3-cycle-exists").witness()));
      assertTrue(anomaly(r, "PL-3-cycle-exists").explanation().contains("ww, wr and rw edges among these txns form a cycle,"
          + " which serializable forbids"), anomaly(r, "PL-3-cycle-exists").explanation());
      assertEquals(List.of("repeatable-read"), r.details().get("not"));
    }

    @Test
    void cycleSearchOutOfTime_isStillFalse_whenAForbiddenNonCycleAnomalyIsFound() {
      History h = listAppend("0 invoke rx ry ax1", "1 invoke rx ry ay1", "0 ok rx[] ry[] ax1", "1 ok rx[] ry[] ay1",
          "2 fail az1", "3 ok rz1");
      CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of("snapshot-isolation"))
          .withCycleSearchTimeoutMs(0)).check(h);
      assertInvalid(r, "G1a");
    }

    private List<Long> sorted(List<Long> xs) {
      List<Long> out = new java.util.ArrayList<>(xs);
      java.util.Collections.sort(out);
      return out;
    }

    private List<String> rotateTo(List<String> edges, String first) {
      int i = edges.indexOf(first);
      List<String> out = new java.util.ArrayList<>(edges.subList(i, edges.size()));
      out.addAll(edges.subList(0, i));
      return out;
    }
  }

  @Nested
  class NonCycleAnomalies {
    @Test
    void g1a_readingAFailedAppend() {
      CheckResult r = check(listAppend("0 fail ax1", "1 ok rx1"), "read-committed");
      assertInvalid(r, "G1a");
      assertEquals(List.of(3L, 1L), anomaly(r, "G1a").witness());
      assertTrue(anomaly(r, "G1a").explanation().contains("appended by T2, which failed"));
      assertValid(check(listAppend("0 fail ax1", "1 ok rx1"), "read-uncommitted"));
    }

    @Test
    void g1b_readingAnIntermediateAppend() {
      CheckResult r = check(listAppend("0 ok ax1 ax2", "1 ok rx1"), "read-committed");
      assertInvalid(r, "G1b");
      assertEquals(List.of(3L, 1L), anomaly(r, "G1b").witness());
    }

    @Test
    void dirtyUpdate_appendingAfterAFailedAppend() {
      CheckResult r = check(listAppend("0 fail ax1", "1 ok ax2", "2 ok rx12"), "read-committed");
      assertInvalid(r, "G1a", "dirty-update");
      assertEquals(List.of(3L, 1L, 5L), anomaly(r, "dirty-update").witness());
    }

    @Test
    void lostUpdate_isAllowedByReadCommitted_butNotByCursorStability() {
      History h = listAppend("0 invoke rx ax1", "1 invoke rx ax2", "0 ok rx[] ax1", "1 ok rx[] ax2");
      CheckResult rc = check(h, "read-committed");
      assertValid(rc);
      assertEquals(List.of("lost-update"), rc.details().get("allowed_anomaly_types"));
      CheckResult cs = check(h, "cursor-stability");
      assertInvalid(cs, "lost-update");
      assertEquals(List.of(2L, 3L), anomaly(cs, "lost-update").witness());
      assertInvalid(check(h, "repeatable-read"), "lost-update", "G2-item");
    }

    @Test
    void internal_aReadThatMissesTheTxnsOwnAppend() {
      CheckResult r = check(listAppend("0 ok ax1", "1 ok ax2 rx1"), "serializable");
      assertInvalid(r, "internal");
      assertEquals(List.of(3L), anomaly(r, "internal").witness());
      assertTrue(anomaly(r, "internal").explanation().contains("should have read [... 2]"), anomaly(r, "internal").explanation());
      assertInvalid(check(listAppend("0 ok ax1", "1 ok ax2", "2 ok rx1 rx12"), "serializable"), "internal");
    }

    @Test
    void duplicateElements_inOneRead() {
      CheckResult r = check(listAppend("0 ok ax1", "1 ok rx11"), "read-uncommitted");
      assertInvalid(r, "duplicate-elements");
      assertEquals(List.of(3L), anomaly(r, "duplicate-elements").witness());
    }

    @Test
    void incompatibleOrder_twoReadsNoSingleOrderExplains() {
      CheckResult r = check(listAppend("0 ok ax1", "1 ok ax2", "2 ok rx12", "3 ok rx21"), "read-committed");
      assertInvalid(r, "incompatible-order");
      assertEquals(List.of(7L, 5L), anomaly(r, "incompatible-order").witness());
      assertValid(check(listAppend("0 ok ax1", "1 ok ax2", "2 ok rx12", "3 ok rx21"), "read-uncommitted"));
    }

    @Test
    void futureRead_readingAnAppendTheTxnMakesLater() {
      CheckResult r = check(listAppend("0 ok rx1 ax1"), "read-atomic");
      assertInvalid(r, "future-read");
      assertEquals(List.of(1L), anomaly(r, "future-read").witness());
    }

    @Test
    void garbageRead_aValueNobodyAppended_isReportedUnlikeElle() {
      CheckResult r = check(listAppend("0 ok ax1", "1 ok rx19"), "read-uncommitted");
      assertInvalid(r, "garbage-read");
      assertEquals(List.of(3L), anomaly(r, "garbage-read").witness());
    }
  }

  @Nested
  class Configuration {
    @Test
    void unknownModel_isRejected_listingTheKnownOnes() {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TxnCheckerOptions.of(List.of("serialisable")));
      assertTrue(e.getMessage().contains("'serialisable'") && e.getMessage().contains("snapshot-isolation"), e.getMessage());
    }

    @Test
    void aliasesAreCanonicalised() {
      assertEquals(List.of("serializable", "snapshot-isolation"),
          TxnCheckerOptions.of(List.of("PL-3", "snapshot-isolation", "conflict-serializable")).consistencyModels());
    }

    @Test
    void factoryBuildsByName() {
      assertEquals("list-append", TxnCheckers.byName("list-append", List.of()).name());
      assertEquals("rw-register", TxnCheckers.byName("rw-register", List.of("serializable")).name());
      assertThrows(IllegalArgumentException.class, () -> TxnCheckers.byName("bank-ish", List.of()));
    }

    @Test
    void unexpectedMicroOps_orDuplicateAppends_areUnknown() {
      CheckResult r = check(TxnDsl.rwRegister("0 ok wx1"), "serializable");
      assertEquals(Validity.UNKNOWN, r.valid());
      assertTrue(((String) r.details().get("unknown_reason")).contains("unexpected micro-op"));
      CheckResult d = check(listAppend("0 ok ax1", "1 ok ax1"), "serializable");
      assertEquals(Validity.UNKNOWN, d.valid());
      assertTrue(((String) d.details().get("unknown_reason")).startsWith("duplicate-appends"));
    }

    @Test
    void detailsCarryTheElleKeys() {
      CheckResult r = check(listAppend("0 ok ax1", "1 ok rx[]"), "strict-serializable");
      Map<String, Object> d = r.details();
      for (String k : List.of("anomaly_types", "not", "also_not", "cycles", "ms")) assertTrue(d.containsKey(k), k + " in " + d);
    }
  }
}
