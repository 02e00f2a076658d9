package io.faultline.ratis;

import io.faultline.local.NodeProcess;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import java.io.IOException;
import java.nio.file.Path;

/** One Ratis node as a nemesis sees it: its child JVM, killed, paused and restarted on its data. */
final class RatisNode implements Node, Killable, Pausable {
  private final NodeProcess process;

  RatisNode(NodeProcess process) {
    this.process = process;
  }

  @Override public String id() { return process.id(); }
  @Override public Path dataDir() { return process.dataDir(); }
  @Override public void kill() throws IOException { process.kill(); }
  @Override public void start() throws IOException { process.start(); }
  @Override public boolean isRunning() { return process.isRunning(); }
  @Override public void pause() throws IOException { process.pause(); }
  @Override public void resume() throws IOException { process.resume(); }

  boolean isPaused() { return process.isPaused(); }

  Path logFile() { return process.logFile(); }

  @Override
  public String toString() { return "ratis " + process; }
}
