package io.faultline.history;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Jepsen {@code history.edn} files (and Knossos' test histories) into a {@link History}.
 *
 * <p>Layout: one op map per line, or one vector/list of op maps spanning lines, or any mix; {@code ;}
 * comments and {@code #_} discards are skipped; tagged literals ({@code #jepsen.history.Op{...}},
 * {@code #inst "..."}, {@code #uuid "..."}) read as their form. Keywords become strings without the
 * colon; a non-integer {@code :process} ({@code :nemesis}) becomes {@link Op#NEMESIS}.
 *
 * <p>Independent keys: Jepsen's {@code jepsen.independent} wraps every client value in a tuple
 * {@code [k v]} (for cas {@code [k [old new]]}). {@link Keys#AUTO} unwraps them into {@link Op#key()}
 * when every client op's value is a 2-element vector whose first element is a scalar and every cas
 * value's second element is a 2-element vector too (a plain cas-register history fails the test on
 * its writes' single values, a list-append history on its transactions' vector elements).
 */
public final class HistoryEdn {
  private HistoryEdn() {}

  /** Whether client values are Jepsen independent-key tuples {@code [k v]}. */
  public enum Keys {
    /** Unwrap tuples when the whole history looks independent (see the class comment). */
    AUTO,
    /** Every client value is a tuple; one that is not is an error. */
    INDEPENDENT,
    /** Values are taken as they are. */
    PLAIN
  }

  public static History read(Path file) throws IOException, HistoryFormatException {
    return read(file, Keys.AUTO);
  }

  public static History read(Path file, Keys keys) throws IOException, HistoryFormatException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new HistoryFormatException(file.toString(), 0, null, "not UTF-8 text: " + e);
    }
    return parse(text, file.toString(), keys);
  }

  public static History read(Reader in, String source, Keys keys) throws IOException, HistoryFormatException {
    StringBuilder sb = new StringBuilder();
    char[] buf = new char[8192];
    int n;
    while ((n = in.read(buf)) >= 0) sb.append(buf, 0, n);
    return parse(sb.toString(), source, keys);
  }

  /** Parses a whole history text; {@code source} names it in error messages. */
  public static History parse(String text, String source, Keys keys) throws HistoryFormatException {
    List<Op> ops = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    EdnReader r = new EdnReader(text);
    try {
      while (r.skipToForm()) {
        char c = r.peek();
        if (c == '[' || c == '(') {
          int openLine = r.line();
          char close = c == '[' ? ']' : ')';
          r.advance();
          while (true) {
            if (!r.skipToForm()) throw new HistoryFormatException(source, openLine, null, "'" + c + "' opened here is never closed");
            if (r.peek() == close) {
              r.advance();
              break;
            }
            addOp(r, ops, lines, source);
          }
        } else {
          addOp(r, ops, lines, source);
        }
      }
    } catch (EdnReader.EdnException e) {
      throw new HistoryFormatException(source, e.line, e.field, e.getMessage());
    } catch (RuntimeException e) {
      throw new HistoryFormatException(source, r.line(), null, "cannot read: " + e);
    }
    boolean independent = keys == Keys.INDEPENDENT || (keys == Keys.AUTO && looksIndependent(ops));
    if (independent) {
      for (int i = 0; i < ops.size(); i++) {
        Op op = ops.get(i);
        if (op.isNemesis()) continue;
        if (!(op.value() instanceof List) || ((List<?>) op.value()).size() != 2) {
          throw new HistoryFormatException(source, lines.get(i), "value",
              "expected an independent [key value] tuple, got " + Json.write(op.value()));
        }
        List<?> tuple = (List<?>) op.value();
        ops.set(i, new Op(op.index(), op.timeNs(), op.process(), op.type(), op.f(), tuple.get(1), tuple.get(0), op.error()));
      }
    }
    return HistoryJson.build(ops, lines, source);
  }

  private static void addOp(EdnReader r, List<Op> ops, List<Integer> lines, String source) throws HistoryFormatException {
    int line = r.line();
    Object form = r.read(0);
    if (!(form instanceof Map)) {
      throw new HistoryFormatException(source, line, null, "expected an op map {:type .. :f .. :process ..}, got " + Json.write(form));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) form).entrySet()) m.put((String) e.getKey(), e.getValue());
    Object process = m.get("process");
    if (process != null && !(process instanceof Long)) m.put("process", "nemesis");
    ops.add(HistoryJson.fromMap(m, source, line));
    lines.add(line);
  }

  /** Every client value is a 2-tuple with a scalar first element, every cas value's second element a 2-tuple. */
  static boolean looksIndependent(List<Op> ops) {
    boolean anyClient = false;
    for (Op op : ops) {
      if (op.isNemesis()) continue;
      anyClient = true;
      if (!isKeyedPair(op.value())) return false;
      if (op.f().equals("cas") && !isPair(((List<?>) op.value()).get(1))) return false;
    }
    return anyClient;
  }

  private static boolean isPair(Object v) {
    return v instanceof List && ((List<?>) v).size() == 2;
  }

  /** A tuple whose first element could be a key: a scalar, which rules out Elle's 2-op transactions. */
  private static boolean isKeyedPair(Object v) {
    if (!isPair(v)) return false;
    Object k = ((List<?>) v).get(0);
    return k instanceof Long || k instanceof String || k instanceof Double || k instanceof Boolean;
  }
}
