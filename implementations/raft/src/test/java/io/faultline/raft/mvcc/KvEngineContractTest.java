package io.faultline.raft.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KvEngineContractTest {
  @TempDir Path dir;

  private static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

  private static List<String> keys(KvEngine e, byte[] from, byte[] to, int max) {
    List<String> out = new ArrayList<>();
    e.scan(from, to, (k, v) -> {
      out.add(new String(k, StandardCharsets.ISO_8859_1) + "=" + new String(v, StandardCharsets.ISO_8859_1));
      return out.size() < max;
    });
    return out;
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void batchPutsAndDeletesInOrder_laterMutationOfAKeyWins(EngineType type) {
    try (KvEngine e = type.open(dir)) {
      e.write(new KvBatch().put(b("a"), b("1")).put(b("b"), b("2")).delete(b("a")).put(b("c"), b("3")).put(b("c"), b("4")));
      assertNull(e.get(b("a")));
      assertArrayEquals(b("2"), e.get(b("b")));
      assertArrayEquals(b("4"), e.get(b("c")));
    }
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void scanIsInUnsignedByteOrder_withinBounds_andStopsWhenTheVisitorSays(EngineType type) {
    try (KvEngine e = type.open(dir)) {
      e.write(new KvBatch().put(new byte[] {'k', (byte) 0xF0}, b("hi")).put(b("k\u0001"), b("lo")).put(b("k"), b("0")).put(b("l"), b("x")).put(b("j"), b("y")));
      assertEquals(List.of("k=0", "k\u0001=lo", "k\u00F0=hi"), keys(e, b("k"), b("l"), 100), "0xF0 sorts after 0x01 (unsigned)");
      assertEquals(List.of("k\u0001=lo", "k\u00F0=hi"), keys(e, b("k\u0001"), b("l"), 100), "from is inclusive");
      assertEquals(List.of("k=0"), keys(e, b("k"), b("l"), 1));
      assertEquals(List.of(), keys(e, b("l"), b("k"), 100), "an empty range");
    }
  }

  @ParameterizedTest
  @EnumSource(EngineType.class)
  void getReturnsACopy_andAClosedEngineRefusesUse(EngineType type) {
    KvEngine e = type.open(dir);
    e.write(new KvBatch().put(b("a"), b("1")));
    e.get(b("a"))[0] = 'X';
    assertArrayEquals(b("1"), e.get(b("a")));
    e.close();
    e.close();
    assertThrows(IllegalStateException.class, () -> e.get(b("a")));
  }
}
