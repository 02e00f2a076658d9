package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot benchmarks' flags as a user types them: bad input is one line and exit 2, before any cluster starts. */
class BenchSnapshotsTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
  }

  private int bench(Path dir, String... flags) {
    List<String> args = new ArrayList<>(List.of("bench"));
    args.addAll(List.of(flags));
    args.addAll(List.of("--out", dir.resolve("bench").toString()));
    return Main.execute(args.toArray(new String[0]));
  }

  private String errText() { return err.toString(StandardCharsets.UTF_8); }

  @Test
  void badIntervals_areRefused_namingTheFlag(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "recovery", "--intervals", "abc"));
    assertTrue(errText().contains("--intervals") && errText().contains("'abc'"), errText());
    assertEquals(1, errText().strip().lines().count(), "one line: " + errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "recovery", "--intervals", "1000,-5"));
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "recovery", "--intervals", ""));
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "recovery", "--intervals", "1,,2"));
    assertTrue(Files.notExists(dir.resolve("bench")), "no bench directory for refused input");
  }

  @Test
  void badDownStateBytesAndSegments_areRefused_namingTheFlag(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--down", "soon"));
    assertTrue(errText().contains("--down"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--down", "0s"));
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--state-bytes", "lots"));
    assertTrue(errText().contains("--state-bytes") && errText().contains("lots"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--state-bytes", "5GB"));
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--snapshot-entries", "-2"));
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "recovery", "--wal-segment-bytes", "100"));
    assertTrue(errText().contains("--wal-segment-bytes"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--node-heap-mb", "64"));
    assertTrue(errText().contains("--node-heap-mb") && errText().contains("'64'"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--rounds", "0"));
    assertTrue(errText().contains("--rounds") && errText().contains("'0'"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "catch-up", "--snapshot-format", "zip"));
    assertTrue(errText().contains("--snapshot-format") && errText().contains("'zip'") && errText().contains("incremental"), errText());
    assertTrue(Files.notExists(dir.resolve("bench")), "no bench directory for refused input");
  }

  @Test
  void systemsThatCannotSayHowFarANodeIs_areRefused(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--vs", "postgres", "--workload", "catch-up"));
    assertTrue(errText().contains("--vs") && errText().contains("postgres"), errText());
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process started");
  }

  @Test
  void sizesAndIntervals_parseAsWritten() {
    assertEquals(List.of(1000L, 10000L, 100000L, 0L), BenchSnapshotSpec.parseIntervals(BenchSnapshotSpec.INTERVALS_DEFAULT));
    assertEquals(100_000_000L, BenchSnapshotSpec.parseBytes("--state-bytes", "100MB"));
    assertEquals(1L << 30, BenchSnapshotSpec.parseBytes("--state-bytes", "1GiB"));
    assertEquals(1_000_000_000L, BenchSnapshotSpec.parseBytes("--state-bytes", "1GB"));
    assertEquals(12L, BenchSnapshotSpec.parseBytes("--state-bytes", "12"));
    assertThrows(IllegalArgumentException.class, () -> BenchSnapshotSpec.parseBytes("--state-bytes", "1TB"));
  }

  @Test
  void theCommandLine_carriesTheSnapshotFlags() {
    BenchSnapshotSpec snap = new BenchSnapshotSpec(List.of(1000L, 0L), 60_000, 100_000_000, -1, -1, -1);
    assertEquals(" --intervals 1000,0", snap.flags("recovery"));
    assertEquals(" --down 1m --state-bytes 100000000", snap.flags("catch-up"));
    BenchSnapshotSpec rounds = new BenchSnapshotSpec(List.of(1000L), 20_000, 0, -1, -1, 1536, 2, "checkpoint");
    assertEquals(" --down 20s --node-heap-mb 1536 --rounds 2 --snapshot-format checkpoint", rounds.flags("catch-up"));
  }

  @Test
  void prometheusText_isReadForTheNamesAsked() {
    String text = "# HELP raft_snapshots_installed x\n# TYPE raft_snapshots_installed gauge\n"
        + "raft_snapshots_installed{node=\"n1\"} 2.0\nraft_snapshot_last_bytes{node=\"n1\"} 1.5E7\nraft_term{node=\"n1\"} 3.0\n";
    Map<String, Double> m = RaftReplicaWatch.parseMetrics(text, Set.of("raft_snapshots_installed", "raft_snapshot_last_bytes"));
    assertEquals(Map.of("raft_snapshots_installed", 2.0, "raft_snapshot_last_bytes", 1.5e7), m);
  }
}
