package io.faultline.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * {@link Transport} over TCP between named nodes (DESIGN.md, "Addressing"): a peer is a name and a
 * port, and the name is resolved on every connect through the JVM's name service (the node's own
 * hosts file), so a per-link fault proxy can stand between any two nodes.
 *
 * <p>Wire format: each frame is {@code int length, int crc32c(payload), payload}; the first frame a
 * connection carries is the sender's name. A frame with a bad checksum or an impossible length
 * closes the connection (the sender reconnects); the transport is allowed to lose messages, so this
 * is always safe.
 *
 * <p>A connection whose first byte is not 0 is not this transport's (a hello frame's length is at most
 * {@link #NAME_BYTES_MAX}): it goes to the {@link ForeignConnections} given, so one port can also
 * carry a node's HTTP API through the same per-link proxies.
 *
 * <p>Threads: one acceptor, one reader per inbound connection, one sender per peer. Messages are
 * handed to the handler on the {@link EventLoop}. Bounds: {@link #OUTBOUND_QUEUE_MAX} queued messages
 * per peer and {@link #INBOUND_PENDING_MAX} messages waiting for the loop (beyond either, messages are
 * dropped, which Raft survives); frames of at most {@link #FRAME_BYTES_MAX}; reconnects back off from
 * {@link #RECONNECT_BACKOFF_MIN_MS} to {@link #RECONNECT_BACKOFF_MAX_MS}.
 *
 * @param <M> the message type
 */
public final class TcpTransport<M> implements Transport<M>, AutoCloseable {
  /** Turns messages into frame payloads and back. {@code decode} may throw on a malformed payload. */
  public interface Codec<M> {
    byte[] encode(M message);

    M decode(byte[] payload);
  }

  /**
   * Takes a connection that does not speak this transport (its first byte is not the 0 that every
   * hello frame starts with): an HTTP client on the node's one port, say. It gets the stream with
   * nothing consumed and owns the socket from then on.
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

  private final String self;
  private final Map<String, Integer> peerPorts;
  private final Codec<M> codec;
  private final EventLoop loop;
  private final ServerSocket server;
  private final Map<String, Link> links = new LinkedHashMap<>();
  private final Set<Socket> inbound = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inboundPending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final ForeignConnections foreign;
  private volatile Handler<M> handler;
  private volatile boolean closed;

  /**
   * Binds {@code bindAddress:port} and starts a sender per peer (connecting lazily, on the first message).
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
    this.peerPorts = Map.copyOf(peerPorts);
    this.codec = codec;
    this.loop = loop;
    server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
    daemon("accept-" + self, this::acceptLoop).start();
    for (Map.Entry<String, Integer> peer : this.peerPorts.entrySet()) {
      if (peer.getKey().equals(self)) continue;
      Link link = new Link(peer.getKey(), peer.getValue());
      links.put(peer.getKey(), link);
      daemon("send-" + self + "-" + peer.getKey(), link::run).start();
    }
  }

  @Override
  public String self() { return self; }

  @Override
  public void setHandler(Handler<M> h) { handler = h; }

  /** Messages dropped so far: full queues, unknown peers, undecodable frames. */
  public long dropped() { return dropped.get(); }

  @Override
  public void send(String to, M message) {
    if (to.equals(self)) {
      deliver(self, message);
      return;
    }
    Link link = links.get(to);
    if (link == null || !link.queue.offer(message)) dropped.incrementAndGet();
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

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        inbound.add(s);
        daemon("recv-" + self, () -> readLoop(s)).start();
      } catch (IOException e) {
        if (closed) return;
      }
    }
  }

  private void readLoop(Socket s) {
    BufferedInputStream buffered;
    try {
      buffered = new BufferedInputStream(s.getInputStream(), BUFFER_BYTES);
      buffered.mark(1);
      int first = buffered.read();
      buffered.reset();
      if (first > 0 && foreign != null) {
        inbound.remove(s);
        foreign.accept(s, buffered);
        return;
      }
    } catch (IOException e) {
      inbound.remove(s);
      try {
        s.close();
      } catch (IOException closing) {
        // Gone either way.
      }
      return;
    }
    try (s; DataInputStream in = new DataInputStream(buffered)) {
      byte[] name = readFrame(in, NAME_BYTES_MAX);
      String from = new String(name, StandardCharsets.UTF_8);
      while (!closed) {
        byte[] payload = readFrame(in, FRAME_BYTES_MAX);
        M message;
        try {
          message = codec.decode(payload);
        } catch (RuntimeException e) {
          dropped.incrementAndGet();
          continue;
        }
        deliver(from, message);
      }
    } catch (IOException e) {
      // Peer gone, reset, or a corrupt frame: it reconnects.
    } finally {
      inbound.remove(s);
    }
  }

  /** Reads one frame; a bad length or checksum is an IOException that ends the connection. */
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

  /** The sending side of one peer: its queue, and a thread that keeps a connection up and drains it. */
  private final class Link {
    final String peer;
    final int port;
    final BlockingQueue<M> queue = new ArrayBlockingQueue<>(OUTBOUND_QUEUE_MAX);
    volatile Socket socket;

    Link(String peer, int port) {
      this.peer = peer;
      this.port = port;
    }

    void run() {
      long backoffMs = RECONNECT_BACKOFF_MIN_MS;
      while (!closed) {
        M first;
        try {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (first == null) continue;
        try (Socket s = new Socket()) {
          socket = s;
          s.setTcpNoDelay(true);
          s.connect(new InetSocketAddress(peer, port), (int) CONNECT_TIMEOUT_MS);
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), BUFFER_BYTES));
          writeFrame(out, self.getBytes(StandardCharsets.UTF_8));
          backoffMs = RECONNECT_BACKOFF_MIN_MS;
          M next = first;
          while (!closed) {
            writeFrame(out, codec.encode(next));
            next = queue.poll();
            if (next == null) {
              out.flush();
              try {
                while (next == null && !closed) next = queue.poll(100, TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                return;
              }
              if (next == null) return;
            }
          }
        } catch (IOException e) {
          // What waited for a dead peer is stale by the time it is back (Raft resends): drop it.
          dropped.addAndGet(1 + queue.size());
          queue.clear();
          if (closed) return;
          try {
            Thread.sleep(backoffMs);
          } catch (InterruptedException ie) {
            return;
          }
          backoffMs = Math.min(RECONNECT_BACKOFF_MAX_MS, backoffMs * 2);
        } finally {
          socket = null;
        }
      }
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    List<Socket> sockets = new ArrayList<>(inbound);
    for (Link link : links.values()) if (link.socket != null) sockets.add(link.socket);
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
  }
}
