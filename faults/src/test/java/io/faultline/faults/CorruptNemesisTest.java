package io.faultline.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import io.faultline.sut.Repairable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptNemesisTest {
  static final int HEADER = 32;
  static final int RECORDS_END = 1032;

  /**
   * A node whose "log" is one file: records in {@code [32, 1032)}. Started on a log that differs from
   * what it wrote, it refuses and exits (unless {@code startsOnCorruptLog}); a rebuild restores the log.
   */
  static final class FakeNode implements Node, Killable, Repairable {
    final String id;
    final Path dir;
    final Path log;
    final byte[] written;
    boolean running = true;
    boolean startsOnCorruptLog;
    boolean unrepairable;
    String refusal;
    int catchingUpPolls;
    final List<String> calls = new ArrayList<>();

    FakeNode(String id, Path root) throws IOException {
      this.id = id;
      this.dir = Files.createDirectories(root.resolve(id));
      this.log = dir.resolve("wal-1.seg");
      written = new byte[RECORDS_END + 500];
      for (int i = HEADER; i < RECORDS_END; i++) written[i] = (byte) (i * 31 + 7);
      Files.write(log, written);
    }

    boolean corrupt() throws IOException { return !Arrays.equals(written, Files.readAllBytes(log)); }

    @Override public String id() { return id; }
    @Override public Path dataDir() { return dir; }
    @Override public boolean isRunning() { return running; }

    @Override
    public void kill() {
      calls.add("kill");
      running = false;
    }

    @Override
    public void start() throws IOException {
      calls.add("start");
      refusal = null;
      if (corrupt() && !startsOnCorruptLog) {
        refusal = id + " refuses to start: log corrupt; to rebuild it from the leader, run: faultline raft repair " + dir + " --rebuild";
        return; // it exited at once
      }
      running = true;
    }

    @Override
    public List<LogRecords> logRecords() { return List.of(new LogRecords(log, HEADER, RECORDS_END)); }

    @Override
    public Optional<String> refusal() { return Optional.ofNullable(refusal); }

    @Override
    public Repair repair(boolean rebuild) throws IOException {
      calls.add("repair " + rebuild);
      if (unrepairable) return new Repair("unrepairable", "hardstate at offset 0: hard state checksum mismatch", List.of(), "repair " + id);
      if (!corrupt()) return new Repair("healthy", null, List.of(), "repair " + id);
      if (!rebuild) return new Repair("corrupt", "wal-1.seg at offset 99: checksum mismatch", List.of(), "repair " + id);
      Files.write(log, written);
      catchingUpPolls = 3;
      return new Repair("rebuilt", "wal-1.seg at offset 99: checksum mismatch", List.of("wrote rebuilding", "moved 1 file"), "repair " + id);
    }

    @Override
    public State state() {
      if (!running) return State.DOWN;
      if (catchingUpPolls > 0) {
        catchingUpPolls--;
        return State.CATCHING_UP;
      }
      return State.SERVING;
    }
  }

  static final class FakeCluster implements Cluster, LeaderAware {
    final List<FakeNode> nodes = new ArrayList<>();

    FakeCluster(Path root) throws IOException {
      for (int i = 1; i <= 3; i++) nodes.add(new FakeNode("n" + i, root));
    }

    @Override public List<Node> nodes() { return List.copyOf(nodes); }
    @Override public Client client(int process) { throw new IllegalStateException("no clients in this test"); }
    @Override public void close() {}
    @Override public Optional<String> leader() { return Optional.of("n1"); }
  }

  static Op corrupt(CorruptNemesis n) {
    return n.invoke(Op.invoke(Op.NEMESIS, CorruptNemesis.FUNCTION, null, null));
  }

  @Test
  void corrupt_flipsAFollowersLogMidway_seesItRefuse_rebuildsIt_andItServesAgain(@TempDir Path root) throws IOException {
    FakeCluster c = new FakeCluster(root);
    Op done = corrupt(new CorruptNemesis(c, 42, 1, 1000));
    assertTrue(done.isInfo());
    assertNull(done.error(), done.toString());
    Map<?, ?> v = (Map<?, ?>) done.value();
    assertNotEquals("n1", v.get("node"), "never the leader");
    FakeNode node = c.nodes.stream().filter(n -> n.id.equals(v.get("node"))).findFirst().orElseThrow();
    long offset = (Long) v.get("offset");
    assertTrue(offset >= HEADER + (RECORDS_END - HEADER) / 4 && offset < HEADER + 3 * (RECORDS_END - HEADER) / 4, "mid-log: " + offset);
    List<?> bytes = (List<?>) v.get("byte");
    assertEquals(((Long) bytes.get(0)) ^ 0xff, (long) (Long) bytes.get(1));
    assertEquals("wal-1.seg", v.get("file"));
    assertEquals(Boolean.TRUE, v.get("refused"));
    assertTrue(String.valueOf(v.get("refusal")).contains("faultline raft repair"), String.valueOf(v.get("refusal")));
    assertEquals("rebuilt", ((Map<?, ?>) v.get("repair")).get("outcome"));
    List<Object> steps = new ArrayList<>();
    for (Object s : (List<?>) v.get("steps")) steps.add(((Map<?, ?>) s).get("step"));
    assertEquals(List.of("kill", "flip", "start", "refused", "repair", "start", "serving", "caught-up"), steps);
    assertEquals("serving", v.get("state"));
    assertEquals(List.of("kill", "start", "repair true", "start"), node.calls);
    assertTrue(node.running);
    assertFalse(node.corrupt());
    assertTrue(c.nodes.get(0).calls.isEmpty(), "the leader is left alone");
  }

  @Test
  void theSameSeed_damagesTheSameFollowerAtTheSameOffset(@TempDir Path root) throws IOException {
    Map<?, ?> first = (Map<?, ?>) corrupt(new CorruptNemesis(new FakeCluster(root.resolve("a")), 7, 1, 1000)).value();
    Map<?, ?> second = (Map<?, ?>) corrupt(new CorruptNemesis(new FakeCluster(root.resolve("b")), 7, 1, 1000)).value();
    assertEquals(first.get("node"), second.get("node"));
    assertEquals(first.get("offset"), second.get("offset"));
  }

  @Test
  void aNodeThatStartsOnACorruptLog_isReported(@TempDir Path root) throws IOException {
    FakeCluster c = new FakeCluster(root);
    for (FakeNode n : c.nodes) n.startsOnCorruptLog = true;
    Op done = corrupt(new CorruptNemesis(c, 42, 1, 1000));
    assertTrue(String.valueOf(done.error()).contains("started on a corrupt log"), String.valueOf(done.error()));
    assertEquals(Boolean.FALSE, ((Map<?, ?>) done.value()).get("refused"));
  }

  @Test
  void aNodeTheRepairCannotFix_isLeftDown_forTheHeal(@TempDir Path root) throws IOException {
    FakeCluster c = new FakeCluster(root);
    CorruptNemesis n = new CorruptNemesis(c, 42, 1, 1000);
    FakeNode stuck = c.nodes.get(2);
    stuck.unrepairable = true;
    Op bad = n.invoke(Op.invoke(Op.NEMESIS, CorruptNemesis.FUNCTION, null, stuck.id));
    assertTrue(String.valueOf(bad.error()).contains("unrepairable"), String.valueOf(bad.error()));
    assertFalse(stuck.running, "left down: started, it would only refuse again");
    assertEquals(List.of(CorruptNemesis.REPAIR), n.healOps().stream().map(Op::f).toList());
    assertEquals(List.of("n3"), n.healOps().get(0).value());
    stuck.unrepairable = false; // say, an operator replaced its hard state
    Op healed = n.invoke(n.healOps().get(0));
    assertNull(healed.error(), healed.toString());
    assertTrue(stuck.running);
    assertTrue(n.healOps().isEmpty());
  }

  @Test
  void aClusterWithoutTheAbility_getsAnInfoSayingSo() {
    Cluster plain = new Cluster() {
      @Override public List<Node> nodes() { return List.of(); }
      @Override public Client client(int process) { throw new IllegalStateException("no clients in this test"); }
      @Override public void close() {}
    };
    Op done = corrupt(new CorruptNemesis(plain, 1));
    assertTrue(done.isInfo());
    assertTrue(String.valueOf(done.error()).contains("Repairable"), String.valueOf(done.error()));
  }

  @Test
  void theHistory_showsACorruptInterval_andResultCountsTheRepairs(@TempDir Path root) throws IOException {
    FakeCluster c = new FakeCluster(root);
    CorruptNemesis n = new CorruptNemesis(c, 42, 1, 1000);
    Op invoke = Op.invoke(Op.NEMESIS, CorruptNemesis.FUNCTION, null, null);
    Op done = n.invoke(invoke);
    History h = History.of(List.of(invoke.withIndex(0).withTime(1_000_000), done.withIndex(1).withTime(9_000_000)));
    List<FaultInterval> intervals = FaultIntervals.from(h);
    assertEquals(1, intervals.size());
    assertEquals("corrupt", intervals.get(0).kind());
    assertEquals(List.of(String.valueOf(((Map<?, ?>) done.value()).get("node"))), intervals.get(0).nodes());
    assertEquals(1_000_000, intervals.get(0).startNs());
    assertEquals(9_000_000, intervals.get(0).endNs());
    Map<String, Object> s = CorruptNemesis.summary(h);
    assertEquals(1L, s.get("corrupt_faults"));
    assertEquals(1L, s.get("refused_starts"));
    assertEquals(1L, s.get("rebuilds"));
    assertEquals(2L, s.get("repair_actions"));
    assertEquals(1L, s.get("served_again"));
    assertEquals(1L, s.get("caught_up"));
    assertTrue(CorruptNemesis.summary(History.of(List.of())).isEmpty());
  }

  @Test
  void theSchedule_drawsCorruptAsAProcessFault_withoutAHeal() {
    List<ScheduledFault> s = FaultSchedule.generate(List.of(CorruptNemesis.FUNCTION), "one", 1_000, 5_000, 3);
    assertFalse(s.isEmpty());
    for (ScheduledFault f : s) {
      assertEquals(CorruptNemesis.FUNCTION, f.op().f());
      assertNull(f.op().value());
    }
    assertTrue(FaultSchedule.names().contains(CorruptNemesis.FUNCTION));
  }
}
