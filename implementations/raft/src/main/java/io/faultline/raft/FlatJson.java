package io.faultline.raft;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON the HTTP API speaks: an object whose values are integers, strings, booleans, null, and —
 * for transactions — arrays and objects of those, nested at most {@value #DEPTH_MAX} deep. Enough for
 * {@code {"key":1,"value":2,"client_id":3,"seq":4}} and {@code {"ops":[{"op":"append","key":"x","value":3}]}};
 * anything else (floats, escapes) is refused with a message that says where.
 */
final class FlatJson {
  static final int TEXT_CHARS_MAX = 256 << 10;
  static final int DEPTH_MAX = 4;

  private final String s;
  private int i;
  private int depth;

  private FlatJson(String s) {
    this.s = s;
  }

  /** Parses one flat object; throws IllegalArgumentException naming the offset of the trouble. */
  static Map<String, Object> parse(String text) {
    if (text.length() > TEXT_CHARS_MAX) throw new IllegalArgumentException("body longer than " + TEXT_CHARS_MAX + " chars");
    FlatJson p = new FlatJson(text);
    Map<String, Object> out = p.object();
    p.skipSpace();
    if (p.i != text.length()) throw p.error("trailing characters");
    return out;
  }

  private Map<String, Object> object() {
    Map<String, Object> out = new LinkedHashMap<>();
    expect('{');
    if (peek() == '}') {
      i++;
      return out;
    }
    while (true) {
      String k = string();
      expect(':');
      if (out.put(k, value()) != null) throw error("field '" + k + "' given twice");
      char c = next();
      if (c == '}') return out;
      if (c != ',') throw error("expected ',' or '}'");
    }
  }

  private java.util.List<Object> array() {
    java.util.List<Object> out = new java.util.ArrayList<>();
    expect('[');
    if (peek() == ']') {
      i++;
      return out;
    }
    while (true) {
      out.add(value());
      char c = next();
      if (c == ']') return out;
      if (c != ',') throw error("expected ',' or ']'");
    }
  }

  private Object value() {
    char c = peek();
    if (c == '[' || c == '{') {
      if (++depth > DEPTH_MAX) throw error("nested deeper than " + DEPTH_MAX);
      Object v = c == '[' ? array() : object();
      depth--;
      return v;
    }
    if (c == '"') return string();
    if (s.startsWith("null", i)) { i += 4; return null; }
    if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
    if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
    int start = i;
    if (c == '-') i++;
    while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
    if (i == start || (i == start + 1 && c == '-')) throw error("expected an integer, string, boolean, null, array or object");
    if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) throw error("only integers are accepted");
    try {
      return Long.parseLong(s.substring(start, i));
    } catch (NumberFormatException e) {
      throw error("integer out of range");
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (i < s.length() && s.charAt(i) != '"') {
      char c = s.charAt(i++);
      if (c == '\\') throw error("escapes are not accepted");
      sb.append(c);
    }
    if (i >= s.length()) throw error("unterminated string");
    i++;
    return sb.toString();
  }

  private void expect(char c) {
    if (next() != c) throw error("expected '" + c + "'");
  }

  private char next() {
    skipSpace();
    if (i >= s.length()) throw error("unexpected end");
    return s.charAt(i++);
  }

  private char peek() {
    skipSpace();
    return i < s.length() ? s.charAt(i) : '\0';
  }

  private void skipSpace() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
  }

  private IllegalArgumentException error(String why) {
    return new IllegalArgumentException("bad JSON at offset " + i + ": " + why);
  }

  /**
   * Writes an object; values are Long, Integer, Boolean, String (quotes and backslashes replaced), null,
   * or — for status answers — lists and objects of those.
   */
  static String write(Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder();
    writeObject(sb, fields);
    return sb.toString();
  }

  private static void writeObject(StringBuilder sb, Map<?, ?> fields) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> f : fields.entrySet()) {
      if (!first) sb.append(',');
      first = false;
      sb.append('"').append(f.getKey()).append("\":");
      writeValue(sb, f.getValue());
    }
    sb.append('}');
  }

  private static void writeValue(StringBuilder sb, Object v) {
    if (v instanceof String) {
      sb.append('"').append(((String) v).replace('"', '\'').replace('\\', '/')).append('"');
    } else if (v instanceof Map) {
      writeObject(sb, (Map<?, ?>) v);
    } else if (v instanceof java.util.List) {
      sb.append('[');
      boolean first = true;
      for (Object e : (java.util.List<?>) v) {
        if (!first) sb.append(',');
        first = false;
        writeValue(sb, e);
      }
      sb.append(']');
    } else {
      sb.append(v);
    }
  }
}
