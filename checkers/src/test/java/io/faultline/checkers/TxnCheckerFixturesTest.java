package io.faultline.checkers;

import static io.faultline.checkers.TxnCheckerAssertions.anomaly;
import static io.faultline.checkers.TxnCheckerAssertions.assertCycle;
import static io.faultline.checkers.TxnCheckerAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.HistoryEdn;
import io.faultline.history.HistoryJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Histories as files, in Jepsen's EDN and in our JSON lines, read by the api's readers. */
class TxnCheckerFixturesTest {

  private static String resource(String name) throws Exception {
    try (var in = TxnCheckerFixturesTest.class.getResourceAsStream("/txn/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readSkewInEdn_isGSingleItem_withKeywordKeysAsStrings() throws Exception {
    History h = HistoryEdn.parse(resource("read-skew.edn"), "read-skew.edn", HistoryEdn.Keys.PLAIN);
    CheckResult r = new ListAppendChecker(TxnCheckerOptions.of(List.of("snapshot-isolation"))).check(h);
    assertInvalid(r, "G-single-item");
    assertCycle(anomaly(r, "G-single-item"), 3L, 2L);
  }

  @Test
  void readSkewInJson_isGSingleItem_andItsCycleStepsAreMachineReadable() throws Exception {
    History h;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        TxnCheckerFixturesTest.class.getResourceAsStream("/txn/read-skew.jsonl"), StandardCharsets.UTF_8))) {
      h = HistoryJson.read(in, "read-skew.jsonl");
    }
    CheckResult r = new ListAppendChecker().check(h);
    assertInvalid(r, "G-single-item");
    Map<String, Object> cycle = TxnCheckerAssertions.maps(r.details().get("cycles")).get(0);
    assertEquals("G-single-item", cycle.get("type"));
    for (Map<String, Object> step : TxnCheckerAssertions.maps(cycle.get("steps"))) {
      assertTrue(Set.of(2L, 3L).containsAll(List.of(step.get("from"), step.get("to"))), step.toString());
      String edge = (String) step.get("edge");
      assertEquals(edge.equals("rw") ? "x" : "y", step.get("key"), step.toString());
      assertTrue(((String) step.get("why")).startsWith("op "), step.toString());
    }
  }
}
