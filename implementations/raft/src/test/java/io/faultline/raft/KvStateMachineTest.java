package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class KvStateMachineTest {
  @Test
  void retriedCommandAppliesOnceAndReturnsItsFirstResult() {
    KvStateMachine sm = new KvStateMachine(10);
    Command cas = new Command(Command.Kind.CAS, 7, 1, 1, 20, null);
    assertEquals(new KvStateMachine.Result(true, null), sm.apply(1, cas.encode()));
    sm.apply(2, new Command(Command.Kind.WRITE, 8, 1, 1, 30, null).encode());
    assertEquals(new KvStateMachine.Result(true, null), sm.apply(3, cas.encode()), "the retry gets the remembered result");
    assertEquals(30L, sm.read("1"), "and does not apply again");
  }

  @Test
  void readWriteCasDelete() {
    KvStateMachine sm = new KvStateMachine(10);
    assertNull(sm.read("5"));
    sm.apply(1, new Command(Command.Kind.WRITE, 1, 1, 5, 10, null).encode());
    assertEquals(new KvStateMachine.Result(false, 10L), sm.apply(2, new Command(Command.Kind.CAS, 1, 2, 5, 11, 9L).encode()));
    assertEquals(new KvStateMachine.Result(true, null), sm.apply(3, new Command(Command.Kind.CAS, 1, 3, 5, 11, 10L).encode()));
    assertEquals(new KvStateMachine.Result(true, 11L), sm.apply(4, new Command(Command.Kind.READ, 1, 4, 5, 0, null).encode()));
    sm.apply(5, new Command(Command.Kind.DELETE, 1, 5, 5, 0, null).encode());
    assertNull(sm.read("5"));
    assertNull(sm.apply(6, new byte[0]), "a no-op has no result");
  }

  @Test
  void sessionTableEvictsTheClientAppliedLongestAgo() {
    KvStateMachine sm = new KvStateMachine(1);
    Command first = new Command(Command.Kind.WRITE, 1, 1, 1, 1, null);
    sm.apply(1, first.encode());
    sm.apply(2, new Command(Command.Kind.WRITE, 2, 1, 1, 2, null).encode());
    sm.apply(3, first.encode());
    assertEquals(1L, sm.read("1"), "client 1 was evicted, so its retry applied again");
  }

  @Test
  void stringKeysAndValues_readBackAsWritten_andCompareByValue() {
    KvStateMachine sm = new KvStateMachine(10);
    sm.apply(1, new Command(Command.Kind.WRITE, 1, 1, "user:123", "John Doe", null).encode());
    assertEquals("John Doe", sm.read("user:123"));
    assertEquals(new KvStateMachine.Result(false, "John Doe"),
        sm.apply(2, new Command(Command.Kind.CAS, 1, 2, "user:123", "Jane", 7L).encode()), "an integer never equals a string");
    assertEquals(new KvStateMachine.Result(true, null),
        sm.apply(3, new Command(Command.Kind.CAS, 1, 3, "user:123", "Jane", "John Doe").encode()));
    assertEquals("Jane", sm.read("user:123"));
  }

  @Test
  void commandsRoundTrip_andBadOnesAreRefused() {
    Command c = new Command(Command.Kind.CAS, 3, 4, "k", "x".repeat(100), 5L);
    assertEquals(c, Command.decode(c.encode()));
    byte[] cut = java.util.Arrays.copyOf(c.encode(), 20);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Command.decode(cut));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Command(Command.Kind.WRITE, 1, 1, "", 1L, null));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Command(Command.Kind.WRITE, 1, 1, "k", "v".repeat(Command.VALUE_BYTES_MAX + 1), null));
  }
}
