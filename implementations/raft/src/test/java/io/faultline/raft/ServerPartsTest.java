package io.faultline.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The node server's pure parts: wire codec, JSON, arguments. */
class ServerPartsTest {
  private final WireCodec codec = new WireCodec();

  @Test
  void wireCodec_roundTripsEveryKindOfWire() {
    Message m = new Message(Message.Type.APPEND, 1, 2, 5, 4, 9, List.of(new Entry(4, 10, new byte[] {1, 2}), new Entry(5, 11, new byte[0])),
        8, true, 3, 77);
    assertEquals(m, codec.decode(codec.encode(m)));
    ClientRequest r = new ClientRequest(42, new Command(Command.Kind.CAS, 7, 3, 100, 2, null));
    assertEquals(r, codec.decode(codec.encode(r)));
    ClientReply ok = new ClientReply(42, ClientReply.Status.CAS_FAILED, 5L, 2);
    assertEquals(ok, codec.decode(codec.encode(ok)));
    ClientReply none = new ClientReply(1, ClientReply.Status.NOT_LEADER, null, 0);
    assertEquals(none, codec.decode(codec.encode(none)));
  }

  @Test
  void wireCodec_refusesTruncatedOrPaddedPayloads() {
    byte[] bytes = codec.encode(new ClientReply(1, ClientReply.Status.OK, 1L, 1));
    assertThrows(RuntimeException.class, () -> codec.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
    assertThrows(RuntimeException.class, () -> codec.decode(java.util.Arrays.copyOf(bytes, bytes.length + 1)));
    assertThrows(RuntimeException.class, () -> codec.decode(new byte[] {9}));
  }

  @Test
  void flatJson_readsTheApiBodies_andNamesTheOffsetOfBadInput() {
    Map<String, Object> b = FlatJson.parse(" {\"key\": 1, \"expected\": null, \"value\": -2, \"client_id\": 3, \"seq\": 4} ");
    assertEquals(1L, b.get("key"));
    assertTrue(b.containsKey("expected"));
    assertNull(b.get("expected"));
    assertEquals(-2L, b.get("value"));
    assertEquals(Map.of(), FlatJson.parse("{}"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"key\": 1.5}"));
    assertTrue(e.getMessage().contains("offset"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"key\": 1"));
    assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"key\": 99999999999999999999}"));
    Map<String, Object> reply = new java.util.LinkedHashMap<>();
    reply.put("ok", false);
    reply.put("value", null);
    reply.put("leader", "n2");
    assertEquals("{\"ok\":false,\"value\":null,\"leader\":\"n2\"}", FlatJson.write(reply));
  }

  @Test
  void serverMain_parsesItsArguments_andRefusesBadOnesByName() {
    RaftServer.Config c = RaftServerMain.parse(new String[] {"n2", "n1:20001,n2:20002,n3:20003", "127.0.2.1", "0", "/tmp/d",
        "--tick-ms", "50", "--bug", "raft.stale-read", "--watch-stdin", "--seed", "7"});
    assertEquals(20002, c.port());
    assertEquals(50, c.tickMs());
    assertEquals(Set.of(Bug.STALE_READ), c.bugs());
    assertEquals(Path.of("/tmp/d"), c.dataDir());
    assertEquals(List.of(1, 2, 3), c.raftConfig().peers());
    assertEquals(2, c.raftConfig().id());
    assertEquals(RaftConfig.ReadMode.LEASE, RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d", "--bug", "raft.lease-read-unsafe"})
        .raftConfig().readMode());
    assertThrows(IllegalArgumentException.class, () -> RaftServerMain.parse(new String[] {"n4", "n1:1", "a", "0", "d"}));
    assertThrows(IllegalArgumentException.class, () -> RaftServerMain.parse(new String[] {"x1", "x1:1", "a", "0", "d"}));
    assertThrows(IllegalArgumentException.class, () -> RaftServerMain.parse(new String[] {"n1", "n1:1", "a", "0", "d", "--bug", "nope"}));
    assertThrows(IllegalArgumentException.class, () -> RaftServerMain.parse(new String[] {"n1", "n1:1,n1:2", "a", "0", "d"}));
  }
}
