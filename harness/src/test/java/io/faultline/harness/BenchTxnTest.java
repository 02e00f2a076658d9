package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faultline bench --workload txn}: its grid flags, refusals before anything starts, and the figures' arithmetic. */
class BenchTxnTest {
  private static Object[] bench(Path dir, String... flags) {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      String[] args = new String[flags.length + 3];
      args[0] = "bench";
      System.arraycopy(flags, 0, args, 1, flags.length);
      args[flags.length + 1] = "--out";
      args[flags.length + 2] = dir.resolve("bench").toString();
      return new Object[] {Main.execute(args), err.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(oldErr);
    }
  }

  @Test
  void gridsParse_andBadOnesNameTheFlag() {
    assertEquals(List.of(2, 10, 100), BenchTxn.parseGrid("--keys", BenchTxn.KEYS_DEFAULT, 10_000));
    for (String bad : new String[] {"", "0", "1,,2", "x", "5,20000", "1,2,3,4,5,6,7,8,9"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchTxn.parseGrid("--keys", bad, 10_000), bad);
      assertTrue(e.getMessage().startsWith("option --keys"), e.getMessage());
    }
  }

  @Test
  void badFlagsAndSystemsWithoutTransactions_exit2_beforeAnythingStarts(@TempDir Path dir) {
    Object[] r = bench(dir, "--system", "raft", "--workload", "txn", "--keys", "many");
    assertEquals(2, r[0]);
    assertTrue(((String) r[1]).contains("--keys") && ((String) r[1]).contains("many"), (String) r[1]);
    r = bench(dir, "--system", "raft", "--vs", "ratis", "--workload", "txn");
    assertEquals(2, r[0]);
    assertTrue(((String) r[1]).contains("--vs") && ((String) r[1]).contains("ratis"), (String) r[1]);
    assertTrue(Files.notExists(dir.resolve("bench")), "nothing written for refused input");
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process started");
  }

  @Test
  void figures_committedPerSecondConflictRateAndPercentiles() {
    BenchTxn.Row r = new BenchTxn.Row(2, 4, 300, 100, 2, 10.0, new long[] {1_000_000, 2_000_000, 3_000_000, 40_000_000});
    assertEquals(30.0, r.committedPerS());
    assertEquals(0.25, r.conflictRate());
    assertEquals(2.0, BenchTxn.percentileMs(r.latenciesNs(), 50));
    assertEquals(40.0, BenchTxn.percentileMs(r.latenciesNs(), 99));
    assertNull(BenchTxn.percentileMs(new long[0], 50));
    assertTrue(BenchTxn.table(java.util.Map.of("raft", List.of(r))).contains("0.250"));
  }
}
