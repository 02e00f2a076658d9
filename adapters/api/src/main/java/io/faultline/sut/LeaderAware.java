package io.faultline.sut;

import java.util.Optional;

/** A cluster that can say which node leads now, for the {@code leader} target. */
public interface LeaderAware {
  /** The id of the current leader, or empty when there is none or it cannot be told in time. */
  Optional<String> leader();
}
