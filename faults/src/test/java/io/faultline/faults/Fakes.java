package io.faultline.faults;

import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.Killable;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import io.faultline.sut.StorageFaults;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Test doubles: nodes that record what is done to them, and clusters of them. */
final class Fakes {
  private Fakes() {}

  /** A node with no abilities at all. */
  static class PlainNode implements Node {
    private final String id;

    PlainNode(String id) { this.id = id; }

    @Override public String id() { return id; }
    @Override public Path dataDir() { return Path.of("/tmp/fake", id); }
  }

  /** A node that can be killed, started, paused and resumed, and can be told to fail. */
  static class FakeNode extends PlainNode implements Killable, Pausable {
    final List<String> events = new ArrayList<>();
    boolean running = true;
    boolean stopped;
    boolean failNext;

    FakeNode(String id) { super(id); }

    private void maybeFail(String what) throws IOException {
      if (failNext) {
        failNext = false;
        throw new IOException("injected " + what + " failure");
      }
    }

    @Override public void kill() throws IOException { maybeFail("kill"); events.add("kill"); running = false; stopped = false; }
    @Override public void start() throws IOException { maybeFail("start"); events.add("start"); running = true; }
    @Override public boolean isRunning() { return running; }
    @Override public void pause() throws IOException { maybeFail("pause"); events.add("pause"); stopped = true; }
    @Override public void resume() throws IOException { maybeFail("resume"); events.add("resume"); stopped = false; }
  }

  /** A node whose storage takes faults; events go to {@code log} too, as {@code "<id> <event>"}, to see their order across nodes. */
  static class StorageNode extends FakeNode implements StorageFaults {
    final List<String> log;
    StorageFaults.Mode mode = StorageFaults.Mode.NONE;

    StorageNode(String id, List<String> log) { super(id); this.log = log; }

    @Override public void kill() throws IOException { super.kill(); log.add(id() + " kill"); mode = StorageFaults.Mode.NONE; }
    @Override public void start() throws IOException { super.start(); log.add(id() + " start"); }

    @Override
    public void setStorageFault(StorageFaults.Mode m) throws IOException {
      if (!running) throw new IOException(id() + " is down");
      events.add("storage " + m);
      log.add(id() + " storage " + m);
      mode = m;
    }
  }

  /** A cluster that is not LeaderAware. */
  static class FakeCluster implements Cluster {
    final List<Node> nodes;

    FakeCluster(List<? extends Node> nodes) { this.nodes = List.copyOf(nodes); }

    @Override public List<Node> nodes() { return nodes; }
    @Override public Client client(int process) { throw new UnsupportedOperationException("no clients in nemesis tests"); }
    @Override public void close() {}
  }

  /** A cluster that knows its leader (settable; a RuntimeException to throw instead, when set). */
  static final class LeaderCluster extends FakeCluster implements LeaderAware {
    Optional<String> leader = Optional.empty();
    RuntimeException failure;

    LeaderCluster(List<? extends Node> nodes) { super(nodes); }

    @Override
    public Optional<String> leader() {
      if (failure != null) throw failure;
      return leader;
    }
  }

  static List<FakeNode> nodes(int n) {
    List<FakeNode> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(new FakeNode("n" + i));
    return out;
  }
}
