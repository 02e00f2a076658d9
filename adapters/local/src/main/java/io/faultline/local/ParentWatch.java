package io.faultline.local;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ties a node JVM's life to the harness that started it. The harness keeps the child's stdin open
 * and never writes to it; when the harness dies, for any reason including SIGKILL, the kernel
 * closes the pipe and the child reads end-of-file. The child then halts at once: no shutdown
 * hooks, no clean close, the same as a crash, which is what a dead harness means for its nodes.
 *
 * <p>A node that is stopped (SIGSTOP) when the harness dies cannot read the EOF until it is
 * continued; {@link Sweeper} finds such nodes at the next harness start.
 */
public final class ParentWatch {
  /** Exit status of a node that halted because its harness went away. */
  public static final int EXIT_PARENT_GONE = 86;

  private ParentWatch() {}

  /** Starts the watch on {@code System.in}: a daemon thread, so it never holds the JVM up. */
  public static void start() {
    Thread watcher = new Thread(ParentWatch::watch, "faultline-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void watch() {
    InputStream in = System.in;
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) != -1) {
        // The harness writes nothing; anything that arrives is ignored.
      }
    } catch (IOException e) {
      // A broken pipe is the same news as end-of-file.
    }
    System.err.println("faultline: harness gone (stdin closed), halting node");
    System.err.flush();
    Runtime.getRuntime().halt(EXIT_PARENT_GONE);
  }
}
