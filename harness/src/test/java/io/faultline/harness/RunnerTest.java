package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.checkers.Validity;
import io.faultline.history.History;
import io.faultline.history.HistoryJson;
import io.faultline.history.Op;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
