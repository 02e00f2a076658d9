package io.faultline.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.Op;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackupRestoreWorkloadTest {
  @Test
  void writesGoToDistinctKeys_withUniqueValues_andTheFinalReadsCoverEveryKeyHandedOut() {
    Workload w = BackupRestoreWorkload.create(7, 1e9);
    Generator g = w.generator();
    Set<Object> keys = new HashSet<>();
    long now = 0;
    int writes = 0;
    for (int i = 0; i < 1_000 && writes < 100; i++) {
      Step s = g.next(new Context(now, i % 4, i % 4, 4));
      g = s.rest();
      if (s.op() == null) {
        now = Math.max(now + 1, s.waitUntilNs());
        continue;
      }
      Op op = s.op();
      assertEquals("write", op.f());
      assertEquals(op.key(), op.value(), "value n for key n: unique");
      assertTrue(keys.add(op.key()), "each key once: " + op.key());
      writes++;
    }
    assertEquals(100, writes);
    Generator reads = w.finalGenerator();
    Set<Object> read = new HashSet<>();
    for (Step s = reads.next(new Context(now, 0, 0, 1)); !s.isExhausted(); s = s.rest().next(new Context(now, 0, 0, 1))) {
      if (s.op() != null) read.add(s.op().key());
    }
    assertTrue(read.containsAll(keys), "a final read of every key written");
    assertThrows(IllegalArgumentException.class, () -> BackupRestoreWorkload.create(1, 0));
  }
}
