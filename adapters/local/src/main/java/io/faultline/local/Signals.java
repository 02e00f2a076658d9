package io.faultline.local;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** POSIX signals to a node process through {@code kill(1)}: the JDK can send only TERM and KILL. */
final class Signals {
  static final long SIGNAL_WAIT_MS = 2_000;

  private Signals() {}

  static void send(String signal, long pid) throws IOException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      if (!kill.waitFor(SIGNAL_WAIT_MS, TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IOException("kill -" + signal + " " + pid + " did not finish in " + SIGNAL_WAIT_MS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted sending SIG" + signal + " to " + pid, e);
    }
    if (kill.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + pid + " exited " + kill.exitValue());
    }
  }
}
