package io.faultline.local;

import java.util.List;

/** A stand-in harness that builds a netns network and idles, to be killed by the sweeper test. */
public final class NetnsHarnessMain {
  private NetnsHarnessMain() {}

  public static void main(String[] args) throws Exception {
    NetnsNetwork network = new NetnsNetwork(List.of("n1", "n2"), true);
    System.out.println("up " + network.namespace("n1") + " " + network.bridge());
    System.out.flush();
    while (true) {
      Thread.sleep(1_000);
    }
  }
}
