package io.faultline.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** A trivial node for the tests: watches its parent, counts its starts in its data dir, then idles. */
public final class SleeperMain {
  private SleeperMain() {}

  public static void main(String[] args) throws Exception {
    ParentWatch.start();
    if (args.length > 0) {
      Path starts = Path.of(args[0]).resolve("starts");
      Files.writeString(starts, "start\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    System.out.println("ready");
    System.out.flush();
    while (true) {
      Thread.sleep(1_000);
    }
  }
}
