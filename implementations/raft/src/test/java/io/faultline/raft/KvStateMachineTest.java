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
    assertEquals(30L, sm.read(1), "and does not apply again");
  }

  @Test
  void readWriteCasDelete() {
    KvStateMachine sm = new KvStateMachine(10);
    assertNull(sm.read(5));
    sm.apply(1, new Command(Command.Kind.WRITE, 1, 1, 5, 10, null).encode());
    assertEquals(new KvStateMachine.Result(false, 10L), sm.apply(2, new Command(Command.Kind.CAS, 1, 2, 5, 11, 9L).encode()));
    assertEquals(new KvStateMachine.Result(true, null), sm.apply(3, new Command(Command.Kind.CAS, 1, 3, 5, 11, 10L).encode()));
    assertEquals(new KvStateMachine.Result(true, 11L), sm.apply(4, new Command(Command.Kind.READ, 1, 4, 5, 0, null).encode()));
    sm.apply(5, new Command(Command.Kind.DELETE, 1, 5, 5, 0, null).encode());
    assertNull(sm.read(5));
    assertNull(sm.apply(6, new byte[0]), "a no-op has no result");
  }

  @Test
  void sessionTableEvictsTheClientAppliedLongestAgo() {
    KvStateMachine sm = new KvStateMachine(1);
    Command first = new Command(Command.Kind.WRITE, 1, 1, 1, 1, null);
    sm.apply(1, first.encode());
    sm.apply(2, new Command(Command.Kind.WRITE, 2, 1, 1, 2, null).encode());
    sm.apply(3, first.encode());
    assertEquals(1L, sm.read(1), "client 1 was evicted, so its retry applied again");
  }
}
