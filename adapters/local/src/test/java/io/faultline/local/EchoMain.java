package io.faultline.local;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A node for the network tests: echoes every connection on {@code <address> <port>}. */
public final class EchoMain {
  private EchoMain() {}

  public static void main(String[] args) throws Exception {
    ParentWatch.start();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
      System.out.println("ready");
      System.out.flush();
      while (true) {
        Socket s = server.accept();
        Thread t = new Thread(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
          } catch (Exception e) {
            // The peer went away.
          }
        });
        t.setDaemon(true);
        t.start();
      }
    }
  }
}
