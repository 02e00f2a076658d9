package io.faultline.local;

import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in harness for the tests: opens a deployment of two nodes (so that it has link proxies),
 * launches a sleeper as n1, reports its pid and the proxy address of the link n1→n2, idles.
 */
public final class HarnessMain {
  private HarnessMain() {}

  public static void main(String[] args) throws Exception {
    LocalDeployment deployment = LocalDeployment.create(Path.of(args[0]), List.of("n1", "n2"), 1);
    NodeProcess node = deployment.launch("n1", SleeperMain.class.getName(), List.of(), List.of());
    if (args.length > 1 && args[1].equals("pause")) node.pause();
    System.out.println("up " + node.pid() + " " + HostsFile.linkAddress(deployment.nodeIds(), "n1", "n2") + " " + deployment.port("n2"));
    System.out.flush();
    while (true) {
      Thread.sleep(1_000);
    }
  }
}
