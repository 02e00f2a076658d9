package io.faultline.checkers;

import io.faultline.history.History;

/**
 * Judges a history. Must not throw for anything the history contains: a checker that cannot decide
 * (time or memory bound reached, input it cannot interpret) says {@link Validity#UNKNOWN}.
 */
public interface Checker {
  /** The checker's name in results: {@code linearizable}, {@code stats}, ... */
  String name();

  CheckResult check(History history);
}
