package io.faultline.checkers;

import java.util.List;

/**
 * Builds the transactional checkers by name, for the command line:
 * {@code faultline check --checker list-append --consistency-models serializable}.
 */
public final class TxnCheckers {
  private TxnCheckers() {}

  public static final List<String> NAMES = List.of("list-append", "rw-register");

  /**
   * A checker by name with the given models and defaults otherwise.
   *
   * @param models Elle's model names; empty means the default, strict-serializable
   * @throws IllegalArgumentException for an unknown checker or model, listing the known ones
   */
  public static Checker byName(String name, List<String> models) {
    return byName(name, models.isEmpty() ? TxnCheckerOptions.defaults() : TxnCheckerOptions.of(models));
  }

  /** A checker by name with the given options. */
  public static Checker byName(String name, TxnCheckerOptions options) {
    switch (name) {
      case "list-append": return new ListAppendChecker(options);
      case "rw-register": return new RwRegisterChecker(options);
      default: throw new IllegalArgumentException("unknown transactional checker '" + name + "'; known: " + NAMES);
    }
  }
}
