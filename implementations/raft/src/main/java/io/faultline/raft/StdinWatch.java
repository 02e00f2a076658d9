package io.faultline.raft;

import java.io.IOException;
import java.io.InputStream;

/**
 * Halts the JVM when its stdin reaches end-of-file: the harness that started this node holds the
 * other end of the pipe, so EOF means the harness is gone, and a node must not outlive it. A halt,
 * not an exit: no hooks, the same as a crash.
 */
final class StdinWatch {
  static final int EXIT_PARENT_GONE = 86;

  private StdinWatch() {}

  static void start() {
    Thread t = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[256];
      try {
        while (in.read(buffer) != -1) {
          // Nothing is ever written; ignore whatever comes.
        }
      } catch (IOException e) {
        // A broken pipe means the same as end-of-file.
      }
      System.err.println("faultline: parent gone (stdin closed), halting");
      Runtime.getRuntime().halt(EXIT_PARENT_GONE);
    }, "stdin-watch");
    t.setDaemon(true);
    t.start();
  }
}
