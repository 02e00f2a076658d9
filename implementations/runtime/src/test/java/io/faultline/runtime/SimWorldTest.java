package io.faultline.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimWorldTest {
  static final SimWorld.NetworkConfig NOISY = new SimWorld.NetworkConfig(0.1, 0.1, 1_000, 5_000_000, 0.05, 50_000_000);
  static final SimWorld.DiskConfig DISK = new SimWorld.DiskConfig(1_000, 100_000, 0, 0, 0);
  static final SimWorld.ClockConfig CLOCK = new SimWorld.ClockConfig(1.0, 0);

  /** Two nodes ping-pong a counter; returns the trace. */
  private static List<String> pingPong(long seed) {
    SimWorld<Long> w = new SimWorld<>(seed, NOISY);
    List<String> trace = new ArrayList<>();
    w.setTrace(trace::add, String::valueOf);
    for (String name : List.of("a", "b")) {
      w.addNode(name, CLOCK, DISK, env -> {
        env.transport().setHandler((from, m) -> {
          if (m < 200) env.transport().send(from, m + 1);
        });
        env.timers().schedule(1_000_000, () -> {
          for (int i = 0; i < 5; i++) env.transport().send(name.equals("a") ? "b" : "a", env.random().nextLong() & 0xff);
        });
      });
    }
    while (w.step()) { }
    return trace;
  }

  @Test
  void sameSeedSameRunDifferentSeedDifferentRun() {
    assertEquals(pingPong(42), pingPong(42));
    assertTrue(!pingPong(42).equals(pingPong(43)));
  }

  @Test
  void onlySyncedBytesOfDurablyCreatedFilesSurviveACrash() {
    SimWorld<String> w = new SimWorld<>(1, NOISY);
    List<Env<String>> envs = new ArrayList<>();
    w.addNode("n", CLOCK, DISK, envs::add);
    Env<String> e = envs.get(0);
    e.storage().append("log", new byte[] {1, 2});
    e.storage().append("lost", new byte[] {9});
    e.storage().fsyncDirectory(() -> { });
    while (w.step()) { }
    e.storage().append("log", new byte[] {3});
    boolean[] done = {false};
    e.storage().fsync("log", () -> done[0] = true);
    while (w.step()) { }
    assertTrue(done[0]);
    e.storage().append("log", new byte[] {4});
    e.storage().append("new", new byte[] {5});
    w.crash("n");
    w.restart("n");
    Env<String> after = envs.get(1);
    assertArrayEquals(new byte[] {1, 2, 3}, after.storage().read("log"), "unsynced append lost (torn probability 0)");
    assertArrayEquals(new byte[0], after.storage().read("lost"), "created durably, never synced: empty");
    assertNull(after.storage().read("new"), "created after the directory fsync: gone");
  }

  @Test
  void fsyncCompletionDiesWithTheNode() {
    SimWorld<String> w = new SimWorld<>(1, NOISY);
    List<Env<String>> envs = new ArrayList<>();
    w.addNode("n", CLOCK, DISK, envs::add);
    boolean[] done = {false};
    envs.get(0).storage().append("f", new byte[] {1});
    envs.get(0).storage().fsync("f", () -> done[0] = true);
    w.crash("n");
    while (w.step()) { }
    assertTrue(!done[0]);
  }

  @Test
  void slowClockFiresTimersLater() {
    SimWorld<String> w = new SimWorld<>(1, NOISY);
    long[] firedAt = {-1};
    w.addNode("slow", new SimWorld.ClockConfig(0.5, 0), DISK, env -> env.timers().schedule(10_000_000, () -> firedAt[0] = w.nowNs()));
    while (w.step()) { }
    assertEquals(20_000_000, firedAt[0]);
  }

  @Test
  void blockedLinkDropsMessagesInFlight() {
    SimWorld<String> w = new SimWorld<>(3, new SimWorld.NetworkConfig(0, 0, 1_000_000, 1_000_000, 0, 1_000_000));
    List<String> got = new ArrayList<>();
    List<Env<String>> envs = new ArrayList<>();
    w.addNode("a", CLOCK, DISK, envs::add);
    w.addNode("b", CLOCK, DISK, env -> env.transport().setHandler((from, m) -> got.add(m)));
    envs.get(0).transport().send("b", "x");
    w.block("a", "b");
    while (w.step()) { }
    w.unblock("a", "b");
    envs.get(0).transport().send("b", "y");
    while (w.step()) { }
    assertEquals(List.of("y"), got);
  }

  @Test
  void renamesAndDeletesAreUndoneByACrashUntilTheDirectoryIsSynced() {
    SimWorld<String> w = new SimWorld<>(1, NOISY);
    List<Env<String>> envs = new ArrayList<>();
    w.addNode("n", CLOCK, DISK, envs::add);
    Storage s = envs.get(0).storage();
    s.write("state", 0, new byte[] {1});
    s.fsync("state", () -> { });
    s.fsyncDirectory(() -> { });
    while (w.step()) { }
    s.write("state.tmp", 0, new byte[] {2});
    s.fsync("state.tmp", () -> s.rename("state.tmp", "state"));
    s.append("gone", new byte[] {3});
    s.fsyncDirectory(() -> { });
    while (w.step()) { }
    assertArrayEquals(new byte[] {2}, s.read("state"));
    s.delete("gone");
    w.crash("n");
    w.restart("n");
    Storage after = envs.get(1).storage();
    assertArrayEquals(new byte[] {1}, after.read("state"), "the rename was not directory-synced: undone");
    assertArrayEquals(new byte[] {2}, after.read("state.tmp"), "its source was, with its synced content");
    assertArrayEquals(new byte[0], after.read("gone"), "the delete was not directory-synced: undone");
  }

  @Test
  void aCrashKeepsAPrefixOfUnsyncedOverwrites_inOrder() {
    SimWorld<String> w = new SimWorld<>(5, NOISY);
    List<Env<String>> envs = new ArrayList<>();
    w.addNode("n", CLOCK, new SimWorld.DiskConfig(1_000, 100_000, 0, 0, 1.0), envs::add);
    Storage s = envs.get(0).storage();
    s.write("f", 0, new byte[8]);
    s.fsync("f", () -> { });
    s.fsyncDirectory(() -> { });
    while (w.step()) { }
    s.write("f", 0, new byte[] {1, 1, 1, 1});
    s.write("f", 4, new byte[] {2, 2, 2, 2});
    assertEquals(8, s.size("f"));
    w.crash("n");
    w.restart("n");
    byte[] got = envs.get(1).storage().read("f");
    assertEquals(8, got.length);
    int written = 0;
    while (written < 8 && got[written] != 0) written++;
    for (int i = written; i < 8; i++) assertEquals(0, got[i], "a prefix: nothing after the first unwritten byte");
    for (int i = 0; i < written; i++) assertEquals(i < 4 ? 1 : 2, got[i]);
  }
}
