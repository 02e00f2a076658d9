package io.faultline.raft;

import io.faultline.runtime.TcpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries HTTP connections that arrive on the node's Raft port over to its HTTP server, byte for byte,
 * so that clients can reach the API through the same per-link fault proxies as peers do (the local
 * deployment's proxies forward the node's one port). At most {@link #CONNECTIONS_MAX} at a time;
 * two threads each.
 */
final class HttpForwarder implements TcpTransport.ForeignConnections {
  static final int CONNECTIONS_MAX = 256;
  static final int CONNECT_TIMEOUT_MS = 1_000;
  static final int BUFFER_BYTES = 16 << 10;

  private final String host;
  private final AtomicInteger open = new AtomicInteger();
  private volatile int httpPort;

  HttpForwarder(String host) {
    this.host = host;
  }

  /** Starts forwarding once the HTTP server is up; connections before that are closed. */
  void target(int port) { httpPort = port; }

  @Override
  public void accept(Socket client, InputStream fromClient) {
    int port = httpPort;
    if (port == 0 || open.incrementAndGet() > CONNECTIONS_MAX) {
      if (port != 0) open.decrementAndGet();
      closeQuietly(client);
      return;
    }
    Socket server = new Socket();
    try {
      server.setTcpNoDelay(true);
      server.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
      InputStream fromServer = server.getInputStream();
      OutputStream toServer = server.getOutputStream();
      OutputStream toClient = client.getOutputStream();
      Thread back = new Thread(() -> pump(fromServer, toClient, client, server), "http-fwd-back");
      back.setDaemon(true);
      back.start();
      pump(fromClient, toServer, client, server);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(server);
    } finally {
      open.decrementAndGet();
    }
  }

  /** Copies until either side ends, then closes both, so the other pump ends too. */
  private static void pump(InputStream in, OutputStream out, Socket a, Socket b) {
    byte[] buffer = new byte[BUFFER_BYTES];
    try {
      int n;
      while ((n = in.read(buffer)) != -1) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // One side went away: close both below.
    } finally {
      closeQuietly(a);
      closeQuietly(b);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }
}
