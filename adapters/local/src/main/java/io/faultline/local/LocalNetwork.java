package io.faultline.local;

import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The proxy network of a local deployment: one {@link FaultProxy} per directed link between nodes
 * (and from the clients to each node when clients are partitionable), addressed by
 * {@link HostsFile}. Proxies live in the harness JVM, so they outlive node restarts and die with
 * the harness: a killed run leaves none behind.
 */
public final class LocalNetwork implements NetworkControl, AutoCloseable {
  private final List<String> nodeIds;
  private final List<String> endpoints;
  private final Map<String, FaultProxy> proxies = new LinkedHashMap<>();
  private final Map<String, LinkFaults> faults = new LinkedHashMap<>();
  private final ScheduledExecutorService timers;

  /** Where each link's proxy listens, where it forwards to and from which source address. */
  interface Addressing {
    String listen(String from, String to);

    String target(String to);

    /** The upstream source address for {@code from}'s links, or null for any. */
    String source(String from);
  }

  /** The loopback addressing of {@link HostsFile}. */
  static Addressing loopback(List<String> nodeIds) {
    return new Addressing() {
      @Override public String listen(String from, String to) { return HostsFile.linkAddress(nodeIds, from, to); }
      @Override public String target(String to) { return HostsFile.nodeAddress(nodeIds, to); }
      @Override public String source(String from) { return null; }
    };
  }

  /** Starts every proxy on loopback addresses; on failure closes those started and throws. */
  LocalNetwork(List<String> nodeIds, int[] ports, long seed, boolean partitionClients) throws IOException {
    this(nodeIds, ports, seed, partitionClients, loopback(nodeIds));
  }

  /** Starts every proxy; on failure closes those started and throws. */
  LocalNetwork(List<String> nodeIds, int[] ports, long seed, boolean partitionClients, Addressing addressing)
      throws IOException {
    if (nodeIds.size() > HostsFile.NODES_MAX) {
      throw new IllegalArgumentException("at most " + HostsFile.NODES_MAX + " nodes, got " + nodeIds.size());
    }
    this.nodeIds = List.copyOf(nodeIds);
    List<String> all = new ArrayList<>(nodeIds);
    if (partitionClients) all.add(CLIENTS);
    this.endpoints = List.copyOf(all);
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "faultline-proxy-timers");
      thread.setDaemon(true);
      return thread;
    });
    try {
      for (String from : endpoints) {
        for (int t = 0; t < nodeIds.size(); t++) {
          String to = nodeIds.get(t);
          if (from.equals(to)) continue;
          InetSocketAddress listen = new InetSocketAddress(addressing.listen(from, to), ports[t]);
          InetSocketAddress target = new InetSocketAddress(addressing.target(to), ports[t]);
          String source = addressing.source(from);
          proxies.put(key(from, to), new FaultProxy(from + "-" + to, listen, target,
              source == null ? null : java.net.InetAddress.getByName(source), timers, seed * 31 + proxies.size()));
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private static String key(String from, String to) { return from + "\u2192" + to; }

  @Override
  public List<String> endpoints() { return endpoints; }

  @Override
  public synchronized void setLink(String from, String to, LinkFaults linkFaults) {
    java.util.Objects.requireNonNull(linkFaults, "linkFaults");
    requireEndpoint(from);
    requireEndpoint(to);
    if (from.equals(to)) throw new IllegalArgumentException("a link joins two endpoints, got " + from + " twice");
    if (linkFaults.isNone()) faults.remove(key(from, to)); else faults.put(key(from, to), linkFaults);
    apply(from, to);
    apply(to, from);
  }

  @Override
  public synchronized LinkFaults link(String from, String to) {
    return faults.getOrDefault(key(from, to), LinkFaults.NONE);
  }

  @Override
  public synchronized void healAll() {
    faults.clear();
    for (FaultProxy proxy : proxies.values()) proxy.setFaults(LinkFaults.NONE, LinkFaults.NONE);
  }

  /** The proxy of {@code from→to}'s listening address, for the harness's clients. */
  String proxyAddress(String from, String to) { return HostsFile.linkAddress(nodeIds, from, to); }

  /** Connections open now through all proxies. */
  int connectionCount() {
    int n = 0;
    for (FaultProxy proxy : proxies.values()) n += proxy.connectionCount();
    return n;
  }

  private void apply(String from, String to) {
    FaultProxy proxy = proxies.get(key(from, to));
    if (proxy != null) proxy.setFaults(link(from, to), link(to, from));
  }

  private void requireEndpoint(String id) {
    if (!endpoints.contains(id)) throw new IllegalArgumentException("no endpoint " + id + " in " + endpoints);
  }

  /** Closes every proxy and its connections. Idempotent. */
  @Override
  public synchronized void close() {
    for (FaultProxy proxy : proxies.values()) proxy.close();
    proxies.clear();
    timers.shutdownNow();
  }
}
