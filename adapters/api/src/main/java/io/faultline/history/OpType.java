package io.faultline.history;

/** Jepsen's op types. {@code fail}: certainly did not happen. {@code info}: unknown, may happen at any time after its invocation, or never. */
public enum OpType {
  INVOKE, OK, FAIL, INFO;

  public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

  /** Parses {@code invoke|ok|fail|info}; null when the word is none of them. */
  public static OpType parse(String word) {
    switch (word) {
      case "invoke": return INVOKE;
      case "ok": return OK;
      case "fail": return FAIL;
      case "info": return INFO;
      default: return null;
    }
  }
}
