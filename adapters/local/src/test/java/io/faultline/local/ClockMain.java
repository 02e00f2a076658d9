package io.faultline.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A node for the clock test: writes its wall clock to {@code <dataDir>/clock} every 100 ms. */
public final class ClockMain {
  private ClockMain() {}

  public static void main(String[] args) throws Exception {
    ParentWatch.start();
    Path file = Path.of(args[0]).resolve("clock");
    Path tmp = Path.of(args[0]).resolve("clock.tmp");
    while (true) {
      Files.writeString(tmp, Long.toString(System.currentTimeMillis()));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Thread.sleep(100);
    }
  }
}
