package io.faultline.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Histories as JSON lines: one Jepsen op map per line, fields as in DESIGN.md's history format. */
public final class HistoryJson {
  private HistoryJson() {}

  public static String toJson(Op op) {
    return Json.write(toMap(op));
  }

  public static Map<String, Object> toMap(Op op) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", op.index());
    m.put("time", op.timeNs());
    m.put("process", op.processLabel());
    m.put("type", op.type().label());
    m.put("f", op.f());
    if (op.key() != null) m.put("key", op.key());
    m.put("value", op.value());
    if (op.error() != null) m.put("error", op.error());
    return m;
  }

  public static void write(Writer out, Iterable<Op> ops) throws IOException {
    for (Op op : ops) {
      out.write(toJson(op));
      out.write('\n');
    }
  }

  public static void write(Path file, History history) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      write(w, history.ops());
    }
  }

  /** Reads a JSON-lines history. Blank lines and lines starting with {@code #} or {@code //} are skipped. */
  public static History read(Path file) throws IOException, HistoryFormatException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.toString());
    }
  }

  public static History read(BufferedReader r, String source) throws IOException, HistoryFormatException {
    List<Op> ops = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    String line;
    int n = 0;
    while ((line = r.readLine()) != null) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#") || t.startsWith("//")) continue;
      Object parsed;
      try {
        parsed = Json.parse(t);
      } catch (Json.ParseException e) {
        throw new HistoryFormatException(source, n, null, "not JSON: " + e.getMessage());
      }
      if (!(parsed instanceof Map)) throw new HistoryFormatException(source, n, null, "expected a JSON object (one op per line)");
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) parsed;
      ops.add(fromMap(m, source, n));
      lines.add(n);
    }
    return build(ops, lines, source);
  }

  /** Pairs the ops; a pairing error is reported at the line of the offending op. */
  static History build(List<Op> ops, List<Integer> lines, String source) throws HistoryFormatException {
    try {
      return History.of(ops);
    } catch (IllegalArgumentException e) {
      // find the op the message names: History.of names "op <index>"
      int line = 0;
      String msg = e.getMessage();
      if (msg != null && msg.startsWith("op ")) {
        try {
          long idx = Long.parseLong(msg.substring(3, msg.indexOf(':')));
          for (int i = 0; i < ops.size(); i++) {
            long opIndex = ops.get(i).index() < 0 ? i : ops.get(i).index();
            if (opIndex == idx) { line = lines.get(i); break; }
          }
        } catch (RuntimeException ignored) {
          line = 0;
        }
      }
      throw new HistoryFormatException(source, line, "process", msg);
    }
  }

  /** Converts one op map (JSON field names) into an Op, naming the line and field on error. */
  public static Op fromMap(Map<String, Object> m, String source, int line) throws HistoryFormatException {
    Object typeV = m.get("type");
    if (!(typeV instanceof String)) throw new HistoryFormatException(source, line, "type", "missing or not a string (expected invoke|ok|fail|info)");
    OpType type = OpType.parse((String) typeV);
    if (type == null) throw new HistoryFormatException(source, line, "type", "'" + typeV + "' is not one of invoke|ok|fail|info");
    Object fV = m.get("f");
    if (fV == null) throw new HistoryFormatException(source, line, "f", "missing");
    String f = fV instanceof String ? (String) fV : Json.write(fV);
    Object pV = m.get("process");
    int process;
    if (pV instanceof Long) {
      long p = (Long) pV;
      if (p < 0 || p > Integer.MAX_VALUE) throw new HistoryFormatException(source, line, "process", "out of range: " + p);
      process = (int) p;
    } else if (pV instanceof String) {
      process = Op.NEMESIS;
    } else {
      throw new HistoryFormatException(source, line, "process", pV == null ? "missing" : "expected an integer or \"nemesis\", got " + Json.write(pV));
    }
    long index = optLong(m, "index", source, line);
    long time = optLong(m, "time", source, line);
    Object errV = m.get("error");
    String error = errV == null ? null : errV instanceof String ? (String) errV : Json.write(errV);
    return new Op(index, time, process, type, f, m.get("value"), m.get("key"), error);
  }

  private static long optLong(Map<String, Object> m, String field, String source, int line) throws HistoryFormatException {
    Object v = m.get(field);
    if (v == null) return -1;
    if (v instanceof Long) return (Long) v;
    if (v instanceof Double && ((Double) v) == Math.rint((Double) v)) return (long) (double) (Double) v;
    throw new HistoryFormatException(source, line, field, "expected an integer, got " + Json.write(v));
  }
}
