package io.faultline.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryEdnTest {
  @TempDir Path dir;

  private static History edn(String text) throws HistoryFormatException {
    return HistoryEdn.parse(text, "h.edn", HistoryEdn.Keys.AUTO);
  }

  /** Knossos' cas-register style: one map per line, a nemesis, a crashed op. */
  @Test
  void casRegisterHistory_readsOneOpPerLine() throws Exception {
    History h = edn(String.join("\n",
        "{:type :invoke, :f :write, :value 3, :process 0, :time 1530000, :index 0}",
        "{:type :ok, :f :write, :value 3, :process 0, :time 2110000, :index 1}",
        "{:type :invoke, :f :cas, :value [3 4], :process 1, :time 2200000, :index 2}",
        "{:type :info, :f :start, :value nil, :process :nemesis, :time 2300000, :index 3}",
        "{:type :invoke, :f :read, :value nil, :process 2, :time 2400000, :index 4}",
        "{:type :ok, :f :read, :value 3, :process 2, :time 2500000, :index 5}",
        "{:type :info, :f :cas, :value [3 4], :process 1, :time 9000000, :index 6, :error :timeout}",
        ""));
    assertEquals(7, h.size());
    Op cas = h.get(2);
    assertEquals(OpType.INVOKE, cas.type());
    assertEquals("cas", cas.f());
    assertEquals(List.of(3L, 4L), cas.value());
    assertNull(cas.key());
    assertEquals(2200000L, cas.timeNs());
    assertEquals(Op.NEMESIS, h.get(3).process());
    assertEquals("start", h.get(3).f());
    assertNull(h.get(4).value());
    assertEquals("timeout", h.get(6).error());
    assertEquals(6, h.completionOf(2));
    assertEquals(OpType.INFO, h.outcomeOf(2));
  }

  @Test
  void independentHistory_unwrapsTuplesIntoKeys() throws Exception {
    History h = edn(String.join("\n",
        "{:process 0, :type :invoke, :f :write, :value [7 2]}",
        "{:process 0, :type :ok, :f :write, :value [7 2]}",
        "{:process 1, :type :invoke, :f :cas, :value [8 [1 2]]}",
        "{:process 1, :type :fail, :f :cas, :value [8 [1 2]]}",
        "{:process 2, :type :invoke, :f :read, :value [7 nil]}",
        "{:process :nemesis, :type :info, :f :kill, :value [\"n1\"]}",
        "{:process 2, :type :ok, :f :read, :value [7 2]}"));
    assertEquals(7L, h.get(0).key());
    assertEquals(2L, h.get(0).value());
    assertEquals(8L, h.get(2).key());
    assertEquals(List.of(1L, 2L), h.get(2).value());
    assertNull(h.get(4).value());
    assertEquals(List.of("n1"), h.get(5).value(), "nemesis values are never unwrapped");
    assertNull(h.get(5).key());
  }

  @Test
  void plainCasHistory_isNotTakenForIndependent() throws Exception {
    History h = edn("{:process 0 :type :invoke :f :cas :value [1 2]}\n{:process 0 :type :ok :f :cas :value [1 2]}\n");
    assertNull(h.get(0).key());
    assertEquals(List.of(1L, 2L), h.get(0).value());
  }

  @Test
  void listAppendWithTwoOpTransactions_isNotTakenForIndependent() throws Exception {
    History h = edn(String.join("\n",
        "{:process 0 :type :invoke :f :txn :value [[:append 1 2] [:r 3 nil]]}",
        "{:process 0 :type :ok :f :txn :value [[:append 1 2] [:r 3 [1]]]}"));
    assertNull(h.get(0).key());
    assertEquals(List.of(List.of("append", 1L, 2L), java.util.Arrays.asList("r", 3L, null)), h.get(0).value());
  }

  @Test
  void opMapsSpanningLines_reportTheLineOfTheirError() {
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> edn(String.join("\n",
        "[{:process 0",
        "  :type :invoke",
        "  :f :read}",
        " {:process 0",
        "  :type :ok",
        "  :f :read",
        "  :value ##Inf :time ##NaN}]")));
    assertEquals(4, e.line(), "the op starts on line 4");
    assertEquals("time", e.field());
  }

  @Test
  void explicitSwitch_forcesOrRefusesIndependence() throws Exception {
    String text = "{:process 0 :type :invoke :f :cas :value [1 2]}\n{:process 0 :type :ok :f :cas :value [1 2]}\n";
    History forced = HistoryEdn.parse(text, "h.edn", HistoryEdn.Keys.INDEPENDENT);
    assertEquals(1L, forced.get(0).key());
    assertEquals(2L, forced.get(0).value());
    String indep = "{:process 0 :type :invoke :f :write :value [1 2]}\n";
    assertNull(HistoryEdn.parse(indep, "h.edn", HistoryEdn.Keys.PLAIN).get(0).key());
    HistoryFormatException e = assertThrows(HistoryFormatException.class,
        () -> HistoryEdn.parse(indep + "{:process 1 :type :invoke :f :write :value 3}\n", "h.edn", HistoryEdn.Keys.INDEPENDENT));
    assertEquals(2, e.line());
    assertEquals("value", e.field());
  }

  @Test
  void wholeVectorFile_withCommentsDiscardsAndSets() throws Exception {
    History h = edn(String.join("\n",
        "; a Knossos-style test history",
        "[{:process 0, :type :invoke, :f :add, :value 1}",
        " #_{:process 9, :type :invoke, :f :bogus}",
        " {:process 0, :type :ok, :f :add, :value 1} ; trailing comment",
        " {:process 1, :type :invoke, :f :read, :value nil}",
        " {:process 1, :type :ok, :f :read, :value #{1 2},",
        "  :extra {:nested (1 2.5 \"s\\\"q\" true false), \"k\" \\a}}",
        "]"));
    assertEquals(4, h.size());
    assertEquals(List.of(1L, 2L), h.get(3).value());
    assertEquals(1L, h.get(0).value());
    assertEquals("add", h.get(1).f());
  }

  @Test
  void jepsenOpTags_readAsTheirMaps() throws Exception {
    History h = edn(String.join("\n",
        ";; jepsen.history 0.1 style",
        "#jepsen.history.Op{:index 0, :time 100, :type :invoke, :process 0, :f :read, :value nil}",
        "#jepsen.history.Op{:index 1, :time 200, :type :ok, :process 0, :f :read, :value 4,"
            + " :at #inst \"2024-01-01T00:00:00.000-00:00\", :id #uuid \"6f1c5e34-0000-4000-8000-000000000000\"}",
        "#jepsen.history.Op{:index 2, :time 300, :type :info, :process :nemesis, :f :start-partition,"
            + " :value {\"n1\" #{\"n2\" \"n3\"}, :n2 [\"n1\"]}}"));
    assertEquals(3, h.size());
    assertEquals(4L, h.get(1).value());
    assertEquals(200L, h.get(1).timeNs());
    assertEquals(Map.of("n1", List.of("n2", "n3"), "n2", List.of("n1")), h.get(2).value());
  }

  @Test
  void floatsStringsAndBigNumbers_areReadAsPlainValues() throws Exception {
    History h = edn("{:process 0 :type :invoke :f :w :value [1.5 -2 +3 \"x\\ny\" 1e3 42N sym :kw]}");
    assertEquals(List.of(1.5, -2L, 3L, "x\ny", 1000.0, 42L, "sym", "kw"), h.get(0).value());
  }

  @Test
  void malformedSyntax_namesLineAndField() {
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> edn(String.join("\n",
        "{:process 0 :type :invoke :f :write :value 1}",
        "{:process 0 :type :ok :f :write :value [1 2}")));
    assertEquals(2, e.line());
    assertEquals("value", e.field());
    assertTrue(e.getMessage().startsWith("h.edn:2: field 'value'"), e.getMessage());
  }

  @Test
  void badType_namesLineAndField() {
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> edn(String.join("\n",
        "{:process 0 :type :invoke :f :write :value 1}",
        "",
        "{:process 0 :type :done :f :write :value 1}")));
    assertEquals(3, e.line());
    assertEquals("type", e.field());
    assertTrue(e.getMessage().contains("'done'"), e.getMessage());
  }

  @Test
  void missingF_andNonMapOps_areRejected() {
    HistoryFormatException f = assertThrows(HistoryFormatException.class, () -> edn("{:process 0 :type :invoke}"));
    assertEquals("f", f.field());
    assertEquals(1, f.line());
    HistoryFormatException notMap = assertThrows(HistoryFormatException.class, () -> edn("[{:process 0 :type :invoke :f :r}\n 17]"));
    assertEquals(2, notMap.line());
    HistoryFormatException unclosed = assertThrows(HistoryFormatException.class, () -> edn("\n{:process 0 :type :invoke :f \"r}"));
    assertEquals(2, unclosed.line());
    assertEquals("f", unclosed.field());
    HistoryFormatException hugeInt = assertThrows(HistoryFormatException.class, () -> edn("{:process 0 :type :invoke :f :r :time 99999999999999999999}"));
    assertEquals("time", hugeInt.field());
  }

  @Test
  void completionWithoutInvocation_namesItsLine() {
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> edn(String.join("\n",
        "{:process 0 :type :invoke :f :read :value nil}",
        "{:process 0 :type :ok :f :read :value 1}",
        "; nothing for process 1 yet",
        "{:process 1 :type :ok :f :read :value 1}")));
    assertEquals(4, e.line());
    assertEquals("process", e.field());
    assertTrue(e.getMessage().contains("no invocation"), e.getMessage());
  }

  @Test
  void doubleInvocation_namesItsLine() {
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> edn(
        "[{:process 0 :type :invoke :f :read}\n {:process 0 :type :invoke :f :read}]"));
    assertEquals(2, e.line());
  }

  @Test
  void jsonLinesRoundTrip_givesEqualOps() throws Exception {
    List<Op> ops = List.of(
        new Op(0, 1530000, 0, OpType.INVOKE, "write", 3L, 5L, null),
        new Op(1, 2110000, 0, OpType.OK, "write", 3L, 5L, null),
        new Op(2, 2200000, 1, OpType.INVOKE, "cas", List.of(3L, 4L), null, null),
        new Op(3, 9000000, 1, OpType.INFO, "cas", List.of(3L, 4L), null, "timeout"),
        new Op(4, 9100000, Op.NEMESIS, OpType.INFO, "start-partition", Map.of("n1", List.of("n2", "n3")), null, null),
        new Op(5, 9200000, 2, OpType.INVOKE, "read", null, "k", null),
        new Op(6, 9300000, 2, OpType.OK, "read", 2.5, "k", "a \"quoted\"\nerror"));
    StringWriter w = new StringWriter();
    HistoryJson.write(w, ops);
    Path file = dir.resolve("history.jsonl");
    Files.writeString(file, w.toString(), StandardCharsets.UTF_8);
    assertEquals(ops, HistoryJson.read(file).ops());
    assertEquals(ops, HistoryFiles.read(file).ops());
  }

  @Test
  void historyFiles_picksFormatByExtensionThenBySniffing() throws Exception {
    String ednText = "; comment\n{:process 0 :type :invoke :f :read :value nil}\n";
    String jsonText = "# comment\n{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n";
    Path e1 = Files.writeString(dir.resolve("h.edn"), ednText);
    Path e2 = Files.writeString(dir.resolve("history.txt"), "\n  \n" + ednText);
    Path e3 = Files.writeString(dir.resolve("vector"), "[{:process 0 :type :invoke :f :read}]");
    Path j1 = Files.writeString(dir.resolve("h.json"), jsonText);
    Path j2 = Files.writeString(dir.resolve("history"), jsonText);
    for (Path p : List.of(e1, e2, e3)) assertEquals(HistoryFiles.Format.EDN, HistoryFiles.formatOf(p), p.toString());
    for (Path p : List.of(j1, j2)) assertEquals(HistoryFiles.Format.JSON_LINES, HistoryFiles.formatOf(p), p.toString());
    for (Path p : List.of(e1, e2, e3, j1, j2)) assertEquals("read", HistoryFiles.read(p).get(0).f());
    assertEquals(HistoryFiles.Format.EDN, HistoryFiles.sniff("#jepsen.history.Op{:index 0}"));
    assertEquals(HistoryFiles.Format.EDN, HistoryFiles.sniff("{:index 0}"));
  }

  @Test
  void historyFiles_errorsNameTheFile() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.edn"), "{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok}\n");
    HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> HistoryFiles.read(bad));
    assertEquals(bad.toString(), e.source());
    assertEquals(2, e.line());
    assertEquals("f", e.field());
  }
}
