package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faultline bench} flags as a user types them: bad input is one line and exit 2, before any cluster starts. */
class BenchCommandTest {
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

  private int bench(Path dir, String... flags) {
    List<String> args = new ArrayList<>(List.of("bench"));
    args.addAll(List.of(flags));
    args.addAll(List.of("--out", dir.resolve("bench").toString()));
    return Main.execute(args.toArray(new String[0]));
  }

  private String errText() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void otherWorkloads_areRefused_withTheListOfBenchWorkloads(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--workload", "register"));
    assertTrue(errText().contains("--workload") && errText().contains("'register'") && errText().contains("write"), errText());
    assertEquals(1, errText().strip().lines().count(), "one line: " + errText());
  }

  @Test
  void unknownOrRepeatedSystems_areRefused(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "nosuch"));
    assertTrue(errText().contains("--system") && errText().contains("nosuch") && errText().contains("ratis"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--vs", "etcd"));
    assertTrue(errText().contains("--vs") && errText().contains("etcd"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--vs", "raft"));
    assertEquals(2, bench(dir, "--vs", "ratis"), "--system is required");
  }

  @Test
  void aSystemWithoutKeyValueWrites_isRefused_beforeAnythingStarts(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--vs", "postgres", "--kills", "0"));
    assertTrue(errText().contains("--vs") && errText().contains("postgres") && errText().contains("write workload"), errText());
    assertTrue(Files.notExists(dir.resolve("bench").resolve("raft")), "no cluster started");
  }

  @Test
  void badNumbersAndDurations_areRefused_namingTheOption(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--time", "soon"));
    assertTrue(errText().contains("--time") && errText().contains("soon"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--time", "0s"));
    assertEquals(2, bench(dir, "--system", "raft", "--warmup", "2d"));
    assertEquals(2, bench(dir, "--system", "raft", "--concurrency", "0"));
    assertTrue(errText().contains("--concurrency"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--concurrency", "many"));
    assertEquals(2, bench(dir, "--system", "raft", "--kills", "-1"));
    assertEquals(2, bench(dir, "--system", "raft", "--nodes", "2"));
    assertTrue(errText().contains("--nodes") && errText().contains("majority"), errText());
    assertEquals(2, bench(dir, "--system", "raft", "--nodes", "10", "--kills", "0"));
    assertEquals(2, bench(dir, "--system", "raft", "--seed", "x"));
  }

  @Test
  void refusedInput_startsNothing_andWritesNothing(@TempDir Path dir) {
    assertEquals(2, bench(dir, "--system", "raft", "--vs", "ratis", "--workload", "cas"));
    assertTrue(Files.notExists(dir.resolve("bench")), "no bench directory for refused input");
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process started");
  }

  @Test
  void theCommandLine_runsTheSameBenchAgain() {
    BenchSpec spec = new BenchSpec("raft", "ratis", "write", 30_000, 5_000, 16, 30, 42, 3, Path.of("/tmp/b"));
    assertEquals("./faultline bench --system raft --vs ratis --workload write --time 30s --warmup 5s --concurrency 16"
        + " --kills 30 --nodes 3 --seed 42 --out /tmp/b", spec.command());
    assertEquals(List.of("raft", "ratis"), spec.systems());
  }

  @Test
  void percentiles_areNearestRank_andRatiosOursOverTheirs() {
    long[] ns = new long[100];
    for (int i = 0; i < 100; i++) ns[i] = (i + 1) * 1_000_000L;
    assertEquals(50.0, BenchSamples.percentileMs(ns, 50));
    assertEquals(99.0, BenchSamples.percentileMs(ns, 99));
    assertEquals(100.0, BenchSamples.percentileMs(ns, 100));
    assertEquals(7.0, BenchSamples.percentileMs(new long[] {7_000_000L}, 99));
    assertNull(BenchSamples.percentileMs(new long[0], 50));
    assertEquals(0.5, BenchReport.ratio(1.0, 2.0));
    assertNull(BenchReport.ratio(1.0, 0.0));
    assertNull(BenchReport.ratio(null, 2.0));
  }

  @Test
  void samples_pastTheBound_areCountedNotKept() {
    BenchSamples s = new BenchSamples(3);
    for (long v = 5; v >= 1; v--) s.add(v);
    assertEquals(3, s.size());
    assertEquals(2, s.dropped());
    long[] sorted = BenchSamples.sortedUnion(List.of(s));
    assertEquals(List.of(3L, 4L, 5L), List.of(sorted[0], sorted[1], sorted[2]));
  }

  @Test
  void values_areHundredAsciiBytes_andTheSameForTheSameSeed() {
    String[] a = BenchRun.values(new SplittableRandom(9), 4);
    String[] b = BenchRun.values(new SplittableRandom(9), 4);
    assertEquals(List.of(a), List.of(b));
    for (String v : a) {
      assertEquals(BenchRun.VALUE_BYTES, v.getBytes(StandardCharsets.UTF_8).length);
      assertTrue(v.matches("[a-z0-9]+"), v);
    }
    for (long k : BenchRun.keys(new SplittableRandom(9), 1_000)) assertTrue(k >= 0 && k < BenchRun.KEY_SPACE);
  }
}
