package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faultline check} as a user calls it: exit codes and one JSON line per file. */
class CheckCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private static final String GOOD = String.join("\n",
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}",
      "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}",
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}",
      "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":1}", "");
  private static final String STALE_EDN = String.join("\n",
      "; a stale read, Jepsen style",
      "{:process 0, :type :invoke, :f :write, :value 1}",
      "{:process 0, :type :ok, :f :write, :value 1}",
      "{:process 1, :type :invoke, :f :read, :value nil}",
      "{:process 1, :type :ok, :f :read, :value nil}", "");

  @Test
  void validAndInvalidFiles_giveOneLineEach_andExit1(@TempDir Path dir) throws Exception {
    Path good = Files.writeString(dir.resolve("good.jsonl"), GOOD);
    Path bad = Files.writeString(dir.resolve("stale.edn"), STALE_EDN);
    assertEquals(0, Main.execute("check", "--checker", "linearizable", "--model", "cas-register", good.toString()));
    assertEquals(1, Main.execute("check", "--checker", "linearizable", "--model", "cas-register", good.toString(), bad.toString()));
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[2].contains("\"file\":\"" + bad) && lines[2].contains("\"valid\":false") && lines[2].contains("nonlinearizable"), lines[2]);
    assertTrue(lines[1].contains("\"valid\":true") && lines[1].contains("\"ms\":"), lines[1]);
  }

  @Test
  void malformedFile_exits2_namingLineAndField(@TempDir Path dir) throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.jsonl"), GOOD + "{\"process\":2,\"type\":\"maybe\",\"f\":\"read\"}\n");
    assertEquals(2, Main.execute("check", "--model", "cas-register", broken.toString()));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("broken.jsonl:5") && e.contains("'type'"), e);
    assertTrue(!e.contains("\tat "), "no stack trace");
  }

  @Test
  void unknownModel_exits2_listingTheModels(@TempDir Path dir) throws Exception {
    Path good = Files.writeString(dir.resolve("good.jsonl"), GOOD);
    assertEquals(2, Main.execute("check", "--model", "stack", good.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cas-register"));
  }

  /** Write skew: T1 reads y empty and appends x; T2 reads x empty and appends y; both commit. */
  private static final String WRITE_SKEW_EDN = String.join("\n",
      "{:process 0, :type :invoke, :f :txn, :value [[:r :y nil] [:append :x 1]]}",
      "{:process 1, :type :invoke, :f :txn, :value [[:r :x nil] [:append :y 1]]}",
      "{:process 0, :type :ok, :f :txn, :value [[:r :y []] [:append :x 1]]}",
      "{:process 1, :type :ok, :f :txn, :value [[:r :x []] [:append :y 1]]}",
      "{:process 2, :type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]]}",
      "{:process 2, :type :ok, :f :txn, :value [[:r :x [1]] [:r :y [1]]]}", "");

  @Test
  void listAppend_writeSkew_isG2Item_underSerializable_butFineUnderSnapshotIsolation(@TempDir Path dir) throws Exception {
    Path skew = Files.writeString(dir.resolve("skew.edn"), WRITE_SKEW_EDN);
    assertEquals(1, Main.execute("check", "--checker", "list-append", "--consistency-models", "serializable", skew.toString()));
    assertEquals(0, Main.execute("check", "--checker", "list-append", "--consistency-models", "snapshot-isolation", skew.toString()));
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertTrue(lines[0].contains("\"valid\":false") && lines[0].contains("\"anomaly_types\":[\"G2-item\"]")
        && lines[0].contains("\"not\":"), lines[0]);
    assertTrue(lines[1].contains("\"valid\":true"), lines[1]);
  }

  @Test
  void rwRegister_takesElleKeyInferenceFlags(@TempDir Path dir) throws Exception {
    Path h = Files.writeString(dir.resolve("rw.jsonl"), String.join("\n",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",1]]}",
        "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"w\",\"x\",1]]}",
        "{\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",null],[\"w\",\"x\",2]]}",
        "{\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",1],[\"w\",\"x\",2]]}", ""));
    assertEquals(0, Main.execute("check", "--checker", "rw-register", "--wfr-keys", "--sequential-keys", "--linearizable-keys", h.toString()));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"valid\":true"));
  }
}
