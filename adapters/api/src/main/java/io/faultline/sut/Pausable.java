package io.faultline.sut;

import java.io.IOException;

/** A node that can be frozen (SIGSTOP) and thawed (SIGCONT). */
public interface Pausable {
  void pause() throws IOException;

  void resume() throws IOException;
}
