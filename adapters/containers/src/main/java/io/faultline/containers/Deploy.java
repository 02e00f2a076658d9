package io.faultline.containers;

import java.util.Locale;
import java.util.Map;

/** Where a system's servers run, by option {@value #OPTION}: child processes of the harness (default) or containers. */
public enum Deploy {
  LOCAL, CONTAINERS;

  public static final String OPTION = "deploy";

  /** {@code local} or {@code containers}. */
  public String word() { return name().toLowerCase(Locale.ROOT); }

  public static Deploy parse(String word) {
    for (Deploy d : values()) if (d.word().equals(word)) return d;
    throw new IllegalArgumentException("option '" + OPTION + "' must be one of local | containers, got '" + word + "'");
  }

  /** The deployment a system's options ask for; local when they do not say. */
  public static Deploy from(Map<String, String> options) {
    String word = options.get(OPTION);
    return word == null ? LOCAL : parse(word);
  }
}
