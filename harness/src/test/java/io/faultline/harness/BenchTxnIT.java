package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance: {@code faultline bench --workload txn}, short, our Raft beside PostgreSQL: one row per cell, each with committed txns. */
class BenchTxnIT {
  @Test
  void txn_raftVsPostgres_writesARowPerCell(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench");
    int code = Main.execute("bench", "--system", "raft", "--vs", "postgres", "--workload", "txn", "--keys", "2,50", "--processes", "3",
        "--time", "3s", "--warmup", "0s", "--seed", "7", "--out", out.toString());
    Map<?, ?> bench = (Map<?, ?>) Json.parse(Files.readString(out.resolve("bench.json")));
    assertEquals(0, code, () -> "exit 0 when every cell committed txns; bench.json: " + Json.writePretty(bench));
    Map<?, ?> txn = (Map<?, ?>) bench.get("txn");
    assertEquals(List.of("raft", "postgres"), List.copyOf(txn.keySet()));
    for (Object system : txn.keySet()) {
      List<?> rows = (List<?>) txn.get(system);
      assertEquals(2, rows.size(), system + ": a row per cell");
      for (Object o : rows) {
        Map<?, ?> row = (Map<?, ?>) o;
        assertTrue(((Number) row.get("committed_per_s")).doubleValue() > 0, system + ": " + row);
        double conflicts = ((Number) row.get("conflict_rate")).doubleValue();
        assertTrue(conflicts >= 0 && conflicts < 1, system + ": " + row);
        assertTrue(row.get("latency_ms_p99") instanceof Number, system + ": " + row);
      }
    }
    assertTrue(((String) bench.get("command")).contains("--keys 2,50 --processes 3"), (String) bench.get("command"));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
  }
}
