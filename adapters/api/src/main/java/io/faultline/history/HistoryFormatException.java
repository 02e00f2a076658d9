package io.faultline.history;

/** A history file that cannot be read: names the file, the line and the field. */
public final class HistoryFormatException extends Exception {
  private final String source;
  private final int line;
  private final String field;

  public HistoryFormatException(String source, int line, String field, String message) {
    super(source + ":" + line + (field == null ? "" : ": field '" + field + "'") + ": " + message);
    this.source = source;
    this.line = line;
    this.field = field;
  }

  public String source() { return source; }
  public int line() { return line; }
  public String field() { return field; }
}
