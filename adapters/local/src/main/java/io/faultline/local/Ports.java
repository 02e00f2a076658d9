package io.faultline.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Node ports: from a fixed range below the kernel's ephemeral range (32768+ here), so that a port
 * freed by a killed node is never taken meanwhile by some outgoing connection, and a restarted
 * node finds its port again. A port is handed out only after binding it on every address succeeded,
 * and never twice by one JVM.
 */
public final class Ports {
  public static final int PORT_MIN = 20_000;
  public static final int PORT_MAX = 29_999;

  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private Ports() {}

  /**
   * {@code count} free ports. The probe starts at a point derived from {@code seed}, so runs with
   * different seeds on one machine rarely probe the same ports first.
   */
  public static synchronized int[] allocate(int count, long seed) throws IOException {
    int span = PORT_MAX - PORT_MIN + 1;
    if (count < 1 || count > span) throw new IllegalArgumentException("count must be 1.." + span + ", got " + count);
    int[] ports = new int[count];
    int found = 0;
    int start = (int) Math.floorMod(seed * 0x9E3779B97F4A7C15L, (long) span);
    for (int probe = 0; probe < span && found < count; probe++) {
      int port = PORT_MIN + (start + probe) % span;
      if (!HANDED_OUT.contains(port) && isFree(port)) {
        HANDED_OUT.add(port);
        ports[found++] = port;
      }
    }
    if (found < count) {
      throw new IOException("only " + found + " of " + count + " ports free in " + PORT_MIN + ".." + PORT_MAX);
    }
    return ports;
  }

  /** Gives ports back once the nodes that used them are gone for good. */
  public static synchronized void release(int[] ports) {
    for (int port : ports) HANDED_OUT.remove(port);
  }

  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      // The wildcard address clashes with a listener on any address: the node's own, or a link's.
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
