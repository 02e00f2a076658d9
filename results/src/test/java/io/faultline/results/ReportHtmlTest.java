package io.faultline.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.checkers.Anomaly;
import io.faultline.checkers.Validity;
import io.faultline.faults.FaultInterval;
import io.faultline.history.History;
import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportHtmlTest {
  private static Op at(Op op, long timeMs) {
    return op.withTime(timeMs * 1_000_000);
  }

  private static History history() {
    Op w = Op.invoke(0, "write", 1L, 3L);
    Op r = Op.invoke(1, "read", 1L, null);
    Op c = Op.invoke(2, "cas", 1L, List.of(3L, 4L));
    return History.of(List.of(
        at(w, 10), at(w.ok(3L), 15),
        at(new Op(-1, -1, Op.NEMESIS, OpType.INFO, "pause", "one", null, null), 100),
        at(new Op(-1, -1, Op.NEMESIS, OpType.INFO, "pause", List.of("n2"), null, null), 101),
        at(r, 200), at(r.ok(1L), 205),
        at(c, 300), at(c.info("timeout"), 2300),
        at(new Op(-1, -1, Op.NEMESIS, OpType.INFO, "resume", "all", null, null), 2400),
        at(new Op(-1, -1, Op.NEMESIS, OpType.INFO, "resume", List.of("n2"), null, null), 2401)));
  }

  private static RunResult result(Validity v, List<Anomaly> anomalies, List<FaultInterval> faults) {
    return result(v, anomalies, faults, List.of());
  }

  private static RunResult result(Validity v, List<Anomaly> anomalies, List<FaultInterval> faults, List<WalSample> walBytes) {
    return new RunResult("ratis", "register", "pause", 7, "./faultline run --system ratis", "abc", v,
        Map.of("ok", 2L, "fail", 0L, "info", 1L), 1.5, Map.of("p50", 5.0, "p99", 2000.0, "max", 2000.0),
        anomalies, faults, java.util.Collections.nCopies(faults.size(), 5_000_000L), walBytes,
        Map.of("bugs", List.of("ratis.stale-read")));
  }

  private static final List<WalSample> WAL = List.of(new WalSample(1_000, 4_194_304), new WalSample(2_001, 8_388_608),
      new WalSample(3_000, 8_388_608));

  @Test
  void resultJson_hasEveryFieldOfTheSchema() throws Exception {
    FaultInterval pause = new FaultInterval("pause", List.of("n2"), 101_000_000, 2_401_000_000L);
    RunResult r = result(Validity.FALSE, List.of(new Anomaly("nonlinearizable", List.of(4L, 5L), "stale read")), List.of(pause));
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse(Json.writePretty(r.toJson()));
    for (String k : List.of("system", "workload", "nemesis", "seed", "command", "git_commit", "valid", "ops", "throughput",
        "latency_ms", "anomalies", "faults")) {
      assertTrue(m.containsKey(k), k);
    }
    assertEquals(Boolean.FALSE, m.get("valid"));
    assertEquals(List.of(Map.of("kind", "pause", "nodes", List.of("n2"), "start_ms", 101L, "end_ms", 2401L, "recovery_ms", 5L)), m.get("faults"));
    assertEquals("unknown", Validity.UNKNOWN.json());
    assertFalse(m.containsKey("wal_bytes"), "left out when the system cannot say");
  }

  @Test
  void walBytes_isWrittenAsPairs_andReadBack() throws Exception {
    RunResult r = result(Validity.TRUE, List.of(), List.of(), WAL);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse(Json.writePretty(r.toJson()));
    assertEquals(List.of(List.of(1_000L, 4_194_304L), List.of(2_001L, 8_388_608L), List.of(3_000L, 8_388_608L)), m.get("wal_bytes"));
    assertEquals(WAL, WalSample.listFromJson(m.get("wal_bytes")));
    assertEquals(List.of(), WalSample.listFromJson(null));
  }

  @Test
  void walBytes_outOfOrderOrMalformed_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> result(Validity.TRUE, List.of(), List.of(), List.of(new WalSample(2_000, 1), new WalSample(1_000, 1))));
    assertThrows(IllegalArgumentException.class, () -> new WalSample(-1, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WalSample.listFromJson(List.of(List.of(1L, 2L), List.of(3L))));
    assertTrue(e.getMessage().contains("wal_bytes[1]"), e.getMessage());
  }

  @Test
  void report_drawsWalBytes_withFaultsShaded_onlyWhenSampled() {
    FaultInterval pause = new FaultInterval("pause", List.of("n2"), 101_000_000, 2_401_000_000L);
    String without = ReportHtml.render(result(Validity.TRUE, List.of(), List.of(pause)), history(), List.of(pause));
    assertFalse(without.contains("WAL bytes"), "no chart without samples");
    String html = ReportHtml.render(result(Validity.TRUE, List.of(), List.of(pause), WAL), history(), List.of(pause));
    int chart = html.indexOf("WAL bytes on disk over time");
    assertTrue(chart > 0, "third chart present");
    String svg = html.substring(chart, html.indexOf("</svg>", chart));
    assertTrue(svg.contains("<rect") && svg.contains("pause n2"), "fault interval shaded on the WAL chart");
    assertTrue(svg.contains("stroke=\"#2a9d8f\""), "the line drawn");
    assertTrue(svg.contains("8.0 MiB"), "y axis labelled in bytes");
    assertTrue(svg.contains("last 8.0 MiB at 3 s"), svg);
  }

  @Test
  void report_isSelfContained_withFaultShadingMarkersAndWitness() {
    FaultInterval pause = new FaultInterval("pause", List.of("n2"), 101_000_000, 2_401_000_000L);
    RunResult r = result(Validity.FALSE, List.of(new Anomaly("nonlinearizable", List.of(4L, 5L), "read <1> was stale")), List.of(pause));
    String html = ReportHtml.render(r, history(), List.of(pause));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertFalse(html.contains("<script"), "no scripts");
    assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"), "no external resources");
    assertTrue(html.contains("<rect"), "fault interval shaded");
    assertTrue(html.contains("fill=\"#ff7f0e\""), "info marker");
    assertTrue(html.contains("witness: op 4"), "witness circled");
    assertTrue(html.contains("read &lt;1&gt; was stale"), "explanation escaped");
  }

  @Test
  void report_drawsEachDependencyCycle_withLabelledEdges() {
    Map<String, Object> cycle = Map.of("type", "G2-item", "steps", List.of(
        Map.of("from", 12L, "to", 40L, "edge", "rw", "key", "x", "why", "T2 did not see T1's append of 3"),
        Map.of("from", 40L, "to", 12L, "edge", "rw", "key", "y", "why", "T1 did not see T2's append of 4")));
    RunResult r = new RunResult("postgres", "list-append", "none", 7, "c", "abc", Validity.FALSE, Map.of(), 0, Map.of(),
        List.of(new Anomaly("G2-item", List.of(12L, 40L), "write skew")), List.of(), List.of(), List.of(),
        Map.of("checkers", Map.of("list-append", Map.of("cycles", List.of(cycle)))));
    String html = ReportHtml.render(r, history(), List.of());
    assertTrue(html.contains("Dependency cycles"));
    assertTrue(html.contains(">op 12<") && html.contains(">op 40<"), "both transactions drawn");
    assertTrue(html.contains(">rw x<") && html.contains(">rw y<"), "edges labelled with type and key");
    assertTrue(html.contains("T2 did not see T1&#39;s append of 3") || html.contains("T2 did not see T1's append of 3"));
  }
}
