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

/**
 * {@code faultline raft backup | restore | force-new-cluster} given bad input: exit 2, one line on
 * stderr naming the file or flag, no stack trace. (What they do on real nodes: RaftBackupTest,
 * RaftBackupIT, RaftQuorumLossIT.)
 */
class RaftBackupCommandTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldErr;
  private PrintStream oldOut;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    oldOut = System.out;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
    System.setOut(oldOut);
  }

  private void assertBadInput(String naming, String... args) {
    err.reset();
    assertEquals(Main.EXIT_ERROR, Main.execute(args), String.join(" ", args));
    String e = err.toString(StandardCharsets.UTF_8).strip();
    assertTrue(e.contains(naming), "names " + naming + ": " + e);
    assertTrue(!e.contains("\tat ") && !e.contains("Exception"), "no stack trace: " + e);
  }

  @Test
  void badInput_exits2_withOneLineNamingTheFileOrFlag(@TempDir Path dir) throws Exception {
    assertBadInput("--node", "raft", "backup", "--out", dir.resolve("b").toString());
    assertBadInput("--node", "raft", "backup", "--node", "not-an-address", "--out", dir.resolve("b").toString());
    assertBadInput("manifest.json", "raft", "backup", "verify", dir.toString());
    assertBadInput("manifest.json", "raft", "restore", dir.resolve("nothing").toString(), "--data-dir", dir.resolve("d").toString(),
        "--node", "n1", "--cluster-id", "new");
    Files.writeString(dir.resolve("manifest.json"), "{\"format\":\"faultline-raft-backup\",\"node\":7}");
    assertBadInput("manifest.json: field", "raft", "restore", dir.toString(), "--data-dir", dir.resolve("d").toString(), "--node", "n1",
        "--cluster-id", "new");
    assertBadInput("cluster id", "raft", "restore", dir.toString(), "--data-dir", dir.resolve("d").toString(), "--node", "n1",
        "--cluster-id", "bad id!");
    assertBadInput("not a node data directory", "raft", "force-new-cluster", dir.toString(), "--node", "n1");
    assertBadInput("node name", "raft", "force-new-cluster", dir.toString(), "--node", "x1");
  }
}
