package io.faultline.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A deterministic simulated world: many nodes on one thread, on virtual time, driven by a seeded
 * scheduler (TigerBeetle's VOPR, FoundationDB's simulator). Every random choice — network delays,
 * drops, duplicates, fsync latencies, torn writes — comes from streams derived from the seed, and
 * events at the same instant run in the order they were scheduled, so the same seed and the same
 * inputs give the same run, event for event.
 *
 * <p>Network: each message is dropped, or delivered once or twice after a random delay (so messages
 * reorder); a link can be blocked in each direction (partitions); a message is dropped when a link on
 * its way is blocked at send or at arrival, or its receiver is down.
 *
 * <p>Disk: see {@link Storage} for the contract. Simplifications: truncate and delete are durable at
 * once; a crash keeps, of each file, its synced prefix plus, with the configured probability, a
 * random prefix of its unsynced tail (a torn write); files whose creation was not followed by a
 * directory fsync vanish. {@link #flipBit} corrupts a synced byte.
 *
 * <p>Clocks: each node has a rate (its timers fire {@code 1/rate} times as late in virtual time, its
 * clocks advance {@code rate} ns per virtual ns) and a wall-clock offset.
 *
 * @param <M> the message type
 */
public final class SimWorld<M> {
  /** Network noise; probabilities in [0, 1], delays in virtual ns. */
  public record NetworkConfig(double dropProbability, double duplicateProbability, long delayNsMin, long delayNsMax,
      double slowProbability, long slowDelayNsMax) {
    public NetworkConfig {
      requireProbability("dropProbability", dropProbability);
      requireProbability("duplicateProbability", duplicateProbability);
      requireProbability("slowProbability", slowProbability);
      if (delayNsMin < 0 || delayNsMax < delayNsMin) {
        throw new IllegalArgumentException("delayNsMin/delayNsMax: need 0 <= min <= max, got " + delayNsMin + ", " + delayNsMax);
      }
      if (slowDelayNsMax < delayNsMax) throw new IllegalArgumentException("slowDelayNsMax must be >= delayNsMax, got " + slowDelayNsMax);
    }
  }

  /** Disk behaviour of one node. */
  public record DiskConfig(long fsyncNsMin, long fsyncNsMax, double stallProbability, long stallNs, double tornWriteProbability) {
    public DiskConfig {
      if (fsyncNsMin < 0 || fsyncNsMax < fsyncNsMin) {
        throw new IllegalArgumentException("fsyncNsMin/fsyncNsMax: need 0 <= min <= max, got " + fsyncNsMin + ", " + fsyncNsMax);
      }
      requireProbability("stallProbability", stallProbability);
      requireProbability("tornWriteProbability", tornWriteProbability);
      if (stallNs < 0) throw new IllegalArgumentException("stallNs must be >= 0, got " + stallNs);
    }
  }

  /** A node's clock: {@code rate} in (0.1, 10), 1.0 = true time; {@code wallOffsetNs} added to its wall clock. */
  public record ClockConfig(double rate, long wallOffsetNs) {
    public ClockConfig {
      if (!(rate > 0.1 && rate < 10)) throw new IllegalArgumentException("rate must be in (0.1, 10), got " + rate);
    }
  }

  /** Called after a node's fsync completed and its callback ran: the hook for "crash right after persisting". */
  public interface FsyncListener {
    void afterFsync(String node, String file);
  }

  static void requireProbability(String field, double p) {
    if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(field + " must be in [0, 1], got " + p);
  }

  /** Bound on events, so a livelocked run ends. */
  public static final long EVENTS_MAX = 50_000_000;
  private static final long WALL_EPOCH_NS = 1_700_000_000_000_000_000L;

  private final NetworkConfig net;
  private final Random netRng;
  private final Random diskRng;
  private final long seed;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Integer> blocked = new HashMap<>();
  private long now;
  private long seq;
  private long events;
  private Consumer<String> trace;
  private Function<M, String> describe = String::valueOf;
  private FsyncListener fsyncListener;

  public SimWorld(long seed, NetworkConfig net) {
    this.seed = seed;
    this.net = net;
    this.netRng = SplitMix64.derive(seed, "network");
    this.diskRng = SplitMix64.derive(seed, "disk");
  }

  public long nowNs() { return now; }

  public long eventCount() { return events; }

  /** Sends one line per event to {@code sink}; messages are shown with {@code describe} (must be deterministic). */
  public void setTrace(Consumer<String> sink, Function<M, String> describe) {
    this.trace = sink;
    this.describe = describe;
  }

  public void setFsyncListener(FsyncListener listener) { this.fsyncListener = listener; }

  /**
   * Adds a node and boots it: {@code boot} runs now, and again on every restart, with a fresh Env
   * (fresh timers and handler; the same disk).
   */
  public void addNode(String name, ClockConfig clock, DiskConfig disk, Consumer<Env<M>> boot) {
    if (nodes.containsKey(name)) throw new IllegalArgumentException("node " + name + " exists already");
    Node n = new Node(name, clock, disk, boot);
    nodes.put(name, n);
    n.boot();
  }

  public boolean isUp(String name) { return node(name).up; }

  public List<String> nodeNames() { return new ArrayList<>(nodes.keySet()); }

  /**
   * Changes a node's clock rate from now on (its clocks stay continuous; timers already set keep their
   * virtual due time).
   */
  public void setClockRate(String name, double rate) {
    Node n = node(name);
    n.clock = new ClockConfig(rate, n.clock.wallOffsetNs());
    n.localBaseNs = n.localNs();
    n.realBaseNs = now;
    log(name + " clock-rate " + rate);
  }

  public double clockRate(String name) { return node(name).clock.rate(); }

  /** Crashes a node: its timers, in-flight fsyncs and unsynced data are lost. No-op when down. */
  public void crash(String name) {
    Node n = node(name);
    if (!n.up) return;
    n.up = false;
    n.incarnation++;
    n.disk.crash(diskRng, n.diskConfig.tornWriteProbability());
    log(name + " crash");
  }

  /** Restarts a crashed node (no-op when up). */
  public void restart(String name) {
    Node n = node(name);
    if (n.up) return;
    log(name + " restart");
    n.boot();
  }

  /** Blocks messages from {@code from} to {@code to}; blocks nest (each needs its own unblock). */
  public void block(String from, String to) {
    blocked.merge(from + ">" + to, 1, Integer::sum);
  }

  public void unblock(String from, String to) {
    blocked.computeIfPresent(from + ">" + to, (k, v) -> v <= 1 ? null : v - 1);
  }

  public boolean isBlocked(String from, String to) { return blocked.containsKey(from + ">" + to); }

  /** Flips one bit at a random synced offset of a node's file; false when the file has no synced byte. */
  public boolean flipBit(String name, String file, Random rng) {
    boolean flipped = node(name).disk.flipBit(file, rng);
    log(name + " flip-bit " + file + (flipped ? "" : " (nothing synced)"));
    return flipped;
  }

  /** Runs {@code task} at virtual time {@code timeNs} (not before now), outside any node. */
  public void at(long timeNs, Runnable task) {
    push(Math.max(timeNs, now), null, 0, task);
  }

  /** Runs the next event; false when there is none. */
  public boolean step() {
    Event e = queue.poll();
    if (e == null) return false;
    if (++events > EVENTS_MAX) throw new IllegalStateException("more than " + EVENTS_MAX + " events: livelock?");
    now = e.time;
    if (e.node != null && (!e.node.up || e.node.incarnation != e.incarnation)) return true;
    e.task.run();
    return true;
  }

  /** Time of the next event, or Long.MAX_VALUE. */
  public long nextEventNs() {
    Event e = queue.peek();
    return e == null ? Long.MAX_VALUE : e.time;
  }

  public void log(String line) {
    if (trace != null) trace.accept(now + " " + line);
  }

  private Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) throw new IllegalArgumentException("no node " + name);
    return n;
  }

  private void push(long time, Node node, long incarnation, Runnable task) {
    queue.add(new Event(time, seq++, node, incarnation, task));
  }

  private void send(Node from, String to, M message) {
    Node dst = nodes.get(to);
    if (dst == null) throw new IllegalArgumentException(from.name + " sends to unknown node " + to);
    if (isBlocked(from.name, to) || netRng.chance(net.dropProbability())) {
      if (trace != null) log(from.name + ">" + to + " drop " + describe.apply(message));
      return;
    }
    int copies = netRng.chance(net.duplicateProbability()) ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      long delay = netRng.chance(net.slowProbability())
          ? net.delayNsMin() + (long) (netRng.nextDouble() * (net.slowDelayNsMax() - net.delayNsMin()))
          : net.delayNsMin() + (long) (netRng.nextDouble() * (net.delayNsMax() - net.delayNsMin()));
      push(now + delay, null, 0, () -> deliver(from.name, dst, message));
    }
  }

  private void deliver(String from, Node dst, M message) {
    if (!dst.up || isBlocked(from, dst.name) || dst.handler == null) {
      if (trace != null) log(from + ">" + dst.name + " lost " + describe.apply(message));
      return;
    }
    if (trace != null) log(from + ">" + dst.name + " " + describe.apply(message));
    dst.handler.onMessage(from, message);
  }

  private static final class Event implements Comparable<Event> {
    final long time;
    final long seq;
    final SimWorld<?>.Node node;
    final long incarnation;
    final Runnable task;

    Event(long time, long seq, SimWorld<?>.Node node, long incarnation, Runnable task) {
      this.time = time;
      this.seq = seq;
      this.node = node;
      this.incarnation = incarnation;
      this.task = task;
    }

    @Override
    public int compareTo(Event o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  /** One simulated machine; its Env is rebuilt on every boot. */
  private final class Node {
    final String name;
    ClockConfig clock;
    long localBaseNs;
    long realBaseNs;
    final DiskConfig diskConfig;
    final Consumer<Env<M>> bootFn;
    final SimDisk disk = new SimDisk();
    boolean up;
    long incarnation;
    long lastFsyncDoneNs;
    Transport.Handler<M> handler;

    Node(String name, ClockConfig clock, DiskConfig diskConfig, Consumer<Env<M>> bootFn) {
      this.name = name;
      this.clock = clock;
      this.diskConfig = diskConfig;
      this.bootFn = bootFn;
    }

    long localNs() { return localBaseNs + (long) ((now - realBaseNs) * clock.rate()); }

    void boot() {
      up = true;
      incarnation++;
      handler = null;
      bootFn.accept(new NodeEnv(incarnation));
    }

    /** The Env of one incarnation: everything it schedules dies with it. */
    final class NodeEnv implements Env<M>, Clock, Timers, Transport<M>, Storage {
      final long inc;
      final Random rng;

      NodeEnv(long inc) {
        this.inc = inc;
        this.rng = SplitMix64.derive(seed, "node/" + name + "/" + inc);
      }

      boolean live() { return up && incarnation == inc; }

      @Override public String nodeName() { return name; }
      @Override public Clock clock() { return this; }
      @Override public Timers timers() { return this; }
      @Override public Transport<M> transport() { return this; }
      @Override public Storage storage() { return this; }
      @Override public Random random() { return rng; }

      @Override public long wallNs() { return WALL_EPOCH_NS + clock.wallOffsetNs() + localNs(); }
      @Override public long monotonicNs() { return localNs(); }

      @Override
      public Timer schedule(long delayNs, Runnable task) {
        if (delayNs < 0) throw new IllegalArgumentException("delayNs must be >= 0, got " + delayNs);
        boolean[] cancelled = {false};
        long real = (long) Math.ceil(delayNs / clock.rate());
        push(now + real, Node.this, inc, () -> {
          if (!cancelled[0]) task.run();
        });
        return () -> cancelled[0] = true;
      }

      @Override public String self() { return name; }

      @Override
      public void send(String to, M message) {
        if (live()) SimWorld.this.send(Node.this, to, message);
      }

      @Override
      public void setHandler(Handler<M> h) {
        if (live()) handler = h;
      }

      @Override public List<String> list() { return disk.list(); }
      @Override public byte[] read(String file) { return disk.read(file); }

      @Override
      public void append(String file, byte[] bytes) {
        if (live()) disk.append(file, bytes);
      }

      @Override
      public void truncate(String file, long length) {
        if (live()) disk.truncate(file, length);
      }

      @Override
      public void delete(String file) {
        if (live()) disk.delete(file);
      }

      @Override
      public void fsync(String file, Runnable onDurable) {
        if (!live()) return;
        int length = disk.length(file);
        scheduleFsync(() -> disk.synced(file, length), file, onDurable);
      }

      @Override
      public void fsyncDirectory(Runnable onDurable) {
        if (!live()) return;
        List<String> names = disk.list();
        scheduleFsync(() -> disk.directorySynced(names), null, onDurable);
      }

      private void scheduleFsync(Runnable durable, String file, Runnable onDurable) {
        long latency = diskRng.chance(diskConfig.stallProbability())
            ? diskConfig.stallNs()
            : diskConfig.fsyncNsMin() + (long) (diskRng.nextDouble() * (diskConfig.fsyncNsMax() - diskConfig.fsyncNsMin()));
        lastFsyncDoneNs = Math.max(lastFsyncDoneNs, now + latency);
        push(lastFsyncDoneNs, Node.this, inc, () -> {
          durable.run();
          onDurable.run();
          if (file != null && fsyncListener != null) fsyncListener.afterFsync(name, file);
        });
      }
    }
  }

  /** A node's files, with what is durable tracked apart from what reads back now. */
  static final class SimDisk {
    private static final class File {
      byte[] buf = new byte[256];
      int length;
      int durableLength;
    }

    private final TreeMap<String, File> files = new TreeMap<>();
    private final java.util.TreeSet<String> durableNames = new java.util.TreeSet<>();

    List<String> list() { return new ArrayList<>(files.keySet()); }

    byte[] read(String name) {
      File f = files.get(name);
      return f == null ? null : Arrays.copyOf(f.buf, f.length);
    }

    int length(String name) {
      File f = files.get(name);
      return f == null ? 0 : f.length;
    }

    void append(String name, byte[] bytes) {
      File f = files.computeIfAbsent(name, k -> new File());
      if (f.length + bytes.length > f.buf.length) f.buf = Arrays.copyOf(f.buf, Math.max(f.buf.length * 2, f.length + bytes.length));
      System.arraycopy(bytes, 0, f.buf, f.length, bytes.length);
      f.length += bytes.length;
    }

    void truncate(String name, long length) {
      File f = files.get(name);
      if (f == null || length >= f.length) return;
      f.length = (int) length;
      f.durableLength = Math.min(f.durableLength, f.length);
    }

    void delete(String name) {
      files.remove(name);
      durableNames.remove(name);
    }

    void synced(String name, int length) {
      File f = files.get(name);
      if (f != null) f.durableLength = Math.max(f.durableLength, Math.min(length, f.length));
    }

    void directorySynced(List<String> names) {
      for (String n : names) if (files.containsKey(n)) durableNames.add(n);
    }

    void crash(Random rng, double tornProbability) {
      files.keySet().removeIf(n -> !durableNames.contains(n));
      for (File f : files.values()) {
        int unsynced = f.length - f.durableLength;
        int kept = unsynced > 0 && rng.chance(tornProbability) ? rng.nextInt(unsynced + 1) : 0;
        f.length = f.durableLength + kept;
        f.durableLength = f.length;
      }
    }

    boolean flipBit(String name, Random rng) {
      File f = files.get(name);
      if (f == null || f.durableLength == 0) return false;
      int offset = rng.nextInt(f.durableLength);
      f.buf[offset] ^= (byte) (1 << rng.nextInt(8));
      return true;
    }
  }
}
