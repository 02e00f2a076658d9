package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.checkers.Validity;
import io.faultline.history.History;
import io.faultline.history.HistoryJson;
import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.results.WalSample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's orchestration, on an in-JVM test double of a system (no processes). */
class RunnerTest {
  private static RunSpec spec(Path out, List<String> nemeses, Set<String> bugs) {
    return new RunSpec("memory", "register", nemeses, "one", 2_000, 6, 42, out, bugs, 3, 400, 100, 200, "uniform");
  }

  private static Runner.Outcome run(RunSpec spec, InMemoryRegisterSystem sut) throws Exception {
    Progress quiet = new Progress(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, true);
    return new Runner(spec, Catalog.parts(spec, sut), quiet).run();
  }

  @Test
  void run_writesEvidence_andRetiresProcessesAfterInfo(@TempDir Path dir) throws Exception {
    InMemoryRegisterSystem sut = new InMemoryRegisterSystem();
    Runner.Outcome o = run(spec(dir, List.of("kill", "pause"), Set.of()), sut);
    assertEquals(Validity.TRUE, o.result().valid(), () -> o.result().toJson().toString());
    for (String f : List.of("spec.json", "history.jsonl", "result.json", "report.html")) assertTrue(Files.exists(dir.resolve(f)), f);

    History onDisk = HistoryJson.read(dir.resolve("history.jsonl"));
    assertEquals(o.history().size(), onDisk.size(), "the file holds the whole history");
    Set<Integer> retired = new HashSet<>();
    long lastTime = -1;
    for (int i = 0; i < onDisk.size(); i++) {
      Op op = onDisk.get(i);
      assertEquals(i, op.index());
      assertTrue(op.timeNs() >= lastTime, "time is monotonic in index order");
      lastTime = op.timeNs();
      if (op.isClient() && op.isInvoke()) assertFalse(retired.contains(op.process()), "a process that ended in info never acts again");
      if (op.isClient() && op.isInfo()) retired.add(op.process());
    }
    assertFalse(retired.isEmpty(), "the double answers info now and then");
    assertTrue(sut.kills.get() + sut.pauses.get() > 0, "the nemesis acted");
    assertTrue(o.history().ops().stream().anyMatch(op -> op.isNemesis() && op.f().equals("start") || op.isNemesis() && op.f().equals("resume")),
        "faults were healed and recorded");
    assertFalse(o.result().faults().isEmpty());
    assertTrue(o.result().ops().get("ok") > 100);
  }

  @Test
  void clusterWithStorageUsage_hasItsWalBytesSampledAboutOnceASecond(@TempDir Path dir) throws Exception {
    AtomicLong calls = new AtomicLong();
    Runner.Outcome o = run(spec(dir, List.of(), Set.of()), new InMemoryRegisterSystem(() -> 1_000 * calls.incrementAndGet()));
    List<WalSample> w = o.result().walBytes();
    // 2 s of workload, 0.4 s quiet, the final reads: about three seconds, so three or four samples.
    assertTrue(w.size() >= 2 && w.size() <= 5, w.toString());
    assertTrue(w.get(0).tMs() < 500, "the first sample comes as the workload starts: " + w);
    for (int i = 1; i < w.size(); i++) {
      long gapMs = w.get(i).tMs() - w.get(i - 1).tMs();
      assertTrue(gapMs >= 900 && gapMs <= 1_500, "about a second apart: " + w);
      assertTrue(w.get(i).bytes() > w.get(i - 1).bytes(), "each sample is a fresh call: " + w);
    }
    long lastOpMs = o.history().get(o.history().size() - 1).timeNs() / 1_000_000;
    assertTrue(w.get(w.size() - 1).tMs() <= lastOpMs + 1_500, "sampled until the run ended: " + w + " last op at " + lastOpMs);
    Map<?, ?> onDisk = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("result.json")));
    assertEquals(w, WalSample.listFromJson(onDisk.get("wal_bytes")), "result.json holds the samples");
    assertTrue(Files.readString(dir.resolve("report.html")).contains("WAL bytes on disk over time"));
    assertFalse(o.result().extra().containsKey("wal_bytes_error"));
  }

  @Test
  void walBytesThatThrow_stopSampling_withTheErrorRecorded_andTheRunGoesOn(@TempDir Path dir) throws Exception {
    AtomicLong calls = new AtomicLong();
    Runner.Outcome o = run(spec(dir, List.of(), Set.of()), new InMemoryRegisterSystem(() -> {
      if (calls.incrementAndGet() >= 2) throw new IllegalStateException("disk gone");
      return 42;
    }));
    assertEquals(Validity.TRUE, o.result().valid());
    assertEquals(List.of(42L), o.result().walBytes().stream().map(WalSample::bytes).toList());
    assertEquals(2, calls.get(), "no sampling after the error");
    assertTrue(String.valueOf(o.result().extra().get("wal_bytes_error")).contains("disk gone"), o.result().extra().toString());
  }

  @Test
  void clusterWithoutStorageUsage_hasNoWalBytes(@TempDir Path dir) throws Exception {
    Runner.Outcome o = run(spec(dir, List.of(), Set.of()), new InMemoryRegisterSystem());
    assertTrue(o.result().walBytes().isEmpty());
    assertFalse(Files.readString(dir.resolve("result.json")).contains("wal_bytes"));
  }

  @Test
  void lostWrites_areCaught_withAWitness(@TempDir Path dir) throws Exception {
    Runner.Outcome o = run(spec(dir, List.of(), Set.of("memory.lost-write")), new InMemoryRegisterSystem());
    assertEquals(Validity.FALSE, o.result().valid());
    assertEquals("nonlinearizable", o.result().anomalies().get(0).type());
    assertFalse(o.result().anomalies().get(0).witness().isEmpty());
  }

  @Test
  void unknownBug_isRefused_namingTheBugsThereAre(@TempDir Path dir) {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Catalog.parts(spec(dir, List.of(), Set.of("memory.nope")), new InMemoryRegisterSystem()));
    assertTrue(e.getMessage().contains("memory.lost-write"), e.getMessage());
  }
}
