package io.faultline.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Reads a history in either format: JSON lines ({@link HistoryJson}) or Jepsen EDN ({@link HistoryEdn}). */
public final class HistoryFiles {
  private HistoryFiles() {}

  /** How many lines the sniffer reads looking for the first op before giving up. */
  static final int SNIFF_LINES_MAX = 1000;

  public enum Format { JSON_LINES, EDN }

  /**
   * Reads by extension ({@code .edn}; {@code .jsonl}/{@code .json}), otherwise by the first
   * non-blank, non-comment character: {@code {"} is JSON, anything else EDN.
   */
  public static History read(Path file) throws IOException, HistoryFormatException {
    return formatOf(file) == Format.EDN ? HistoryEdn.read(file) : HistoryJson.read(file);
  }

  public static Format formatOf(Path file) throws IOException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".edn")) return Format.EDN;
    if (name.endsWith(".jsonl") || name.endsWith(".json")) return Format.JSON_LINES;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null && n++ < SNIFF_LINES_MAX) {
        Format f = sniff(line.strip());
        if (f != null) return f;
      }
    }
    return Format.JSON_LINES;
  }

  /** The format a line shows, or null when it is blank or a comment either format allows. */
  static Format sniff(String line) {
    if (line.isEmpty() || line.startsWith("//")) return null;
    if (line.startsWith(";")) return Format.EDN;
    if (line.startsWith("#")) {
      // "# text" is a JSON-lines comment; #_ #{ #tag are EDN
      return line.length() > 1 && !Character.isWhitespace(line.charAt(1)) && line.charAt(1) != '#' ? Format.EDN : null;
    }
    if (line.charAt(0) != '{') return Format.EDN;
    String rest = line.substring(1).stripLeading();
    return !rest.isEmpty() && (rest.charAt(0) == '"' || rest.charAt(0) == '}') ? Format.JSON_LINES : Format.EDN;
  }
}
