package io.faultline.history;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON codec over plain values: null, Boolean, Long (integers), Double, String,
 * {@code List<Object>} and {@code Map<String,Object>} (insertion-ordered). The api depends on nothing,
 * so it carries its own; it is the one JSON codec of the project.
 */
public final class Json {
  private Json() {}

  /** A JSON syntax error at a character offset of the text. */
  public static final class ParseException extends Exception {
    private final int offset;
    ParseException(int offset, String message) {
      super(message + " at character " + (offset + 1));
      this.offset = offset;
    }
    public int offset() { return offset; }
  }

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  /** Writes with two-space indentation, for files people read (result.json, spec.json). */
  public static String writePretty(Object value) {
    StringBuilder sb = new StringBuilder();
    writePretty(sb, value, 0);
    return sb.toString();
  }

  public static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String) {
      quote(sb, (String) v);
    } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof Short) {
      sb.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) sb.append("null");
      else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
      else sb.append(d);
    } else if (v instanceof Number) {
      sb.append(v);
    } else if (v instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!first) sb.append(',');
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Iterable) {
      sb.append('[');
      boolean first = true;
      for (Object o : (Iterable<?>) v) {
        if (!first) sb.append(',');
        first = false;
        write(sb, o);
      }
      sb.append(']');
    } else if (v instanceof Object[]) {
      write(sb, java.util.Arrays.asList((Object[]) v));
    } else if (v instanceof Enum) {
      quote(sb, ((Enum<?>) v).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    } else {
      quote(sb, v.toString());
    }
  }

  private static void writePretty(StringBuilder sb, Object v, int depth) {
    if (v instanceof Map && !((Map<?, ?>) v).isEmpty()) {
      sb.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = ((Map<?, ?>) v).entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        indent(sb, depth + 1);
        quote(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        writePretty(sb, e.getValue(), depth + 1);
        if (it.hasNext()) sb.append(',');
        sb.append('\n');
      }
      indent(sb, depth);
      sb.append('}');
    } else if (v instanceof List && !((List<?>) v).isEmpty() && containsContainer((List<?>) v)) {
      sb.append("[\n");
      Iterator<?> it = ((List<?>) v).iterator();
      while (it.hasNext()) {
        indent(sb, depth + 1);
        writePretty(sb, it.next(), depth + 1);
        if (it.hasNext()) sb.append(',');
        sb.append('\n');
      }
      indent(sb, depth);
      sb.append(']');
    } else {
      write(sb, v);
    }
  }

  private static boolean containsContainer(List<?> list) {
    for (Object o : list) if (o instanceof Map && !((Map<?, ?>) o).isEmpty()) return true;
    return false;
  }

  private static void indent(StringBuilder sb, int depth) {
    for (int i = 0; i < depth; i++) sb.append("  ");
  }

  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        case '\b': sb.append("\\b"); break;
        case '\f': sb.append("\\f"); break;
        default:
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
      }
    }
    sb.append('"');
  }

  public static Object parse(String text) throws ParseException {
    Parser p = new Parser(text);
    p.skipWs();
    Object v = p.value(0);
    p.skipWs();
    if (p.pos < text.length()) throw new ParseException(p.pos, "unexpected text after the value");
    return v;
  }

  private static final int DEPTH_MAX = 512;

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) { this.s = s; }

    void skipWs() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    Object value(int depth) throws ParseException {
      if (depth > DEPTH_MAX) throw new ParseException(pos, "nested deeper than " + DEPTH_MAX);
      if (pos >= s.length()) throw new ParseException(pos, "unexpected end of input");
      char c = s.charAt(pos);
      switch (c) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string();
        case 't': return literal("true", Boolean.TRUE);
        case 'f': return literal("false", Boolean.FALSE);
        case 'n': return literal("null", null);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return number();
          throw new ParseException(pos, "unexpected character '" + c + "'");
      }
    }

    Object literal(String word, Object v) throws ParseException {
      if (!s.startsWith(word, pos)) throw new ParseException(pos, "expected " + word);
      pos += word.length();
      return v;
    }

    Map<String, Object> object(int depth) throws ParseException {
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      skipWs();
      if (pos < s.length() && s.charAt(pos) == '}') { pos++; return m; }
      while (true) {
        skipWs();
        if (pos >= s.length() || s.charAt(pos) != '"') throw new ParseException(pos, "expected a quoted key");
        String k = string();
        skipWs();
        expect(':');
        skipWs();
        m.put(k, value(depth + 1));
        skipWs();
        if (pos >= s.length()) throw new ParseException(pos, "unterminated object");
        char c = s.charAt(pos++);
        if (c == '}') return m;
        if (c != ',') throw new ParseException(pos - 1, "expected ',' or '}'");
      }
    }

    List<Object> array(int depth) throws ParseException {
      List<Object> l = new ArrayList<>();
      pos++;
      skipWs();
      if (pos < s.length() && s.charAt(pos) == ']') { pos++; return l; }
      while (true) {
        skipWs();
        l.add(value(depth + 1));
        skipWs();
        if (pos >= s.length()) throw new ParseException(pos, "unterminated array");
        char c = s.charAt(pos++);
        if (c == ']') return l;
        if (c != ',') throw new ParseException(pos - 1, "expected ',' or ']'");
      }
    }

    void expect(char c) throws ParseException {
      if (pos >= s.length() || s.charAt(pos) != c) throw new ParseException(pos, "expected '" + c + "'");
      pos++;
    }

    String string() throws ParseException {
      int start = pos;
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) throw new ParseException(start, "unterminated string");
        char c = s.charAt(pos++);
        if (c == '"') return sb.toString();
        if (c != '\\') { sb.append(c); continue; }
        if (pos >= s.length()) throw new ParseException(start, "unterminated string");
        char e = s.charAt(pos++);
        switch (e) {
          case '"': sb.append('"'); break;
          case '\\': sb.append('\\'); break;
          case '/': sb.append('/'); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'n': sb.append('\n'); break;
          case 'r': sb.append('\r'); break;
          case 't': sb.append('\t'); break;
          case 'u':
            if (pos + 4 > s.length()) throw new ParseException(pos, "bad \\u escape");
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw new ParseException(pos, "bad \\u escape");
            }
            pos += 4;
            break;
          default: throw new ParseException(pos - 1, "bad escape \\" + e);
        }
      }
    }

    Object number() throws ParseException {
      int start = pos;
      if (s.charAt(pos) == '-') pos++;
      boolean fractional = false;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c >= '0' && c <= '9') pos++;
        else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { fractional = true; pos++; }
        else break;
      }
      String t = s.substring(start, pos);
      try {
        if (!fractional) {
          try {
            return Long.parseLong(t);
          } catch (NumberFormatException tooBig) {
            return new java.math.BigInteger(t).doubleValue();
          }
        }
        return Double.parseDouble(t);
      } catch (NumberFormatException e) {
        throw new ParseException(start, "bad number '" + t + "'");
      }
    }
  }
}
