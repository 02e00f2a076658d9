package io.faultline.checkers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Assertions shared by the transactional checker tests. */
final class TxnCheckerAssertions {
  private TxnCheckerAssertions() {}

  static void assertValid(CheckResult r) {
    assertEquals(Validity.TRUE, r.valid(), () -> r.toJson().toString());
    assertTrue(r.anomalies().isEmpty(), () -> r.anomalies().toString());
  }

  /** Asserts a false verdict with exactly these anomaly types. */
  static void assertInvalid(CheckResult r, String... types) {
    assertEquals(Validity.FALSE, r.valid(), () -> r.toJson().toString());
    assertEquals(new TreeSet<>(List.of(types)), new TreeSet<>(types(r)), () -> r.toJson().toString());
    assertEquals(new ArrayList<>(new TreeSet<>(List.of(types))), r.details().get("anomaly_types"));
  }

  static List<String> types(CheckResult r) {
    List<String> out = new ArrayList<>();
    for (Anomaly a : r.anomalies()) out.add(a.type());
    return out;
  }

  static Anomaly anomaly(CheckResult r, String type) {
    for (Anomaly a : r.anomalies()) if (a.type().equals(type)) return a;
    return fail("no " + type + " in " + r.toJson());
  }

  /** Asserts the witness is this cycle of op indexes, starting anywhere on it. */
  static void assertCycle(Anomaly a, Long... ops) {
    List<Long> expected = List.of(ops);
    List<Long> got = a.witness();
    assertEquals(expected.size(), got.size(), () -> "witness " + got + " vs " + expected + ": " + a.explanation());
    for (int shift = 0; shift < got.size(); shift++) {
      boolean same = true;
      for (int i = 0; i < got.size() && same; i++) same = got.get((i + shift) % got.size()).equals(expected.get(i));
      if (same) return;
    }
    fail("witness " + got + " is no rotation of " + expected + ": " + a.explanation());
  }

  /** The edge types of the first machine-readable cycle of this type, in order. */
  static List<String> cycleEdges(CheckResult r, String type) {
    for (Map<String, Object> cycle : maps(r.details().get("cycles"))) {
      if (!cycle.get("type").equals(type)) continue;
      List<String> edges = new ArrayList<>();
      for (Map<String, Object> step : maps(cycle.get("steps"))) edges.add((String) step.get("edge"));
      return edges;
    }
    return fail("no " + type + " cycle in " + r.details().get("cycles"));
  }

  /** A details value that is a list of JSON objects. */
  static List<Map<String, Object>> maps(Object list) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> maps = (List<Map<String, Object>>) list;
    return maps;
  }
}
