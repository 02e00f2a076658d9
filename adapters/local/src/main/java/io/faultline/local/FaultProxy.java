package io.faultline.local;

import io.faultline.sut.LinkFaults;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP fault proxy for one directed link {@code from→to} (DESIGN.md, "Addressing"): listens on the
 * link's own loopback address at the destination's port and forwards each connection to the
 * destination's real address.
 *
 * <p>Faults: {@link #forward} are the faults of the link {@code from→to}, {@link #backward} those of
 * {@code to→from}; the bytes a connection carries towards {@code to} obey the first, the bytes it
 * carries back obey the second (so a one-way grudge holds requests one way and replies the other,
 * as an iptables DROP on one side does). Connection faults (held connect, reset, slow close) come
 * from {@link #forward} alone. See {@link LinkFaults} for what each means. Upstream connections
 * leave from {@code source} when given: the sending node's own address for the proxy, so that
 * kernel rules by source address still see who sends.
 *
 * <p>Threads: one acceptor; per connection and direction a reader, which stops reading while the
 * bytes are held (so the sender meets TCP back-pressure, nothing piles up here), and a writer, which
 * delays, throttles and writes. Between them a queue of at most {@link #CHUNKS_MAX} chunks of
 * {@link #CHUNK_BYTES}. Why threads and not NIO: four parked threads per connection cost nothing
 * at a few dozen connections, and every fault becomes a sleep in straight-line code.
 */
public final class FaultProxy implements AutoCloseable {
  static final int CHUNK_BYTES = 16 * 1024;
  static final int CHUNKS_MAX = 64;
  /** How often a held reader, writer or connect looks again whether the hold is over. */
  static final long HOLD_POLL_MS = 5;
  /** How long an idle writer waits before it looks whether its connection was aborted. */
  static final long WRITER_POLL_MS = 100;
  static final int CONNECT_TIMEOUT_MS = 2_000;
  static final int BACKLOG = 64;
  /** Connections one link may carry at once; one more is reset on accept. */
  static final int CONNECTIONS_MAX = 256;

  private final String name;
  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final java.net.InetAddress source;
  private final ScheduledExecutorService timers;
  private final long seed;
  private final ServerSocket server;
  private final Set<Connection> connections = new LinkedHashSet<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile LinkFaults forward = LinkFaults.NONE;
  private volatile LinkFaults backward = LinkFaults.NONE;
  private volatile boolean closed;
  /** Whether {@link #timers} are this proxy's own ({@link #withoutFaults}), to shut down on close. */
  private final boolean ownsTimers;

  /**
   * A proxy from {@code listen} to {@code target} that never has a fault on: the proxy's own cost,
   * for benchmarks/FaultProxyBenchmark. Faults are set only through {@link LocalNetwork}.
   *
   * @throws IOException when {@code listen} cannot be bound
   */
  public static FaultProxy withoutFaults(String name, InetSocketAddress listen, InetSocketAddress target) throws IOException {
    // No thread until a reset is scheduled, and with no fault none ever is.
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(0, runnable -> daemon(runnable, "faultline-proxy-" + name + "-timer"));
    try {
      return new FaultProxy(name, listen, target, null, timers, 0, true);
    } catch (IOException | RuntimeException e) {
      timers.shutdownNow();
      throw e;
    }
  }

  /** Binds at once, so that a failure to listen is the caller's, and starts accepting. */
  FaultProxy(String name, InetSocketAddress listen, InetSocketAddress target, java.net.InetAddress source,
      ScheduledExecutorService timers, long seed) throws IOException {
    this(name, listen, target, source, timers, seed, false);
  }

  private FaultProxy(String name, InetSocketAddress listen, InetSocketAddress target, java.net.InetAddress source,
      ScheduledExecutorService timers, long seed, boolean ownsTimers) throws IOException {
    this.ownsTimers = ownsTimers;
    this.source = source;
    this.name = name;
    this.listen = listen;
    this.target = target;
    this.timers = timers;
    this.seed = seed;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    try {
      server.bind(listen, BACKLOG);
    } catch (IOException e) {
      server.close();
      throw new IOException("proxy " + name + " cannot listen on " + listen + ": " + e.getMessage(), e);
    }
    daemon(this::acceptLoop, "faultline-proxy-" + name).start();
  }

  /** Sets the faults of both byte directions; resets at once what the new faults say is too old. */
  void setFaults(LinkFaults newForward, LinkFaults newBackward) {
    forward = newForward;
    backward = newBackward;
    List<Connection> live;
    synchronized (connections) {
      live = new ArrayList<>(connections);
    }
    for (Connection c : live) c.scheduleReset(newForward.resetAfterMs());
  }

  /** Connections open now. */
  int connectionCount() {
    synchronized (connections) {
      return connections.size();
    }
  }

  /** Stops listening and resets every connection. Idempotent. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    if (ownsTimers) timers.shutdownNow();
    List<Connection> live;
    synchronized (connections) {
      live = new ArrayList<>(connections);
    }
    for (Connection c : live) c.abort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) return;
        continue;
      }
      Connection c = new Connection(client, new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * accepted.incrementAndGet())));
      synchronized (connections) {
        if (closed) {
          c.abort();
          return;
        }
        if (connections.size() >= CONNECTIONS_MAX) {
          rst(client);
          continue;
        }
        connections.add(c);
      }
      daemon(c::run, "faultline-proxy-" + name + "-connect").start();
    }
  }

  /** One proxied connection: the client's socket and, once connected, the target's. */
  private final class Connection {
    private final Socket client;
    private final SplittableRandom random;
    private final long openedNs = System.nanoTime();
    private final AtomicInteger halfClosed = new AtomicInteger();
    private volatile Socket upstream;
    private volatile boolean aborted;
    private ScheduledFuture<?> reset;

    Connection(Socket client, SplittableRandom random) {
      this.client = client;
      this.random = random;
    }

    void run() {
      try {
        scheduleReset(forward.resetAfterMs());
        while (forward.cut() && !aborted && !closed) sleepMs(HOLD_POLL_MS);
        if (aborted || closed) return;
        Socket up = new Socket();
        up.setTcpNoDelay(true);
        if (source != null) up.bind(new InetSocketAddress(source, 0));
        up.connect(target, CONNECT_TIMEOUT_MS);
        upstream = up;
        if (aborted) {
          abort();
          return;
        }
        client.setTcpNoDelay(true);
        startDirection(client, up, true);
        startDirection(up, client, false);
      } catch (IOException e) {
        abort();
      }
    }

    private void startDirection(Socket from, Socket to, boolean isForward) throws IOException {
      Pipe pipe = new Pipe(from.getInputStream(), to, isForward, random.split());
      String dir = isForward ? "->" : "<-";
      daemon(pipe::read, "faultline-proxy-" + name + dir + "read").start();
      daemon(pipe::write, "faultline-proxy-" + name + dir + "write").start();
    }

    synchronized void scheduleReset(long afterMs) {
      if (reset != null) reset.cancel(false);
      reset = null;
      if (afterMs < 0 || aborted) return;
      long ageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNs);
      reset = timers.schedule(this::abort, Math.max(0, afterMs - ageMs), TimeUnit.MILLISECONDS);
    }

    /** Closes both sockets with a TCP RST (SO_LINGER 0). */
    void abort() {
      aborted = true;
      synchronized (this) {
        if (reset != null) reset.cancel(false);
      }
      rst(client);
      Socket up = upstream;
      if (up != null) rst(up);
      forget();
    }

    /** One direction has delivered its end of stream; after both, the connection is done. */
    void halfDone() {
      if (halfClosed.incrementAndGet() == 2) {
        closeQuietly(client);
        Socket up = upstream;
        if (up != null) closeQuietly(up);
        synchronized (this) {
          if (reset != null) reset.cancel(false);
        }
        forget();
      }
    }

    private void forget() {
      synchronized (connections) {
        connections.remove(this);
      }
    }

    /** One byte direction of the connection. */
    private final class Pipe {
      private final InputStream in;
      private final Socket out;
      private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(CHUNKS_MAX);
      private final boolean isForward;
      /** Jitter draws, this direction's own: its writer is the only thread that uses it. */
      private final SplittableRandom jitter;
      private long lastDueNs;
      private long nextFreeNs;

      Pipe(InputStream in, Socket out, boolean isForward, SplittableRandom jitter) {
        this.in = in;
        this.out = out;
        this.isForward = isForward;
        this.jitter = jitter;
      }

      private LinkFaults faults() { return isForward ? forward : backward; }

      void read() {
        byte[] buffer = new byte[CHUNK_BYTES];
        try {
          while (!aborted) {
            while (faults().holdsBytes() && !aborted) sleepMs(HOLD_POLL_MS);
            int n = in.read(buffer);
            if (n < 0) {
              enqueue(EOF);
              return;
            }
            byte[] chunk = new byte[n];
            System.arraycopy(buffer, 0, chunk, 0, n);
            enqueue(chunk);
          }
        } catch (IOException e) {
          abort();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          abort();
        }
      }

      private void enqueue(byte[] bytes) throws InterruptedException {
        queue.put(new Chunk(bytes, System.nanoTime()));
      }

      void write() {
        try {
          OutputStream stream = out.getOutputStream();
          while (!aborted) {
            Chunk next = queue.poll(WRITER_POLL_MS, TimeUnit.MILLISECONDS);
            if (next == null) continue;
            byte[] chunk = next.bytes();
            long readNs = next.readNs();
            LinkFaults f = faults();
            if (f.delayMs() > 0) {
              long jitterMs = f.jitterMs() == 0 ? 0 : jitter.nextLong(-f.jitterMs(), f.jitterMs() + 1);
              long dueNs = Math.max(lastDueNs, readNs + TimeUnit.MILLISECONDS.toNanos(f.delayMs() + jitterMs));
              lastDueNs = dueNs;
              sleepUntilNs(dueNs);
            }
            while (faults().holdsBytes() && !aborted) sleepMs(HOLD_POLL_MS);
            if (aborted) return;
            if (chunk == EOF) {
              long slowMs = forward.slowCloseMs();
              if (slowMs > 0) sleepMs(slowMs);
              try {
                out.shutdownOutput();
              } catch (IOException e) {
                // The other side is gone already: nothing left to tell it.
              }
              halfDone();
              return;
            }
            long rate = faults().bandwidthBytesPerSec();
            if (rate > 0) {
              // The chunk is through the throttle once its last byte is: a token bucket of no depth.
              long dueNs = Math.max(System.nanoTime(), nextFreeNs) + chunk.length * 1_000_000_000L / rate;
              sleepUntilNs(dueNs);
              nextFreeNs = dueNs;
            }
            stream.write(chunk);
          }
        } catch (IOException e) {
          abort();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          abort();
        }
      }
    }
  }

  /** Bytes as read, and when; an empty chunk is the end of the stream. */
  private record Chunk(byte[] bytes, long readNs) {}

  private static final byte[] EOF = new byte[0];

  private static void sleepMs(long ms) {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  private static void sleepUntilNs(long dueNs) {
    long leftNs;
    while ((leftNs = dueNs - System.nanoTime()) > 0) LockSupport.parkNanos(leftNs);
  }

  private static void rst(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException e) {
      // Closed already: a plain close below is all that is left.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Teardown: nothing to do about a failed close.
    }
  }

  private static Thread daemon(Runnable body, String threadName) {
    Thread thread = new Thread(body, threadName);
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public String toString() { return "proxy " + name + " " + listen + " -> " + target; }
}
