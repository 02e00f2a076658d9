package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for membership changes and leader transfers on our Raft as real processes, and on Apache
 * Ratis beside it: the
 * {@code membership} nemesis (two spare nodes deployed; adds, removes and replaces by joint
 * consensus) mixed with partitions and kills, and {@code transfer-leader} mixed with pauses, each
 * linearizable — so no acknowledged write is lost across a change, and reads right after a transfer
 * are not stale. The changes must really happen: the history shows them done.
 */
class RaftMembershipIT {
  @SuppressWarnings("unchecked")
  private static Map<String, Object> run(Path dir, String system, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--system", system, "--workload", "register", "--concurrency", "10",
        "--out", dir.toString(), "--no-progress", "--time", "30s", "--nemesis-interval", "3s"));
    a.addAll(List.of(args));
    int code = Main.execute(a.toArray(new String[0]));
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
    assertEquals(0, code, () -> "result: " + Json.writePretty(r));
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");
    return r;
  }

  private static Set<String> kinds(Map<String, Object> r) {
    Set<String> kinds = new TreeSet<>();
    for (Object f : (List<?>) r.get("faults")) kinds.add(String.valueOf(((Map<?, ?>) f).get("kind")));
    return kinds;
  }

  @Test
  void membershipChanges_withPartitionsAndKills_stayLinearizable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "raft", "--nemesis", "membership,partition,kill", "--seed", "3");
    Set<String> kinds = kinds(r);
    assertTrue(kinds.stream().anyMatch(k -> k.startsWith("membership-")), "membership changes done: " + kinds);
    assertTrue(r.get("command").toString().contains("--nemesis membership,partition,kill"), r.get("command").toString());
  }

  @Test
  void leaderTransfers_withPauses_stayLinearizable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "raft", "--nemesis", "transfer-leader,pause", "--seed", "5");
    Set<String> kinds = kinds(r);
    assertTrue(kinds.contains("transfer-leader"), "transfers done: " + kinds);
  }

  /** The same nemeses on Apache Ratis, side by side: {@code setConfiguration} (the list overload) and {@code transferLeadership}. */
  @Test
  void ratis_membershipChanges_withPartitionsAndKills_stayLinearizable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "ratis", "--nemesis", "membership,partition,kill", "--seed", "3");
    Set<String> kinds = kinds(r);
    assertTrue(kinds.stream().anyMatch(k -> k.startsWith("membership-")), "membership changes done: " + kinds);
  }

  @Test
  void ratis_leaderTransfers_withPauses_stayLinearizable(@TempDir Path dir) throws Exception {
    Map<String, Object> r = run(dir, "ratis", "--nemesis", "transfer-leader,pause", "--seed", "5");
    assertTrue(kinds(r).contains("transfer-leader"), "transfers done: " + kinds(r));
  }

  @Test
  void membership_onASystemWithoutSpareNodes_isRefusedUpFront(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "--system", "postgres", "--workload", "list-append", "--nemesis", "membership", "--time", "5s", "--out", dir.toString(), "--no-progress");
    assertEquals(2, code);
  }
}
