package io.faultline.raft.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.Command;
import io.faultline.raft.Membership;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TxnCodecTest {
  private static final TxnEntry ENTRY = new TxnEntry(7, 42, new Txn(
      List.of(new Compare("x", 3), new Compare("\u00e9t\u00e9", 0)),
      List.of(Op.get("x"), Op.put("x", "s"), Op.put("n", -5L), Op.put("l", List.of(1L, 2L)), Op.delete("y"), Op.append("l", 9))));

  @Test
  void entryRoundTrips_andIsToldApartFromCommandsAndConfigurations() {
    byte[] data = TxnCodec.encode(ENTRY);
    assertEquals(ENTRY, TxnCodec.decode(data));
    assertTrue(TxnCodec.isEntry(data));
    assertFalse(TxnCodec.isEntry(new Command(Command.Kind.CAS, 1, 1, "k", 1L, 2L).encode()));
    assertFalse(TxnCodec.isEntry(Membership.ofVoters(List.of(1)).encode()));
    assertFalse(TxnCodec.isEntry(new byte[0]));
  }

  @Test
  void resultsRoundTrip() {
    for (TxnResult r : List.of(
        TxnResult.committed(List.of(new TxnResult.Read("x", 1L, 4), new TxnResult.Read("y", null, 0), new TxnResult.Read("l", List.of(3L), 9),
            new TxnResult.Read("s", "\u00fcber", 2))),
        TxnResult.compareFailed(1, "compare 1: key \"x\" was last written at index 2, not 1"),
        TxnResult.opFailed(0, "full"),
        TxnResult.refused("old"))) {
      assertEquals(r, TxnCodec.decodeResult(TxnCodec.encodeResult(r)));
    }
  }

  @Test
  void everyCutShortEntryIsRefused() {
    byte[] data = TxnCodec.encode(ENTRY);
    for (int n = 0; n < data.length; n++) {
      byte[] cut = Arrays.copyOf(data, n);
      assertThrows(IllegalArgumentException.class, () -> TxnCodec.decode(cut), "cut to " + n + " bytes");
    }
    byte[] longer = Arrays.copyOf(data, data.length + 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TxnCodec.decode(longer));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
  }

  @Test
  void badFieldsAreNamed() {
    byte[] data = TxnCodec.encode(ENTRY);
    byte[] version = data.clone();
    version[1] = 9;
    assertMessage("version 9", () -> TxnCodec.decode(version));
    byte[] compares = data.clone();
    ByteBuffer.wrap(compares).putShort(18, (short) (Txn.COMPARES_MAX + 1));
    assertMessage((Txn.COMPARES_MAX + 1) + " compares, more than " + Txn.COMPARES_MAX, () -> TxnCodec.decode(compares));
    byte[] keyLength = data.clone();
    ByteBuffer.wrap(keyLength).putShort(20, (short) 60_000);
    assertMessage("bad key length 60000", () -> TxnCodec.decode(keyLength));
    TxnEntry oneOp = new TxnEntry(0, 0, Txn.of(Op.get("k")));
    byte[] kind = TxnCodec.encode(oneOp);
    kind[1 + 1 + 8 + 8 + 2 + 2] = 9;
    assertMessage("unknown kind 9", () -> TxnCodec.decode(kind));
    byte[] tag = TxnCodec.encode(new TxnEntry(0, 0, Txn.of(Op.put("k", 1L))));
    tag[tag.length - 9] = 77;
    assertMessage("unknown value tag 77", () -> TxnCodec.decode(tag));
    assertMessage("not a txn entry", () -> TxnCodec.decode(new Command(Command.Kind.READ, 0, 0, "k", null, null).encode()));
    byte[] result = TxnCodec.encodeResult(TxnResult.refused("x"));
    result[1] = 12;
    assertMessage("unknown txn status 12", () -> TxnCodec.decodeResult(result));
    assertMessage("cut short", () -> TxnCodec.decodeResult(new byte[] {1, 0}));
  }

  @Test
  void listValuesKeepTheOtherTagsByteIdentical() {
    ByteBuffer b = ByteBuffer.allocate(64);
    Command.putValue(b, 258L);
    Command.putValue(b, "hi");
    Command.putValue(b, null);
    assertEquals("01000000000000010202000000026869" + "00", java.util.HexFormat.of().formatHex(Arrays.copyOf(b.array(), b.position())));
    ByteBuffer l = ByteBuffer.allocate(Command.valueBytes(List.of(1L, -1L)));
    Command.putValue(l, List.of(1L, -1L));
    assertEquals(0, l.remaining());
    l.flip();
    assertEquals(List.of(1L, -1L), Command.getValue(l));
    l.rewind();
    Command.skipValue(l);
    assertEquals(0, l.remaining());
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
  }
}
