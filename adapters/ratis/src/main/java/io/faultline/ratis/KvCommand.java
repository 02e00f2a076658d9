package io.faultline.ratis;

import java.util.Objects;

/**
 * The wire format of the key-value state machine: one UTF-8 line per command and per result, the
 * key last so that it may hold spaces.
 *
 * <pre>
 *   r &lt;key&gt;                 → v &lt;value&gt; | nil
 *   w &lt;value&gt; &lt;key&gt;         → ok
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

  static String cas(long expected, long update, String key) { return "c " + expected + " " + update + " " + key; }

  static String value(Long value) { return value == null ? NIL : "v " + value; }

  /** The value of a read result: null for a key never written. */
  static Long parseValue(String result) {
    if (NIL.equals(result)) return null;
    if (!result.startsWith("v ")) throw new IllegalArgumentException("not a read result: " + result);
    return Long.parseLong(result.substring(2));
  }

  /** A parsed command: {@code kind} is r, w or c; unused numbers are 0. */
  record Parsed(char kind, String key, long first, long second) {
    Parsed {
      Objects.requireNonNull(key, "key");
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
