package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.HistoryFiles;
import io.faultline.history.Json;
import io.faultline.history.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for repair on our Raft as real processes: the {@code corrupt} nemesis (a follower's log gets
 * a byte flipped mid-log; it must refuse to start, naming the repair; {@code faultline raft repair
 * --rebuild} moves its log aside and it catches up from the leader) mixed with kills — linearizable, so
 * no acknowledged write is lost to the discarded log, and the drill really happened: a start refused, a
 * rebuild, the node serving and caught up again, all in result.json.
 */
class RaftRepairIT {
  @Test
  @SuppressWarnings("unchecked")
  void corruptFollowers_refuseToStart_areRebuiltFromTheLeader_andNoAcknowledgedWriteIsLost(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "--system", "raft", "--workload", "register", "--nemesis", "corrupt,kill", "--time", "40s",
        "--seed", "6", "--concurrency", "10", "--out", dir.toString(), "--no-progress");
    Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("result.json")));
    assertEquals(0, code, () -> "result: " + Json.writePretty(r));
    assertEquals(Boolean.TRUE, r.get("valid"));
    assertEquals(0, ProcessHandle.current().descendants().count(), "no node process left behind");

    Map<String, Object> repairs = (Map<String, Object>) r.get("repairs");
    assertTrue(repairs != null, "result.json counts the repairs: " + r.keySet());
    assertTrue((Long) repairs.get("corrupt_faults") >= 1, repairs.toString());
    assertEquals(repairs.get("corrupt_faults"), repairs.get("refused_starts"), "every corrupt node refused to start: " + repairs);
    assertEquals(repairs.get("corrupt_faults"), repairs.get("rebuilds"), "and was rebuilt: " + repairs);
    assertEquals(repairs.get("corrupt_faults"), repairs.get("served_again"), "and served again: " + repairs);
    assertEquals(0L, repairs.get("started_on_corrupt_log"));
    assertTrue(((List<?>) r.get("faults")).stream().anyMatch(f -> "corrupt".equals(((Map<?, ?>) f).get("kind"))), "a corrupt interval");

    History h = HistoryFiles.read(dir.resolve("history.jsonl"));
    Op done = h.ops().stream().filter(o -> o.isNemesis() && !o.isInvoke() && o.f().equals("corrupt")
        && o.value() instanceof Map && ((Map<?, ?>) o.value()).get("offset") != null).findFirst().orElseThrow();
    Map<?, ?> v = (Map<?, ?>) done.value();
    String node = String.valueOf(v.get("node"));
    assertTrue(String.valueOf(v.get("refusal")).contains("faultline raft repair"), "the refusal names the command: " + v);
    Path log = dir.resolve("nodes").resolve(node).resolve("node.log");
    String text = Files.readString(log);
    assertTrue(text.contains(node + " refuses to start") && text.contains("--rebuild"), "the node said why in " + log);
    assertTrue(text.contains(node + " rebuilt: caught up"), "and that it caught up, in " + log);
    try (var files = Files.list(dir.resolve("nodes").resolve(node).resolve("data"))) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("discarded-")), "the damaged log kept as evidence");
    }
  }
}
