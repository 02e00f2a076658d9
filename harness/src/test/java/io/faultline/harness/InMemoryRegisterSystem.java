package io.faultline.harness;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import io.faultline.sut.Client;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import io.faultline.sut.Pausable;
import io.faultline.sut.StorageUsage;
import io.faultline.sut.SystemUnderTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A test double of a system: one in-JVM register map behind a lock (linearizable), with two planted
 * faults for the runner's tests: every 41st op is answered {@code info} (after taking effect or not),
 * and {@code lost-write} acknowledges every 5th write without applying it. Made with a {@code walBytes}
 * source, its clusters are {@link StorageUsage} too.
 */
final class InMemoryRegisterSystem implements SystemUnderTest {
  final AtomicLong kills = new AtomicLong();
  final AtomicLong pauses = new AtomicLong();
  /** Each call is one sample: what {@link StorageUsage#walBytes()} answers, or null for no such ability. */
  private final LongSupplier walBytes;

  InMemoryRegisterSystem() {
    this(null);
  }

  InMemoryRegisterSystem(LongSupplier walBytes) {
    this.walBytes = walBytes;
  }

  @Override
  public String name() { return "memory"; }

  @Override
  public Set<Capability> capabilities() { return Set.of(Capability.REGISTER); }

  @Override
  public Set<String> bugs() { return Set.of("memory.lost-write"); }

  @Override
  public Cluster start(ClusterSpec spec) {
    Map<Object, Object> registers = new HashMap<>();
    AtomicLong opCount = new AtomicLong();
    boolean lostWrite = spec.bug("memory.lost-write");
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < spec.nodeCount(); i++) nodes.add(new FakeNode(spec.nodeId(i), spec.runDir()));
    class MemoryCluster implements Cluster {
      @Override
      public List<Node> nodes() { return nodes; }

      @Override
      public Client client(int process) {
        return new Client() {
          @Override
          public Op invoke(Op op) {
            long n = opCount.incrementAndGet();
            Op done;
            synchronized (registers) {
              Object cur = registers.get(op.key());
              switch (op.f()) {
                case "read": done = op.ok(cur); break;
                case "write":
                  if (!(lostWrite && n % 5 == 0)) registers.put(op.key(), op.value());
                  done = op.ok(op.value());
                  break;
                case "cas":
                  List<?> v = (List<?>) op.value();
                  if (Objects.equals(cur, v.get(0))) {
                    registers.put(op.key(), v.get(1));
                    done = op.ok(v);
                  } else {
                    done = op.fail("compare failed");
                  }
                  break;
                default: done = op.fail("unknown f " + op.f());
              }
            }
            // As slow as a small real cluster, so that histories stay the size real runs give.
            java.util.concurrent.locks.LockSupport.parkNanos(300_000);
            if (n % 41 == 0 && !op.f().equals("read")) return op.info("simulated timeout");
            return done;
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    }
    class StoringMemoryCluster extends MemoryCluster implements StorageUsage {
      @Override
      public long walBytes() { return walBytes.getAsLong(); }
    }
    return walBytes == null ? new MemoryCluster() : new StoringMemoryCluster();
  }

  final class FakeNode implements Node, Killable, Pausable {
    private final String id;
    private final Path dir;
    private volatile boolean running = true;

    FakeNode(String id, Path dir) {
      this.id = id;
      this.dir = dir;
    }

    @Override public String id() { return id; }
    @Override public Path dataDir() { return dir.resolve(id); }
    @Override public void kill() { kills.incrementAndGet(); running = false; }
    @Override public void start() { running = true; }
    @Override public boolean isRunning() { return running; }
    @Override public void pause() { pauses.incrementAndGet(); }
    @Override public void resume() {}
  }
}
