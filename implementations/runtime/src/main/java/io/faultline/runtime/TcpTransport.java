package io.faultline.runtime;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * {@link Transport} over TCP between named nodes (DESIGN.md, "Addressing"), non-blocking: one NIO
 * selector thread accepts, connects, reads and writes for every peer. A peer is a name and a port, and
 * the name is resolved on every connect through the JVM's name service (the node's own hosts file), so
 * a per-link fault proxy can stand between any two nodes.
 *
 * <p>Wire format: each frame is {@code int length, int crc32c(payload), payload}; the first frame a
 * connection carries is the sender's name. A frame with a bad checksum or an impossible length
 * closes the connection (the sender reconnects); the transport is allowed to lose messages, so this
 * is always safe.
 *
 * <p>Batching: a peer's queued messages are encoded into one buffer of up to {@link #BUFFER_BYTES}
 * and written with one call. Back-pressure: a buffer is refilled only when the socket has taken the
 * last one, so a slow link leaves messages in the peer's queue, bounded by {@link #OUTBOUND_QUEUE_MAX};
 * beyond it (and beyond {@link #INBOUND_PENDING_MAX} messages waiting for the loop) messages are
 * dropped and counted, which Raft survives. Frames of at most {@link #FRAME_BYTES_MAX}; reconnects back
 * off from {@link #RECONNECT_BACKOFF_MIN_MS} to {@link #RECONNECT_BACKOFF_MAX_MS}; a connect that takes
 * longer than {@link #CONNECT_TIMEOUT_MS} is abandoned.
 *
 * <p>A connection whose first byte is not 0 is not this transport's (a hello frame's length is at most
 * {@link #NAME_BYTES_MAX}): it is taken off the selector, switched to blocking mode and given, on a
 * thread of its own, to the {@link ForeignConnections} given, so one port can also carry a node's HTTP
 * API through the same per-link proxies.
 *
 * @param <M> the message type
 */
public final class TcpTransport<M> implements Transport<M>, AutoCloseable {
  /** Turns messages into frame payloads and back. Both run on the selector thread; {@code decode} may throw on a malformed payload. */
  public interface Codec<M> {
    byte[] encode(M message);

    M decode(byte[] payload);
  }

  /**
   * Takes a connection that does not speak this transport (its first byte is not the 0 that every
   * hello frame starts with): an HTTP client on the node's one port, say. It gets a blocking socket
   * and a stream with nothing consumed, on a thread of its own, and owns the socket from then on.
   */
  public interface ForeignConnections {
    void accept(Socket socket, InputStream in);
  }

  public static final int FRAME_BYTES_MAX = 16 << 20;
  public static final int NAME_BYTES_MAX = 255;
  public static final int OUTBOUND_QUEUE_MAX = 10_000;
  public static final int INBOUND_PENDING_MAX = 10_000;
  public static final long CONNECT_TIMEOUT_MS = 1_000;
  public static final long RECONNECT_BACKOFF_MIN_MS = 20;
  public static final long RECONNECT_BACKOFF_MAX_MS = 500;
  static final int BUFFER_BYTES = 64 << 10;
  static final int HEADER_BYTES = 8;
  static final long SELECT_IDLE_MS = 100;
  static final long CLOSE_WAIT_MS = 2_000;

  private final String self;
  private final Codec<M> codec;
  private final EventLoop loop;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final Map<String, Link> links = new LinkedHashMap<>();
  private final AtomicInteger inboundPending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final ForeignConnections foreign;
  private final Thread selectorThread;
  private volatile Handler<M> handler;
  private volatile boolean closed;

  /**
   * Binds {@code bindAddress:port} and starts the selector thread (connecting to a peer lazily, on the
   * first message for it).
   *
   * @param peerPorts every other node's name and port
   */
  public TcpTransport(String self, String bindAddress, int port, Map<String, Integer> peerPorts, Codec<M> codec,
      EventLoop loop) throws IOException {
    this(self, bindAddress, port, peerPorts, codec, loop, null);
  }

  /** As above; connections that are not this transport's go to {@code foreign} (null: closed). */
  public TcpTransport(String self, String bindAddress, int port, Map<String, Integer> peerPorts, Codec<M> codec,
      EventLoop loop, ForeignConnections foreign) throws IOException {
    this.foreign = foreign;
    this.self = self;
    this.codec = codec;
    this.loop = loop;
    for (Map.Entry<String, Integer> peer : peerPorts.entrySet()) {
      if (!peer.getKey().equals(self)) links.put(peer.getKey(), new Link(peer.getKey(), peer.getValue()));
    }
    selector = Selector.open();
    try {
      server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    selectorThread = daemon("nio-" + self, this::run);
    selectorThread.start();
  }

  @Override
  public String self() { return self; }

  @Override
  public void setHandler(Handler<M> h) { handler = h; }

  /** Messages dropped so far: full queues, unknown peers, broken connections, undecodable frames. */
  public long dropped() { return dropped.get(); }

  @Override
  public void send(String to, M message) {
    if (to.equals(self)) {
      deliver(self, message);
      return;
    }
    Link link = links.get(to);
    if (link == null || closed) {
      dropped.incrementAndGet();
      return;
    }
    if (link.queued.incrementAndGet() > OUTBOUND_QUEUE_MAX) {
      link.queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    link.queue.add(message);
    if (wakeupPending.compareAndSet(false, true)) selector.wakeup();
  }

  private void deliver(String from, M message) {
    if (inboundPending.incrementAndGet() > INBOUND_PENDING_MAX) {
      inboundPending.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    loop.execute(() -> {
      inboundPending.decrementAndGet();
      Handler<M> h = handler;
      if (h != null) h.onMessage(from, message);
    });
  }

  // ---- the selector thread ----

  private void run() {
    List<Inbound> handoffs = new ArrayList<>();
    try {
      while (!closed) {
        wakeupPending.set(false); // before looking at the queues: a send after this wakes the select below
        long nowNs = System.nanoTime();
        long waitMs = SELECT_IDLE_MS;
        for (Link link : links.values()) waitMs = Math.min(waitMs, link.service(nowNs));
        selector.select(Math.max(1, waitMs));
        if (closed) break;
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          try {
            if (!key.isValid()) continue;
            if (key.isAcceptable()) {
              accept();
            } else if (key.attachment() instanceof TcpTransport.Inbound) {
              @SuppressWarnings("unchecked")
              Inbound in = (Inbound) key.attachment();
              if (in.read() && in.foreign) handoffs.add(in);
            } else if (key.attachment() instanceof TcpTransport.Link) {
              @SuppressWarnings("unchecked")
              Link link = (Link) key.attachment();
              link.ready(key);
            }
          } catch (CancelledKeyException e) {
            // Closed under us: nothing left to do for it.
          }
        }
        if (!handoffs.isEmpty()) {
          selector.selectNow(); // completes the cancellations, so the channels may block again
          for (Inbound in : handoffs) in.handOff();
          handoffs.clear();
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) System.err.println("faultline: transport of " + self + " stopped: " + e);
    } finally {
      for (SelectionKey key : selector.keys()) closeQuietly(key.channel());
      closeQuietly(server);
      closeQuietly(selector);
    }
  }

  private void accept() throws IOException {
    SocketChannel ch = server.accept();
    if (ch == null) return;
    try {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Inbound in = new Inbound(ch);
      in.key = ch.register(selector, SelectionKey.OP_READ, in);
    } catch (IOException e) {
      closeQuietly(ch);
    }
  }

  /** One accepted connection: the peer's frames, or a foreign protocol to hand off. */
  private final class Inbound {
    final SocketChannel channel;
    SelectionKey key;
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    String from;
    boolean foreign;

    Inbound(SocketChannel channel) {
      this.channel = channel;
    }

    /** Reads what is there and delivers whole frames; true when the connection turned out to be foreign. */
    boolean read() {
      try {
        int n = channel.read(buffer);
        if (n < 0) throw new IOException("closed by peer");
        buffer.flip();
        try {
          if (from == null && buffer.hasRemaining() && buffer.get(0) != 0 && TcpTransport.this.foreign != null) {
            foreign = true;
            key.cancel();
            return true;
          }
          while (true) {
            byte[] payload = nextFrame(buffer, from == null ? NAME_BYTES_MAX : FRAME_BYTES_MAX);
            if (payload == null) break;
            if (from == null) {
              from = new String(payload, StandardCharsets.UTF_8);
              continue;
            }
            M message;
            try {
              message = codec.decode(payload);
            } catch (RuntimeException e) {
              dropped.incrementAndGet();
              continue;
            }
            deliver(from, message);
          }
        } finally {
          if (!foreign) buffer.compact();
        }
        if (!buffer.hasRemaining()) grow();
        return false;
      } catch (IOException e) {
        // Peer gone, reset, or a corrupt frame: the sender reconnects.
        key.cancel();
        closeQuietly(channel);
        return false;
      }
    }

    /** Room for the frame whose header is at the start of the (full) buffer. */
    private void grow() throws IOException {
      int length = buffer.getInt(0);
      int need = HEADER_BYTES + length;
      if (need <= buffer.capacity()) throw new IOException("frame length " + length + " does not fit");
      ByteBuffer bigger = ByteBuffer.allocate(need);
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
    }

    /** Gives the connection to {@link #foreign} with the bytes read so far put back in front. */
    void handOff() {
      try {
        channel.configureBlocking(true);
        byte[] seen = new byte[buffer.remaining()];
        buffer.get(seen);
        Socket socket = channel.socket();
        InputStream stream = new SequenceInputStream(new ByteArrayInputStream(seen), socket.getInputStream());
        daemon("foreign-" + self, () -> TcpTransport.this.foreign.accept(socket, stream)).start();
      } catch (IOException | RuntimeException e) {
        closeQuietly(channel);
      }
    }
  }

  /**
   * Parses the next whole frame at the buffer's position (read mode), or returns null and leaves the
   * position where it was when the frame is not all there yet.
   */
  static byte[] nextFrame(ByteBuffer buffer, int bytesMax) throws IOException {
    if (buffer.remaining() < HEADER_BYTES) return null;
    int at = buffer.position();
    int length = buffer.getInt(at);
    if (length < 0 || length > bytesMax) throw new IOException("frame length " + length + " outside 0.." + bytesMax);
    if (buffer.remaining() < HEADER_BYTES + length) return null;
    int crc = buffer.getInt(at + 4);
    byte[] payload = new byte[length];
    buffer.position(at + HEADER_BYTES);
    buffer.get(payload);
    if (crc32c(payload) != crc) throw new IOException("frame checksum mismatch");
    return payload;
  }

  /** Reads one frame from a stream; a bad length or checksum is an IOException. */
  static byte[] readFrame(DataInputStream in, int bytesMax) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > bytesMax) throw new IOException("frame length " + length + " outside 0.." + bytesMax);
    int crc = in.readInt();
    byte[] payload = new byte[length];
    in.readFully(payload);
    if (crc32c(payload) != crc) throw new IOException("frame checksum mismatch");
    return payload;
  }

  static void writeFrame(DataOutputStream out, byte[] payload) throws IOException {
    out.writeInt(payload.length);
    out.writeInt(crc32c(payload));
    out.write(payload);
  }

  static int crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length);
    return (int) crc.getValue();
  }

  /** The sending side of one peer: its queue, and its connection as the selector thread keeps it. */
  private final class Link {
    final String peer;
    final int port;
    final Queue<M> queue = new ConcurrentLinkedQueue<>();
    final AtomicInteger queued = new AtomicInteger();
    SocketChannel channel;
    SelectionKey key;
    boolean connected;
    long connectStartNs;
    long retryAtNs;
    long backoffMs = RECONNECT_BACKOFF_MIN_MS;
    ByteBuffer out = ByteBuffer.allocate(BUFFER_BYTES);

    Link(String peer, int port) {
      this.peer = peer;
      this.port = port;
      out.flip(); // empty, in read mode
    }

    /** Connects or writes as needed; returns how long the selector may sleep for this link's sake, in ms. */
    long service(long nowNs) {
      if (channel == null) {
        if (queue.isEmpty()) return SELECT_IDLE_MS;
        if (nowNs < retryAtNs) return Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryAtNs - nowNs));
        connect(nowNs);
        return SELECT_IDLE_MS;
      }
      if (!connected) {
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(nowNs - connectStartNs);
        if (waitedMs >= CONNECT_TIMEOUT_MS) {
          fail(nowNs);
          return SELECT_IDLE_MS;
        }
        return Math.max(1, CONNECT_TIMEOUT_MS - waitedMs);
      }
      write(nowNs);
      return SELECT_IDLE_MS;
    }

    private void connect(long nowNs) {
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connectStartNs = nowNs;
        InetSocketAddress address = new InetSocketAddress(peer, port); // resolved now, through the node's hosts file
        if (address.isUnresolved()) throw new IOException("cannot resolve " + peer);
        connected = channel.connect(address);
        key = channel.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, this);
        if (connected) onConnected();
      } catch (IOException | RuntimeException e) {
        fail(nowNs);
      }
    }

    private void onConnected() {
      connected = true;
      backoffMs = RECONNECT_BACKOFF_MIN_MS;
      out.clear();
      byte[] hello = self.getBytes(StandardCharsets.UTF_8);
      out.putInt(hello.length).putInt(crc32c(hello)).put(hello);
      out.flip();
    }

    void ready(SelectionKey k) {
      long nowNs = System.nanoTime();
      try {
        if (k.isConnectable()) {
          if (!channel.finishConnect()) return;
          onConnected();
        }
        if (k.isReadable()) {
          ByteBuffer sink = ByteBuffer.allocate(256);
          if (channel.read(sink) < 0) throw new IOException("closed by peer");
        }
        write(nowNs);
      } catch (IOException | RuntimeException e) {
        fail(nowNs);
      }
    }

    /** Writes the buffer, refilled with as many queued frames as fit, until the socket takes no more. */
    private void write(long nowNs) {
      try {
        while (true) {
          if (!out.hasRemaining() && !fill()) break;
          channel.write(out);
          if (out.hasRemaining()) break; // the socket is full: wait until it is writable
        }
        // Read interest only to notice the peer closing; write interest while bytes wait.
        key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
      } catch (IOException | RuntimeException e) {
        fail(nowNs);
      }
    }

    /** Encodes queued messages into the (drained) buffer; false when there was none. */
    private boolean fill() {
      out.clear();
      int frames = 0;
      M next;
      while ((next = queue.peek()) != null) {
        byte[] payload = codec.encode(next);
        if (payload.length > FRAME_BYTES_MAX) {
          queue.poll();
          queued.decrementAndGet();
          dropped.incrementAndGet();
          continue;
        }
        int need = HEADER_BYTES + payload.length;
        if (need > out.remaining()) {
          if (frames > 0) break;
          if (need > out.capacity()) out = ByteBuffer.allocate(need); // one frame bigger than the buffer
        }
        queue.poll();
        queued.decrementAndGet();
        out.putInt(payload.length).putInt(crc32c(payload)).put(payload);
        frames++;
      }
      if (out.capacity() > BUFFER_BYTES && frames == 0) out = ByteBuffer.allocate(BUFFER_BYTES);
      out.flip();
      return frames > 0;
    }

    /** Drops the connection and what waited for it (stale by the time the peer is back: Raft resends), then backs off. */
    private void fail(long nowNs) {
      if (key != null) key.cancel();
      closeQuietly(channel);
      channel = null;
      key = null;
      connected = false;
      int lost = out.remaining() > 0 ? 1 : 0;
      out = ByteBuffer.allocate(BUFFER_BYTES);
      out.flip();
      M m;
      while ((m = queue.poll()) != null) {
        queued.decrementAndGet();
        lost++;
      }
      dropped.addAndGet(lost);
      if (closed) return;
      retryAtNs = nowNs + TimeUnit.MILLISECONDS.toNanos(backoffMs);
      backoffMs = Math.min(RECONNECT_BACKOFF_MAX_MS, backoffMs * 2);
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception e) {
      // Closing anyway.
    }
  }

  /** Stops the selector thread and closes every connection and the listening socket before returning. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      selectorThread.join(CLOSE_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (selectorThread.isAlive()) {
      closeQuietly(server);
      closeQuietly(selector);
    }
  }
}
