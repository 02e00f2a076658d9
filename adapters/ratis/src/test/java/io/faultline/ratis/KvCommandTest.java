package io.faultline.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KvCommandTest {
  @Test
  void commands_roundTrip_withKeysThatHoldSpaces() {
    assertEquals(new KvCommand.Parsed('r', "a key", 0, 0), KvCommand.parse(KvCommand.read("a key")));
    assertEquals(new KvCommand.Parsed('w', "7", -3, 0), KvCommand.parse(KvCommand.write(-3, "7")));
    assertEquals(new KvCommand.Parsed('c', "x y", 1, 2), KvCommand.parse(KvCommand.cas(1, 2, "x y")));
  }

  @Test
  void textValues_roundTrip_evenWhenTextAndKeyHoldSpaces() {
    assertEquals(new KvCommand.Parsed('s', "a key", 0, 0, "some text "), KvCommand.parse(KvCommand.writeText("some text ", "a key")));
    assertEquals(new KvCommand.Parsed('s', "k", 0, 0, ""), KvCommand.parse(KvCommand.writeText("", "k")));
    assertEquals("x".repeat(100), KvCommand.parseValue(KvCommand.value("x".repeat(100))));
    assertThrows(IllegalArgumentException.class, () -> KvCommand.parse("s 5 abc k"));
  }

  @Test
  void readResults_distinguishNeverWrittenFromValues() {
    assertNull(KvCommand.parseValue(KvCommand.value(null)));
    assertEquals(42L, KvCommand.parseValue(KvCommand.value(42L)));
  }

  @Test
  void malformedCommands_areRejected() {
    assertThrows(IllegalArgumentException.class, () -> KvCommand.parse("w 1"));
    assertThrows(IllegalArgumentException.class, () -> KvCommand.parse(""));
    assertThrows(IllegalArgumentException.class, () -> KvCommand.parse("x 1 2"));
  }
}
