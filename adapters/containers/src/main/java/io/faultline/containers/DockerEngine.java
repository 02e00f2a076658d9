package io.faultline.containers;

import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/** Whether a Docker engine answers here, asked once of Testcontainers and remembered. */
public final class DockerEngine {
  private static Optional<String> unavailable;

  private DockerEngine() {}

  /** Why no Docker engine can be used here, or empty when one answers. */
  public static synchronized Optional<String> unavailableReason() {
    if (unavailable == null) {
      // Testcontainers logs each failed probe as an ERROR with a stack of strategies; the reason returned here says it once.
      String quiet = "org.slf4j.simpleLogger.log.org.testcontainers.dockerclient";
      if (System.getProperty(quiet) == null) System.setProperty(quiet, "off");
      try {
        unavailable = DockerClientFactory.instance().isDockerAvailable() ? Optional.empty()
            : Optional.of("no Docker engine answers (Testcontainers found none: DOCKER_HOST unset and no /var/run/docker.sock that answers)");
      } catch (RuntimeException | LinkageError e) {
        unavailable = Optional.of("no Docker engine answers (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
      }
    }
    return unavailable;
  }

  public static boolean available() { return unavailableReason().isEmpty(); }
}
