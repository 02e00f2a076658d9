package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import io.faultline.raft.Entry;
import io.faultline.raft.RaftRepair;
import io.faultline.raft.Wal;
import io.faultline.raft.WalConfig;
import io.faultline.runtime.EventLoop;
import io.faultline.runtime.FileStorage;
import io.faultline.runtime.RealClock;
import io.faultline.runtime.RealTimers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faultline raft repair} as an operator calls it: exit 0 healthy or repaired, 1 corrupt without --rebuild, 2 bad input. */
class RaftRepairCommandTest {
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

  private String takeOut() {
    String s = out.toString(StandardCharsets.UTF_8);
    out.reset();
    return s;
  }

  private String takeErr() {
    String s = err.toString(StandardCharsets.UTF_8);
    err.reset();
    return s;
  }

  /** A data directory with a WAL of 40 entries, written by the node's own WAL code on real files. */
  private static Path node(Path root) throws Exception {
    Path dir = Files.createDirectories(root.resolve("data"));
    try (EventLoop loop = new EventLoop("wal-writer"); FileStorage files = new FileStorage(dir, loop)) {
      CompletableFuture<Void> durable = new CompletableFuture<>();
      loop.execute(() -> {
        Wal wal = Wal.open(files, new RealTimers(loop, new RealClock()), WalConfig.DEFAULT, line -> { });
        List<Entry> entries = new ArrayList<>();
        for (long i = 1; i <= 40; i++) entries.add(new Entry(1, i, ("value " + i).getBytes(StandardCharsets.UTF_8)));
        wal.append(entries, 38, true, () -> durable.complete(null));
      });
      durable.get(10, TimeUnit.SECONDS);
    }
    return dir;
  }

  /** Flips a byte in the middle of the first segment's records. */
  private static void flipMidLog(Path dir) throws Exception {
    RaftRepair.FileReport seg = RaftRepair.inspect(dir).files().stream().filter(f -> f.kind().equals("wal-segment")).findFirst().orElseThrow();
    Path file = dir.resolve(seg.file());
    byte[] b = Files.readAllBytes(file);
    int at = (int) ((seg.recordsStart() + seg.recordsEnd()) / 2);
    b[at] ^= (byte) 0xFF;
    Files.write(file, b);
  }

  @Test
  void healthy_exits0_corrupt_exits1WithFileOffsetAndCommand_rebuild_exits0(@TempDir Path root) throws Exception {
    Path dir = node(root);
    assertEquals(0, Main.execute("raft", "repair", dir.toString()), takeErr());
    String text = takeOut();
    assertTrue(text.contains("healthy"), text);
    assertTrue(text.contains("entries 1..40"), text);

    flipMidLog(dir);
    assertEquals(1, Main.execute("raft", "repair", dir.toString()), takeErr());
    text = takeOut();
    assertTrue(text.matches("(?s).*wal-\\d{10}-\\d{20}\\.seg +CORRUPT at offset \\d+: .*"), text);
    assertTrue(text.contains("faultline raft repair " + dir + " --rebuild"), text);
    assertTrue(text.contains("nothing changed"), text);

    assertEquals(1, Main.execute("raft", "repair", dir.toString(), "--json"), takeErr());
    @SuppressWarnings("unchecked")
    Map<String, Object> j = (Map<String, Object>) Json.parse(takeOut().trim());
    assertEquals("corrupt", j.get("verdict"));
    assertEquals("corrupt", j.get("outcome"));
    Map<?, ?> damage = (Map<?, ?>) j.get("damage");
    assertTrue(String.valueOf(damage.get("file")).startsWith("wal-"), damage.toString());
    assertTrue(((Long) damage.get("offset")) > 0, damage.toString());
    assertEquals("faultline raft repair " + dir + " --rebuild", j.get("command"));

    assertEquals(0, Main.execute("raft", "repair", dir.toString(), "--rebuild"), takeErr());
    text = takeOut();
    assertTrue(text.contains("rebuilt"), text);
    assertTrue(Files.exists(dir.resolve(RaftRepair.REBUILDING_MARKER)));
    try (var discarded = Files.list(dir)) {
      assertEquals(1, discarded.filter(p -> p.getFileName().toString().startsWith("discarded-")).count());
    }
    assertEquals(0, Main.execute("raft", "repair", dir.toString()), takeErr());
    assertTrue(takeOut().contains("a rebuild is under way"));
  }

  @Test
  void badInput_exits2WithAClearMessage_neverAStackTrace(@TempDir Path root) throws Exception {
    assertEquals(2, Main.execute("raft", "repair", root.resolve("missing").toString()));
    assertEquals("faultline raft repair: no such directory: " + root.resolve("missing") + "\n", takeErr());
    Path empty = Files.createDirectories(root.resolve("empty"));
    assertEquals(2, Main.execute("raft", "repair", empty.toString(), "--rebuild"));
    String e = takeErr();
    assertTrue(e.startsWith("faultline raft repair: not a node data directory: " + empty), e);
    Path nodeDir = root.resolve("n1");
    node(nodeDir);
    assertEquals(2, Main.execute("raft", "repair", nodeDir.toString()));
    assertTrue(takeErr().contains(nodeDir.resolve("data") + " is one: give that"));
    assertEquals(2, Main.execute("raft", "repair"));
    assertTrue(takeErr().contains("Missing required parameter"));
    assertEquals(2, Main.execute("raft"));
    e = takeErr();
    assertTrue(e.contains("repair"), e);
    assertFalse(e.contains("Exception"), e);
  }

  @Test
  void theCorruptNemesis_onASystemItCannotRepair_isRefusedUpFront(@TempDir Path root) {
    assertEquals(2, Main.execute("run", "--system", "ratis", "--nemesis", "corrupt,kill", "--time", "5s", "--out", root.toString(),
        "--no-progress"));
    String e = takeErr();
    assertTrue(e.contains("option --nemesis: 'corrupt' is invalid; expected a system whose nodes can be repaired: [raft]"), e);
  }
}
