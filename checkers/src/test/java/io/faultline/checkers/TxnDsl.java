package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hand-made txn histories, one line per op: {@code "<process> <type> <micro-ops>"}, micro-ops in
 * Elle's compact style, separated by spaces:
 *
 * <ul>
 *   <li>{@code ax1}: append 1 to key "x" (keys are one letter, values the rest of the token);
 *   <li>{@code wx1}: write 1 to register "x";
 *   <li>{@code rx12}: list read of x returning [1 2] (one digit per element, as Elle's {@code (op "rx12")}),
 *       {@code rx[1,2,10]} for longer values, {@code rx[]} for the empty list;
 *       in a register history {@code rx12} reads the number 12;
 *   <li>{@code rx}: a read with no value (nil): what invocations carry, and a register's initial state.
 * </ul>
 *
 * <p>Types: {@code invoke} opens a txn; {@code ok}, {@code fail} and {@code info} complete the
 * process's open txn, or, when the process has none, stand for a whole txn: an invocation (reads nil)
 * immediately followed by the completion. So {@code "0 ok ax1 rx1"} is ops 0 and 1. Op i has index i.
 */
final class TxnDsl {
  private TxnDsl() {}

  static History listAppend(String... lines) { return build(false, lines); }

  static History rwRegister(String... lines) { return build(true, lines); }

  private static History build(boolean register, String... lines) {
    List<Op> ops = new ArrayList<>();
    Map<Integer, Boolean> open = new HashMap<>();
    for (String line : lines) {
      String[] parts = line.strip().split("\\s+", 3);
      int process = Integer.parseInt(parts[0]);
      OpType type = OpType.parse(parts[1]);
      if (type == null) throw new IllegalArgumentException("bad type in: " + line);
      List<Object> txn = txn(parts.length > 2 ? parts[2] : "", register);
      if (type == OpType.INVOKE) {
        ops.add(op(ops.size(), process, type, invocation(txn)));
        open.put(process, true);
      } else {
        if (open.remove(process) == null) ops.add(op(ops.size(), process, OpType.INVOKE, invocation(txn)));
        ops.add(op(ops.size(), process, type, type == OpType.OK ? txn : invocation(txn)));
      }
    }
    return History.of(ops);
  }

  private static Op op(int index, int process, OpType type, List<Object> value) {
    return new Op(index, index * 1_000_000L, process, type, "txn", value, null, null);
  }

  private static List<Object> invocation(List<Object> txn) {
    List<Object> out = new ArrayList<>();
    for (Object mop : txn) {
      List<?> m = (List<?>) mop;
      out.add(m.get(0).equals("r") ? Arrays.asList("r", m.get(1), null) : m);
    }
    return out;
  }

  static List<Object> txn(String text, boolean register) {
    List<Object> mops = new ArrayList<>();
    for (String token : text.strip().split("\\s+")) {
      if (token.isEmpty()) continue;
      char f = token.charAt(0);
      String key = token.substring(1, 2);
      String rest = token.substring(2);
      switch (f) {
        case 'a': mops.add(List.of("append", key, Long.parseLong(rest))); break;
        case 'w': mops.add(List.of("w", key, Long.parseLong(rest))); break;
        case 'r': mops.add(Arrays.asList("r", key, read(rest, register))); break;
        default: throw new IllegalArgumentException("bad micro-op " + token);
      }
    }
    return mops;
  }

  private static Object read(String rest, boolean register) {
    if (rest.isEmpty()) return null;
    if (register) return Long.parseLong(rest);
    List<Object> list = new ArrayList<>();
    if (rest.startsWith("[")) {
      String inner = rest.substring(1, rest.length() - 1);
      if (!inner.isEmpty()) for (String v : inner.split(",")) list.add(Long.parseLong(v));
    } else {
      for (char c : rest.toCharArray()) list.add((long) (c - '0'));
    }
    return list;
  }
}
