package io.faultline.local;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code toxiproxy} network backend: the same addressing as {@link LocalNetwork} (one proxy per
 * directed link, listening on the link's own loopback address at the destination's port), but the
 * proxies are a Toxiproxy server's, driven through toxiproxy-java, and the faults are its toxics.
 *
 * <p>Mapping: proxy {@code a→b} carries the bytes {@code a→b} on its {@code upstream} stream and the
 * bytes {@code b→a} (replies on connections a opened) on {@code downstream}, so its upstream toxics
 * come from {@code link(a,b)} and its downstream toxics from the byte faults of {@code link(b,a)},
 * as {@link FaultProxy}'s forward and backward faults do. {@code cut} and {@code blackhole} are a
 * {@code timeout} toxic with timeout 0; {@code delayMs}±{@code jitterMs} a {@code latency};
 * {@code bandwidthBytesPerSec} a {@code bandwidth} (Toxiproxy counts KB/s: rounded up, at least 1);
 * {@code resetAfterMs} a {@code reset_peer}; {@code slowCloseMs} a {@code slow_close}.
 *
 * <p>Where Toxiproxy differs from our proxy: a timeout toxic drops the bytes it holds back (ours keeps
 * them and lets them flow at the heal, as TCP retransmission would), and it accepts new connections
 * during a cut (ours leaves them unconnected, as a lost SYN). Runs through this backend see the
 * harsher of the two.
 *
 * <p>The server must run on this machine (or share its network namespace: host networking), since
 * its proxies listen on the loopback aliases of {@link HostsFile}. Every proxy is named
 * {@code fl-<run>-<from>-<to>}; a stale proxy of a killed run with the same name or listen address
 * is deleted before ours is created, and {@link #close} deletes ours.
 */
public final class ToxiproxyNetwork implements NetworkControl, AutoCloseable {
  /** The system property naming the Toxiproxy server, {@code HOST:PORT} (set by {@code --toxiproxy}). */
  public static final String ENDPOINT_PROPERTY = "faultline.toxiproxy";
  /** The environment variable read when the property is absent. */
  public static final String ENDPOINT_ENV = "FAULTLINE_TOXIPROXY";
  /** Bound on the first call to the server, which tells whether it answers at all. */
  static final int PROBE_TIMEOUT_MS = 3_000;
  /**
   * Bound on each operation (a link change, a heal, the setup, the teardown): toxiproxy-java's
   * HttpURLConnections have no timeouts of their own, so each operation runs on {@link #calls} and is
   * abandoned past this.
   */
  static final long OPERATION_TIMEOUT_MS = 30_000;

  /** One toxic as Toxiproxy stores it: name, type, stream and integer attributes. */
  record ToxicSpec(String name, String type, ToxicDirection stream, Map<String, Long> attributes) {
    ToxicSpec {
      attributes = Map.copyOf(attributes);
    }
  }

  private final ToxiproxyClient client;
  private final List<String> nodeIds;
  private final List<String> endpoints;
  private final Map<String, Proxy> proxies = new LinkedHashMap<>();
  /** The toxics in force, by proxy key, then toxic name: what {@link #apply} last created. */
  private final Map<String, Map<String, ToxicSpec>> applied = new LinkedHashMap<>();
  private final Map<String, LinkFaults> faults = new LinkedHashMap<>();
  private final java.util.concurrent.ExecutorService calls = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "faultline-toxiproxy-calls");
    thread.setDaemon(true);
    return thread;
  });
  private final String endpoint;

  /** An operation on the server, which may fail with an IOException. */
  private interface Call {
    void run() throws IOException;
  }

  /**
   * Creates every proxy on the server at {@code endpoint}; on failure deletes those created and throws.
   *
   * @param endpoint the server's API, {@code HOST:PORT}
   */
  ToxiproxyNetwork(String endpoint, String runId, List<String> nodeIds, int[] ports, boolean partitionClients,
      LocalNetwork.Addressing addressing) throws IOException {
    String[] hostPort = parseEndpoint(endpoint);
    probe(hostPort[0], Integer.parseInt(hostPort[1]));
    this.client = new ToxiproxyClient(hostPort[0], Integer.parseInt(hostPort[1]));
    this.endpoint = endpoint;
    this.nodeIds = List.copyOf(nodeIds);
    List<String> all = new ArrayList<>(nodeIds);
    if (partitionClients) all.add(CLIENTS);
    this.endpoints = List.copyOf(all);
    try {
      bounded("setup", () -> createProxies(runId, ports, addressing));
    } catch (IOException | RuntimeException e) {
      close();
      throw new IOException("toxiproxy at " + endpoint + ": " + e.getMessage(), e);
    }
  }

  private void createProxies(String runId, int[] ports, LocalNetwork.Addressing addressing) throws IOException {
    Map<String, String> staleByListen = new LinkedHashMap<>();
    for (Proxy p : client.getProxies()) staleByListen.put(p.getListen(), p.getName());
    for (String from : endpoints) {
      for (int t = 0; t < nodeIds.size(); t++) {
        String to = nodeIds.get(t);
        if (from.equals(to)) continue;
        String name = proxyName(runId, from, to);
        String listen = addressing.listen(from, to) + ":" + ports[t];
        String upstream = addressing.target(to) + ":" + ports[t];
        for (Map.Entry<String, String> stale : staleByListen.entrySet()) {
          if (stale.getKey().equals(listen) || stale.getValue().equals(name)) {
            Proxy old = client.getProxyOrNull(stale.getValue());
            if (old != null) old.delete();
          }
        }
        proxies.put(key(from, to), client.createProxy(name, listen, upstream));
      }
    }
  }

  /** Runs {@code call} on {@link #calls}, waiting at most {@link #OPERATION_TIMEOUT_MS}. */
  private void bounded(String what, Call call) throws IOException {
    java.util.concurrent.Future<?> f = calls.submit(() -> {
      call.run();
      return null;
    });
    try {
      f.get(OPERATION_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      throw new IOException("toxiproxy at " + endpoint + ": " + what + " took longer than " + OPERATION_TIMEOUT_MS + " ms", e);
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("toxiproxy at " + endpoint + ": " + what + " interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) throw io;
      if (cause instanceof RuntimeException re) throw re;
      throw new IOException("toxiproxy at " + endpoint + ": " + what + ": " + cause, cause);
    }
  }

  /** The Toxiproxy server the environment names ({@link #ENDPOINT_PROPERTY}, {@link #ENDPOINT_ENV}), or null. */
  public static String configuredEndpoint() {
    String value = System.getProperty(ENDPOINT_PROPERTY);
    if (value == null || value.isBlank()) value = System.getenv(ENDPOINT_ENV);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** {@code HOST:PORT} split and checked; an IllegalArgumentException names the bad value. */
  public static String[] parseEndpoint(String endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0 || colon == endpoint.length() - 1) {
      throw new IllegalArgumentException("toxiproxy endpoint must be HOST:PORT, got '" + endpoint + "'");
    }
    String host = endpoint.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("toxiproxy endpoint must be HOST:PORT, got '" + endpoint + "'", e);
    }
    if (port < 1 || port > 65_535) throw new IllegalArgumentException("toxiproxy port must be 1..65535, got " + port);
    return new String[] {host, Integer.toString(port)};
  }

  static String proxyName(String runId, String from, String to) {
    return "fl-" + runId.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + from + "-" + to;
  }

  /** GET /version with a bound, so that a server that is not there fails fast and says so. */
  private static void probe(String host, int port) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/version").toURL().openConnection();
    connection.setConnectTimeout(PROBE_TIMEOUT_MS);
    connection.setReadTimeout(PROBE_TIMEOUT_MS);
    try (InputStream in = connection.getInputStream()) {
      new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("no Toxiproxy server answers at " + host + ":" + port + " (GET /version: " + e.getMessage() + ")", e);
    } finally {
      connection.disconnect();
    }
  }

  private static String key(String from, String to) { return from + "\u2192" + to; }

  /**
   * The toxics of proxy {@code a→b}: {@code forward} is {@code link(a,b)}, {@code backward} is
   * {@code link(b,a)}, whose byte faults act on the replies.
   */
  static List<ToxicSpec> toxics(LinkFaults forward, LinkFaults backward) {
    List<ToxicSpec> out = new ArrayList<>();
    bytes(out, forward, ToxicDirection.UPSTREAM);
    bytes(out, backward, ToxicDirection.DOWNSTREAM);
    if (forward.resetAfterMs() >= 0) {
      out.add(new ToxicSpec("reset-peer", "reset_peer", ToxicDirection.UPSTREAM, Map.of("timeout", forward.resetAfterMs())));
    }
    if (forward.slowCloseMs() > 0) {
      out.add(new ToxicSpec("slow-close", "slow_close", ToxicDirection.UPSTREAM, Map.of("delay", forward.slowCloseMs())));
    }
    return out;
  }

  private static void bytes(List<ToxicSpec> out, LinkFaults f, ToxicDirection stream) {
    String suffix = "-" + stream.name().toLowerCase(java.util.Locale.ROOT);
    if (f.holdsBytes()) out.add(new ToxicSpec("hold" + suffix, "timeout", stream, Map.of("timeout", 0L)));
    if (f.delayMs() > 0) {
      out.add(new ToxicSpec("latency" + suffix, "latency", stream, Map.of("latency", f.delayMs(), "jitter", f.jitterMs())));
    }
    if (f.bandwidthBytesPerSec() > 0) {
      long kbPerSec = Math.max(1, (f.bandwidthBytesPerSec() + 1023) / 1024);
      out.add(new ToxicSpec("bandwidth" + suffix, "bandwidth", stream, Map.of("rate", kbPerSec)));
    }
  }

  @Override
  public List<String> endpoints() { return endpoints; }

  @Override
  public synchronized void setLink(String from, String to, LinkFaults linkFaults) throws IOException {
    Objects.requireNonNull(linkFaults, "linkFaults");
    requireEndpoint(from);
    requireEndpoint(to);
    if (from.equals(to)) throw new IllegalArgumentException("a link joins two endpoints, got " + from + " twice");
    if (linkFaults.isNone()) faults.remove(key(from, to)); else faults.put(key(from, to), linkFaults);
    bounded("setting " + from + "\u2192" + to, () -> {
      apply(from, to);
      apply(to, from);
    });
  }

  @Override
  public synchronized LinkFaults link(String from, String to) {
    return faults.getOrDefault(key(from, to), LinkFaults.NONE);
  }

  /** Removes every toxic of every proxy of this run, those we did not create included. */
  @Override
  public synchronized void healAll() throws IOException {
    faults.clear();
    applied.clear();
    bounded("heal", () -> {
      for (Proxy proxy : proxies.values()) {
        for (Toxic toxic : proxy.toxics().getAll()) toxic.remove();
      }
    });
  }

  /** Brings proxy {@code from→to}'s toxics to what the two links' faults say: removes, then adds. */
  private void apply(String from, String to) throws IOException {
    Proxy proxy = proxies.get(key(from, to));
    if (proxy == null) return; // clients take no links towards them
    Map<String, ToxicSpec> want = new LinkedHashMap<>();
    // The caller holds this object's lock while it waits for this call (bounded): read the map directly.
    LinkFaults forward = faults.getOrDefault(key(from, to), LinkFaults.NONE);
    LinkFaults backward = faults.getOrDefault(key(to, from), LinkFaults.NONE);
    for (ToxicSpec spec : toxics(forward, backward)) want.put(spec.name(), spec);
    Map<String, ToxicSpec> have = applied.computeIfAbsent(key(from, to), k -> new LinkedHashMap<>());
    for (ToxicSpec old : List.copyOf(have.values())) {
      if (!old.equals(want.get(old.name()))) {
        proxy.toxics().get(old.name()).remove();
        have.remove(old.name());
      }
    }
    for (ToxicSpec spec : want.values()) {
      if (have.containsKey(spec.name())) continue;
      create(proxy, spec);
      have.put(spec.name(), spec);
    }
  }

  private static void create(Proxy proxy, ToxicSpec spec) throws IOException {
    Map<String, Long> a = spec.attributes();
    switch (spec.type()) {
      case "timeout": proxy.toxics().timeout(spec.name(), spec.stream(), a.get("timeout")); break;
      case "latency": {
        var latency = proxy.toxics().latency(spec.name(), spec.stream(), a.get("latency"));
        if (a.get("jitter") > 0) latency.setJitter(a.get("jitter"));
        break;
      }
      case "bandwidth": proxy.toxics().bandwidth(spec.name(), spec.stream(), a.get("rate")); break;
      case "reset_peer": proxy.toxics().resetPeer(spec.name(), spec.stream(), a.get("timeout")); break;
      case "slow_close": proxy.toxics().slowClose(spec.name(), spec.stream(), a.get("delay")); break;
      default: throw new IllegalStateException("no toxic type " + spec.type());
    }
  }

  private void requireEndpoint(String id) {
    if (!endpoints.contains(id)) throw new IllegalArgumentException("no endpoint " + id + " in " + endpoints);
  }

  /** The listening address of {@code from→to}'s proxy, for the harness's clients. */
  String proxyAddress(String from, String to) { return HostsFile.linkAddress(nodeIds, from, to); }

  /** Deletes every proxy of this run from the server. Idempotent; a failure is reported on stderr. */
  @Override
  public synchronized void close() {
    List<Proxy> all = new ArrayList<>(proxies.values());
    proxies.clear();
    applied.clear();
    try {
      bounded("teardown", () -> {
        for (Proxy proxy : all) {
          try {
            proxy.delete();
          } catch (IOException | RuntimeException e) {
            System.err.println("faultline: could not delete toxiproxy proxy " + proxy.getName() + ": " + e.getMessage());
          }
        }
      });
    } catch (IOException | RuntimeException e) {
      System.err.println("faultline: toxiproxy teardown: " + e.getMessage());
    } finally {
      calls.shutdownNow();
    }
  }
}
