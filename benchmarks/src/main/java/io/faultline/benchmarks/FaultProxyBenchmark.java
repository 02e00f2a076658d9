package io.faultline.benchmarks;

import io.faultline.local.FaultProxy;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The {@link FaultProxy}'s own cost with no fault on: one round trip of {@code messageBytes} to an
 * echo server on 127.0.0.1, over one TCP connection opened in setup, either straight to the echo
 * server ({@code direct}) or through a proxy listening on the link address 127.0.0.2 at the echo
 * server's port ({@code proxy}), as a link proxy listens in a local deployment (DESIGN.md,
 * "Addressing"). The difference between the two is the proxy's overhead per round trip: each way, a
 * reader thread hands a chunk to a writer thread, which writes it on.
 *
 * <p>The measured loop writes a pre-filled array and reads the echo into another: no allocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FaultProxyBenchmark {
  static final InetAddress ECHO_ADDRESS = InetAddress.getLoopbackAddress();
  /** The proxy's listen address: a link address of its own, as in a local deployment. */
  static final String PROXY_HOST = "127.0.0.2";
  /** Bound on every blocking read, so that a lost byte fails the run rather than hanging it. */
  static final int READ_TIMEOUT_MS = 5_000;
  static final int CONNECT_TIMEOUT_MS = 2_000;

  /** The two routes to the echo server, measured through the same loop. */
  enum Route {
    DIRECT {
      @Override
      Endpoint open(InetSocketAddress echo) {
        return new Endpoint(echo, () -> {});
      }
    },
    PROXY {
      @Override
      Endpoint open(InetSocketAddress echo) throws IOException {
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName(PROXY_HOST), echo.getPort());
        FaultProxy proxy = FaultProxy.withoutFaults("benchmark", listen, echo);
        return new Endpoint(listen, proxy);
      }
    };

    /** Where to connect to reach the echo server at {@code echo}, and what to close afterwards. */
    abstract Endpoint open(InetSocketAddress echo) throws IOException;

    static Route byName(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /** An address to connect to and what to close once done with it. */
  record Endpoint(InetSocketAddress address, AutoCloseable resource) {}

  @Param({"direct", "proxy"})
  String route;

  @Param({"64", "4096"})
  int messageBytes;

  private EchoServer echo;
  private Endpoint endpoint;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private byte[] message;
  private byte[] reply;

  @Setup(Level.Trial)
  public void connect() throws Exception {
    echo = new EchoServer(new InetSocketAddress(ECHO_ADDRESS, 0));
    endpoint = Route.byName(route).open(echo.address());
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(endpoint.address(), CONNECT_TIMEOUT_MS);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    out = socket.getOutputStream();
    in = socket.getInputStream();
    message = new byte[messageBytes];
    for (int i = 0; i < message.length; i++) message[i] = (byte) (i * 31 + 7);
    reply = new byte[messageBytes];
    roundTrip();
    if (!Arrays.equals(message, reply)) throw new IllegalStateException("the " + route + " route changed the bytes");
  }

  @Benchmark
  public byte roundTrip() throws IOException {
    out.write(message);
    int read = 0;
    while (read < reply.length) {
      int n = in.read(reply, read, reply.length - read);
      if (n < 0) throw new EOFException("the " + route + " route closed after " + read + " of " + reply.length + " bytes");
      read += n;
    }
    return reply[reply.length - 1];
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    if (socket != null) socket.close();
    if (endpoint != null) endpoint.resource().close();
    if (echo != null) echo.close();
  }

  /** Echoes every byte back on each connection, a thread per connection; close stops it all. */
  static final class EchoServer implements AutoCloseable {
    static final int BUFFER_BYTES = 16 * 1024;
    static final long JOIN_MS = 2_000;

    private final ServerSocket server = new ServerSocket();
    private final List<Socket> accepted = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    EchoServer(InetSocketAddress bind) throws IOException {
      server.bind(bind);
      start(this::acceptLoop, "echo-accept");
    }

    InetSocketAddress address() {
      return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        Socket s;
        try {
          s = server.accept();
          s.setTcpNoDelay(true);
        } catch (IOException e) {
          return; // closed
        }
        synchronized (accepted) {
          accepted.add(s);
        }
        start(() -> echo(s), "echo-" + s.getPort());
      }
    }

    private static void echo(Socket s) {
      byte[] buffer = new byte[BUFFER_BYTES];
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) out.write(buffer, 0, n);
      } catch (IOException e) {
        // Closed by the benchmark's teardown.
      }
    }

    private void start(Runnable body, String name) {
      Thread t = new Thread(body, name);
      t.setDaemon(true);
      synchronized (threads) {
        threads.add(t);
      }
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      List<Thread> toJoin;
      synchronized (accepted) {
        for (Socket s : accepted) s.close();
      }
      synchronized (threads) {
        toJoin = new ArrayList<>(threads);
      }
      try {
        for (Thread t : toJoin) t.join(JOIN_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
