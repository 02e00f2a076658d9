package io.faultline.ratis;

import java.util.Objects;

/**
 * The wire format of the key-value state machine: one UTF-8 line per command and per result, the
 * key last so that it may hold spaces.
 *
 * <pre>
 *   r &lt;key&gt;                 → v &lt;value&gt; | s &lt;text&gt; | nil
 *   w &lt;value&gt; &lt;key&gt;         → ok
 *   s &lt;chars&gt; &lt;text&gt; &lt;key&gt;  → ok      (a text value of exactly &lt;chars&gt; chars: text and key may hold spaces)
 *   c &lt;old&gt; &lt;new&gt; &lt;key&gt;     → ok | fail        (fail: the compare failed, nothing changed)
 * </pre>
 */
final class KvCommand {
  static final String OK = "ok";
  static final String FAIL = "fail";
  static final String NIL = "nil";

  private KvCommand() {}

  static String read(String key) { return "r " + key; }

  static String write(long value, String key) { return "w " + value + " " + key; }

  static String writeText(String text, String key) { return "s " + text.length() + " " + text + " " + key; }

  static String cas(long expected, long update, String key) { return "c " + expected + " " + update + " " + key; }

  /** A read result for a value: null (never written), a Long or a String. */
  static String value(Object value) {
    if (value == null) return NIL;
    if (value instanceof String) return "s " + value;
    return "v " + value;
  }

  /** The value of a read result: null for a key never written, else a Long or a String. */
  static Object parseValue(String result) {
    if (NIL.equals(result)) return null;
    if (result.startsWith("s ")) return result.substring(2);
    if (!result.startsWith("v ")) throw new IllegalArgumentException("not a read result: " + result);
    return Long.parseLong(result.substring(2));
  }

  /** A parsed command: {@code kind} is r, w, s or c; unused numbers are 0; {@code text} is the value of s, else null. */
  record Parsed(char kind, String key, long first, long second, String text) {
    Parsed {
      Objects.requireNonNull(key, "key");
    }

    Parsed(char kind, String key, long first, long second) {
      this(kind, key, first, second, null);
    }
  }

  static Parsed parse(String command) {
    String[] parts;
    switch (command.isEmpty() ? '?' : command.charAt(0)) {
      case 'r':
        return new Parsed('r', command.substring(2), 0, 0);
      case 'w':
        parts = command.split(" ", 3);
        if (parts.length != 3) break;
        return new Parsed('w', parts[2], Long.parseLong(parts[1]), 0);
      case 's': {
        parts = command.split(" ", 3);
        if (parts.length != 3) break;
        int chars = Integer.parseInt(parts[1]);
        String rest = parts[2];
        if (chars < 0 || rest.length() < chars + 1 || rest.charAt(chars) != ' ') break;
        return new Parsed('s', rest.substring(chars + 1), 0, 0, rest.substring(0, chars));
      }
      case 'c':
        parts = command.split(" ", 4);
        if (parts.length != 4) break;
        return new Parsed('c', parts[3], Long.parseLong(parts[1]), Long.parseLong(parts[2]));
      default:
        break;
    }
    throw new IllegalArgumentException("malformed command: " + command);
  }
}
