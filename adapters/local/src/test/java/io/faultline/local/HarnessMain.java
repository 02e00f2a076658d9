package io.faultline.local;

import java.nio.file.Path;
import java.util.List;

/** A stand-in harness for the tests: opens a deployment of one sleeper node, reports its pid, idles. */
public final class HarnessMain {
  private HarnessMain() {}

  public static void main(String[] args) throws Exception {
    LocalDeployment deployment = LocalDeployment.create(Path.of(args[0]), List.of("n1"), 1);
    NodeProcess node = deployment.launch("n1", SleeperMain.class.getName(), List.of(), List.of());
    if (args.length > 1 && args[1].equals("pause")) node.pause();
    System.out.println("up " + node.pid());
    System.out.flush();
    while (true) {
      Thread.sleep(1_000);
    }
  }
}
