package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made histories, one op a line: {@code "<process> <type> <f> [value] [k=<key>]"}, e.g.
 * {@code "0 invoke write 1"}, {@code "1 ok read nil"}, {@code "2 invoke cas [1 2] k=7"},
 * {@code "nemesis info start-partition"}. Values: {@code nil}, integers (Long), {@code [a b]} lists,
 * anything else a string. Op i gets index i and time i ms.
 */
final class HistoryDsl {
  private HistoryDsl() {}

  static final long TIME_STEP_NS = 1_000_000;

  static History history(String... lines) {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) ops.add(op(i, lines[i]));
    return History.of(ops);
  }

  static Op op(int index, String line) {
    String text = line.strip();
    Object key = null;
    int k = text.lastIndexOf(" k=");
    if (k >= 0) {
      key = value(text.substring(k + 3).strip());
      text = text.substring(0, k).strip();
    }
    String[] head = text.split("\\s+", 4);
    if (head.length < 3) throw new IllegalArgumentException("line " + index + ": expected '<process> <type> <f> [value]': " + line);
    int process = head[0].equals("nemesis") ? Op.NEMESIS : Integer.parseInt(head[0]);
    OpType type = OpType.parse(head[1]);
    if (type == null) throw new IllegalArgumentException("line " + index + ": bad type " + head[1]);
    Object value = head.length == 4 ? value(head[3].strip()) : null;
    return new Op(index, index * TIME_STEP_NS, process, type, head[2], value, key, null);
  }

  static Object value(String token) {
    if (token.equals("nil")) return null;
    if (token.startsWith("[") && token.endsWith("]")) {
      List<Object> list = new ArrayList<>();
      String inner = token.substring(1, token.length() - 1).strip();
      if (!inner.isEmpty()) for (String t : inner.split("[\\s,]+")) list.add(value(t));
      return list;
    }
    try {
      return Long.parseLong(token);
    } catch (NumberFormatException notANumber) {
      return token;
    }
  }
}
