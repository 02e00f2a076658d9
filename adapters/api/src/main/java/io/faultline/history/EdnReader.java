package io.faultline.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the subset of EDN that Jepsen and Knossos histories use, into the plain values of {@link Op}:
 * keywords and symbols become strings (without the colon), integers {@link Long}, floats
 * {@link Double}, vectors, lists and sets {@code List<Object>}, maps {@code Map<String,Object>}; a
 * tagged literal ({@code #jepsen.history.Op{...}}, {@code #inst "..."}) becomes its form. Tracks the
 * line of every character, so errors name it.
 */
final class EdnReader {
  /** A syntax error at a line; the field is filled in by the map being read, when there is one. */
  static final class EdnException extends RuntimeException {
    final int line;
    String field;

    EdnException(int line, String message) {
      super(message, null, false, false);
      this.line = line;
    }
  }

  /** Nesting limit, so a malformed file cannot exhaust the stack. */
  static final int DEPTH_MAX = 200;

  private final String text;
  private int pos;
  private int line = 1;

  EdnReader(String text) {
    this.text = text;
  }

  int line() { return line; }

  /** Skips whitespace, commas, comments and {@code #_} discards; true when a form follows. */
  boolean skipToForm() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '\n') {
        line++;
        pos++;
      } else if (Character.isWhitespace(c) || c == ',') {
        pos++;
      } else if (c == ';') {
        while (pos < text.length() && text.charAt(pos) != '\n') pos++;
      } else if (c == '#' && pos + 1 < text.length() && text.charAt(pos + 1) == '_') {
        pos += 2;
        if (!skipToForm()) throw new EdnException(line, "#_ with nothing after it to discard");
        read(0);
      } else {
        return true;
      }
    }
    return false;
  }

  /** The next character, which {@link #skipToForm} has shown to exist. */
  char peek() { return text.charAt(pos); }

  void advance() { pos++; }

  /** Reads one form; call after {@link #skipToForm} returned true. */
  Object read(int depth) {
    if (depth > DEPTH_MAX) throw new EdnException(line, "nested deeper than " + DEPTH_MAX);
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        pos++;
        return readMap(depth);
      case '[':
        pos++;
        return readSeq(']', depth);
      case '(':
        pos++;
        return readSeq(')', depth);
      case '"':
        return readString();
      case '\\':
        return readChar();
      case '#':
        return readDispatch(depth);
      case ':':
        pos++;
        if (pos < text.length() && text.charAt(pos) == ':') pos++;
        String kw = readToken();
        if (kw.isEmpty()) throw new EdnException(line, "a ':' with no keyword name");
        return kw;
      case '}':
      case ']':
      case ')':
        throw new EdnException(line, "unexpected '" + c + "'");
      default:
        return readAtom();
    }
  }

  private Map<String, Object> readMap(int depth) {
    int startLine = line;
    Map<String, Object> m = new LinkedHashMap<>();
    while (true) {
      if (!skipToForm()) throw new EdnException(startLine, "map opened here is never closed");
      if (peek() == '}') {
        pos++;
        return m;
      }
      Object k = read(depth + 1);
      String key = k instanceof String ? (String) k : Json.write(k);
      if (!skipToForm()) throw new EdnException(startLine, "map opened here is never closed");
      if (peek() == '}') {
        EdnException e = new EdnException(line, "key with no value");
        e.field = key;
        throw e;
      }
      try {
        m.put(key, read(depth + 1));
      } catch (EdnException e) {
        if (e.field == null) e.field = key;
        throw e;
      }
    }
  }

  private List<Object> readSeq(char close, int depth) {
    int startLine = line;
    List<Object> out = new ArrayList<>();
    while (true) {
      if (!skipToForm()) throw new EdnException(startLine, "'" + (close == ']' ? '[' : '(') + "' opened here is never closed");
      char c = peek();
      if (c == close) {
        pos++;
        return out;
      }
      out.add(read(depth + 1));
    }
  }

  private Object readDispatch(int depth) {
    pos++;
    if (pos >= text.length()) throw new EdnException(line, "'#' at the end of the input");
    char c = text.charAt(pos);
    if (c == '{') {
      pos++;
      return readSeq('}', depth);
    }
    if (c == '#') {
      pos++;
      String symbolic = readToken();
      switch (symbolic) {
        case "Inf": return Double.POSITIVE_INFINITY;
        case "-Inf": return Double.NEGATIVE_INFINITY;
        case "NaN": return Double.NaN;
        default: throw new EdnException(line, "unknown symbolic value ##" + symbolic);
      }
    }
    if (!Character.isLetter(c)) throw new EdnException(line, "unsupported dispatch '#" + c + "'");
    String tag = readToken();
    if (!skipToForm()) throw new EdnException(line, "tag #" + tag + " with nothing after it");
    return read(depth + 1);
  }

  private String readString() {
    int startLine = line;
    pos++;
    StringBuilder sb = new StringBuilder();
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == '"') return sb.toString();
      if (c == '\n') line++;
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) break;
      char e = text.charAt(pos++);
      switch (e) {
        case 'n': sb.append('\n'); break;
        case 't': sb.append('\t'); break;
        case 'r': sb.append('\r'); break;
        case 'b': sb.append('\b'); break;
        case 'f': sb.append('\f'); break;
        case '"': sb.append('"'); break;
        case '\\': sb.append('\\'); break;
        case 'u':
          if (pos + 4 > text.length()) throw new EdnException(line, "truncated \\u escape");
          try {
            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw new EdnException(line, "bad \\u escape '" + text.substring(pos, pos + 4) + "'");
          }
          pos += 4;
          break;
        default:
          throw new EdnException(line, "unknown string escape '\\" + e + "'");
      }
    }
    throw new EdnException(startLine, "string opened here is never closed");
  }

  private String readChar() {
    pos++;
    String name = readToken();
    if (name.isEmpty() && pos < text.length()) {
      return String.valueOf(text.charAt(pos++));
    }
    switch (name) {
      case "newline": return "\n";
      case "space": return " ";
      case "tab": return "\t";
      case "return": return "\r";
      default:
        if (name.length() == 1) return name;
        if (name.length() == 5 && name.charAt(0) == 'u') {
          try {
            return String.valueOf((char) Integer.parseInt(name.substring(1), 16));
          } catch (NumberFormatException ex) {
            throw new EdnException(line, "bad character literal \\" + name);
          }
        }
        throw new EdnException(line, "bad character literal \\" + name);
    }
  }

  private Object readAtom() {
    String t = readToken();
    if (t.isEmpty()) throw new EdnException(line, "unexpected '" + text.charAt(pos) + "'");
    switch (t) {
      case "nil": return null;
      case "true": return Boolean.TRUE;
      case "false": return Boolean.FALSE;
      default: break;
    }
    char c = t.charAt(0);
    boolean numeric = Character.isDigit(c) || ((c == '-' || c == '+') && t.length() > 1 && Character.isDigit(t.charAt(1)));
    return numeric ? number(t) : t;
  }

  private Object number(String t) {
    String s = t.startsWith("+") ? t.substring(1) : t;
    try {
      if (s.endsWith("N")) return Long.parseLong(s.substring(0, s.length() - 1));
      if (s.endsWith("M")) return Double.parseDouble(s.substring(0, s.length() - 1));
      int slash = s.indexOf('/');
      if (slash > 0) return (double) Long.parseLong(s.substring(0, slash)) / Long.parseLong(s.substring(slash + 1));
      if (s.indexOf('.') >= 0 || s.indexOf('e') >= 0 || s.indexOf('E') >= 0) return Double.parseDouble(s);
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new EdnException(line, "'" + t + "' is not a number this reader supports (integers must fit a long)");
    }
  }

  /** A symbol, keyword name or number: everything up to a delimiter. */
  private String readToken() {
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == ',' || c == ';' || c == '"'
          || c == '{' || c == '}' || c == '[' || c == ']' || c == '(' || c == ')') break;
      pos++;
    }
    return text.substring(start, pos);
  }
}
