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
 * <p>Disk: see {@link Storage} for the contract, which {@code SimDisk} enforces exactly: a crash keeps
 * each file's content as of its last completed fsync plus, with the configured probability, a random
 * prefix (in bytes) of the writes and truncations made since, in order — the last kept write possibly
 * in part (a torn write); the names (creations, renames, deletions) are those of the last completed
 * directory fsync. {@link #flipBit} corrupts a synced byte.
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

  /** The file name {@link FsyncListener} is given for a directory fsync. */
  public static final String DIRECTORY = ".";

  /**
   * Called after a node's fsync (of a file, or of the directory: {@link #DIRECTORY}) completed and its
   * callback ran: the hook for "crash right after persisting".
   */
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

  /** Names of a node's files as they are now (what its storage lists). */
  public List<String> files(String name) { return node(name).disk.list(); }

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
      @Override public long size(String file) { return disk.size(file); }

      @Override
      public void append(String file, byte[] bytes) {
        if (live()) disk.append(file, bytes);
      }

      @Override
      public void write(String file, long position, byte[] bytes) {
        if (live()) disk.write(file, position, bytes);
      }

      @Override
      public void truncate(String file, long length) {
        if (live()) disk.truncate(file, length);
      }

      @Override
      public void rename(String from, String to) {
        if (live()) disk.rename(from, to);
      }

      @Override
      public void delete(String file) {
        if (live()) disk.delete(file);
      }

      @Override
      public void fsync(String file, Runnable onDurable) {
        if (!live()) return;
        Object point = disk.syncPoint(file);
        scheduleFsync(() -> disk.synced(point), file, onDurable);
      }

      @Override
      public void fsyncDirectory(Runnable onDurable) {
        if (!live()) return;
        Object point = disk.directoryPoint();
        scheduleFsync(() -> disk.directorySynced(point), DIRECTORY, onDurable);
      }

      private void scheduleFsync(Runnable durable, String file, Runnable onDurable) {
        long latency = diskRng.chance(diskConfig.stallProbability())
            ? diskConfig.stallNs()
            : diskConfig.fsyncNsMin() + (long) (diskRng.nextDouble() * (diskConfig.fsyncNsMax() - diskConfig.fsyncNsMin()));
        lastFsyncDoneNs = Math.max(lastFsyncDoneNs, now + latency);
        push(lastFsyncDoneNs, Node.this, inc, () -> {
          durable.run();
          onDurable.run();
          if (fsyncListener != null) fsyncListener.afterFsync(name, file);
        });
      }
    }
  }

  /**
   * A node's files, each an inode with two images: what reads back now, and what would survive a crash
   * (its content as of its last completed fsync). Writes and truncations since then are kept in order;
   * a crash replays a prefix of them onto the durable image, the last possibly in part. Names are kept
   * the same way: the namespace now, and the one as of the last completed directory fsync.
   */
  static final class SimDisk {
    /** A file's bytes. */
    private static final class Image {
      byte[] buf = new byte[256];
      int length;

      void write(long position, byte[] bytes, int count) {
        int pos = Math.toIntExact(position);
        int end = Math.addExact(pos, count);
        if (end > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end));
        if (pos > length) Arrays.fill(buf, length, pos, (byte) 0);
        System.arraycopy(bytes, 0, buf, pos, count);
        length = Math.max(length, end);
      }

      void truncate(long to) {
        if (to < length) {
          Arrays.fill(buf, (int) to, length, (byte) 0);
          length = (int) to;
        }
      }

      Image copy() {
        Image c = new Image();
        c.buf = Arrays.copyOf(buf, Math.max(256, length));
        c.length = length;
        return c;
      }
    }

    /** A write ({@code bytes} non-null) or a truncation to {@code position}. */
    private record Op(long position, byte[] bytes) {
      int cost() { return bytes == null ? 0 : bytes.length; }

      void applyTo(Image image, int count) {
        if (bytes == null) image.truncate(position);
        else image.write(position, bytes, count);
      }
    }

    private static final class Inode {
      Image now = new Image();
      Image durable = new Image();
      final java.util.ArrayDeque<Op> pending = new java.util.ArrayDeque<>();
      long ops;
      long durableOps;

      void add(Op op) {
        op.applyTo(now, op.cost());
        pending.add(op);
        ops++;
      }
    }

    private TreeMap<String, Inode> names = new TreeMap<>();
    private TreeMap<String, Inode> durableNames = new TreeMap<>();

    List<String> list() { return new ArrayList<>(names.keySet()); }

    byte[] read(String name) {
      Inode f = names.get(name);
      return f == null ? null : Arrays.copyOf(f.now.buf, f.now.length);
    }

    long size(String name) {
      Inode f = names.get(name);
      return f == null ? -1 : f.now.length;
    }

    private Inode inode(String name) { return names.computeIfAbsent(name, k -> new Inode()); }

    void append(String name, byte[] bytes) {
      Inode f = inode(name);
      f.add(new Op(f.now.length, bytes.clone()));
    }

    void write(String name, long position, byte[] bytes) {
      if (position < 0) throw new IllegalArgumentException("position must be >= 0, got " + position);
      inode(name).add(new Op(position, bytes.clone()));
    }

    void truncate(String name, long length) {
      Inode f = names.get(name);
      if (f == null || length >= f.now.length) return;
      f.add(new Op(length, null));
    }

    void rename(String from, String to) {
      Inode f = names.remove(from);
      if (f == null) throw new IllegalArgumentException("rename: no file " + from);
      names.put(to, f);
    }

    void delete(String name) { names.remove(name); }

    /** The point an fsync of {@code name} called now makes durable; null when there is no such file. */
    Object syncPoint(String name) {
      Inode f = names.get(name);
      return f == null ? null : new Object[] {f, f.ops};
    }

    void synced(Object point) {
      if (point == null) return;
      Inode f = (Inode) ((Object[]) point)[0];
      long upTo = (Long) ((Object[]) point)[1];
      while (f.durableOps < upTo && !f.pending.isEmpty()) {
        Op op = f.pending.removeFirst();
        op.applyTo(f.durable, op.cost());
        f.durableOps++;
      }
    }

    /** The namespace a directory fsync called now makes durable. */
    Object directoryPoint() { return new TreeMap<>(names); }

    @SuppressWarnings("unchecked")
    void directorySynced(Object point) { durableNames = (TreeMap<String, Inode>) point; }

    void crash(Random rng, double tornProbability) {
      names = new TreeMap<>(durableNames);
      java.util.Set<Inode> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (Inode f : names.values()) {
        if (!seen.add(f)) continue;
        long unsynced = 0;
        for (Op op : f.pending) unsynced += op.cost();
        long kept = unsynced > 0 && rng.chance(tornProbability) ? rng.nextInt((int) Math.min(Integer.MAX_VALUE - 1, unsynced) + 1) : 0;
        for (Op op : f.pending) {
          if (kept <= 0) break;
          int count = (int) Math.min(op.cost(), kept);
          op.applyTo(f.durable, count);
          kept -= count;
        }
        f.pending.clear();
        f.now = f.durable.copy();
        f.durable = f.now.copy();
        f.ops = 0;
        f.durableOps = 0;
      }
    }

    boolean flipBit(String name, Random rng) {
      Inode f = names.get(name);
      if (f == null || f.durable.length == 0) return false;
      int offset = rng.nextInt(f.durable.length);
      byte mask = (byte) (1 << rng.nextInt(8));
      f.durable.buf[offset] ^= mask;
      if (offset < f.now.length) f.now.buf[offset] ^= mask;
      return true;
    }
  }
}
