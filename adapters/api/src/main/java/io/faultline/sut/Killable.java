package io.faultline.sut;

import java.io.IOException;

/** A node that can be crashed (SIGKILL, no clean-up) and started again with its data. */
public interface Killable {
  void kill() throws IOException;

  /** Starts the node again after a kill; a no-op when it is running. */
  void start() throws IOException;

  boolean isRunning();
}
