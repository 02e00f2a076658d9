package io.faultline.local;

import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code netns} network backend, for a harness running as root: each node in its own network
 * namespace, joined to a bridge in the harness's namespace by a veth pair; the harness's clients
 * are the bridge's address. Cuts and blackholes are nftables drops in the receiving node's
 * namespace (table {@value #TABLE}), so a held TCP segment is retransmitted after the heal as on a
 * real network; the clients' links are cut in a table of the same name in the harness's namespace.
 * Bandwidth is a tbf qdisc on the sending node's veth: per node and direction, the lowest rate of
 * its links, not per link.
 *
 * <p>Not here: delay and jitter need tc netem, which this kernel lacks
 * ({@code CONFIG_NET_SCH_NETEM} unset); reset and slow close are proxy faults. This class throws
 * {@link UnsupportedOperationException} for them; the deployment layers the fault proxies over the
 * namespaces for them ({@link LayeredNetwork}): nodes reach each other through a proxy listening
 * on a bridge alias per directed link, which sends from an alias per node that the drop rules
 * match as well. Random packet loss is not offered yet. Reordering cannot come from a TCP proxy.
 *
 * <p>Names (the kernel allows 15 characters): {@code fl<pid, 6 hex><serial, 1 hex>} and then
 * {@code n<k>} for namespaces, {@code h<k>}/{@code v<k>} for the veth ends and {@code br} for the
 * bridge, so that {@link Sweeper#sweepNetns} can tell from a name whether the harness that made
 * it is alive. Addresses: {@code 10.<a>.<b>.k/24}, the bridge {@code .254}, link aliases
 * {@code .100}–{@code .180}, source aliases {@code .201}–{@code .209}: at most {@value #NODES_MAX} nodes.
 */
public final class NetnsNetwork implements NetworkControl, AutoCloseable {
  public static final String PREFIX = "fl";
  static final String TABLE = "faultline";
  static final long COMMAND_WAIT_MS = 10_000;
  static final int BRIDGE_HOST = 254;
  /** Bridge aliases where the layered proxies listen, one per directed link: 100 + 9(i-1) + (j-1). */
  static final int LINK_HOST_MIN = 100;
  /** Bridge aliases the proxies send from, one per node: 200 + i. */
  static final int SOURCE_HOST_MIN = 200;
  /** Nodes a layered proxy network can address in one /24. */
  static final int NODES_MAX = 9;
  private static final AtomicInteger SERIAL = new AtomicInteger();

  private final String tag;
  private final List<String> nodeIds;
  private final List<String> endpoints;
  private final String subnet;
  private final Map<String, LinkFaults> faults = new LinkedHashMap<>();
  private final List<String> namespaces = new ArrayList<>();
  private boolean bridgeUp;
  private boolean hostTable;

  /** How long installing nftables from Debian's packages may take. */
  static final long INSTALL_MS_MAX = 180_000;
  private static boolean installTried;

  /**
   * Why this backend cannot run here, or empty when it can. As root, a missing {@code nft} is
   * installed from Debian's packages first (once per JVM).
   */
  public static Optional<String> unavailableReason() {
    if (!"root".equals(ProcessHandle.current().info().user().orElse(""))) return Optional.of("netns needs root");
    if (which("nft").isEmpty()) installNftables();
    for (String tool : List.of("ip", "nft", "tc")) {
      if (which(tool).isEmpty()) {
        return Optional.of("netns needs '" + tool + "' on PATH" + (tool.equals("nft") ? ": apt-get install -y nftables" : ""));
      }
    }
    return Optional.empty();
  }

  private static synchronized void installNftables() {
    if (installTried || which("apt-get").isEmpty()) return;
    installTried = true;
    try {
      ProcessBuilder pb = new ProcessBuilder("sh", "-c", "apt-get update -qq && apt-get install -y -qq nftables")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(INSTALL_MS_MAX, java.util.concurrent.TimeUnit.MILLISECONDS)) p.destroyForcibly();
    } catch (IOException e) {
      // no apt: unavailableReason says what is missing
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<Path> which(String tool) {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** Creates the bridge and one namespace per node; undoes what it made when a step fails. */
  NetnsNetwork(List<String> nodeIds, boolean partitionClients) throws IOException {
    Optional<String> reason = unavailableReason();
    if (reason.isPresent()) throw new IOException(reason.get());
    if (nodeIds.size() > NODES_MAX) throw new IllegalArgumentException("netns: at most " + NODES_MAX + " nodes, got " + nodeIds.size());
    this.tag = PREFIX + String.format("%06x%x", ProcessHandle.current().pid() & 0xFFFFFF, SERIAL.getAndIncrement() & 0xF);
    this.nodeIds = List.copyOf(nodeIds);
    List<String> all = new ArrayList<>(nodeIds);
    if (partitionClients) all.add(CLIENTS);
    this.endpoints = List.copyOf(all);
    this.subnet = freeSubnet();
    try {
      run("ip", "link", "add", bridge(), "type", "bridge");
      bridgeUp = true;
      run("ip", "addr", "add", subnet + BRIDGE_HOST + "/24", "dev", bridge());
      run("ip", "link", "set", bridge(), "up");
      StringBuilder aliases = new StringBuilder();
      for (String from : nodeIds) {
        aliases.append("addr add ").append(sourceAddress(from)).append("/24 dev ").append(bridge()).append('\n');
        for (String to : nodeIds) {
          if (!from.equals(to)) aliases.append("addr add ").append(linkAddress(from, to)).append("/24 dev ").append(bridge()).append('\n');
        }
      }
      Path batch = Files.createTempFile("faultline-ip", ".batch");
      try {
        Files.writeString(batch, aliases, StandardCharsets.UTF_8);
        run("ip", "-batch", batch.toString());
      } finally {
        Files.deleteIfExists(batch);
      }
      for (int k = 1; k <= nodeIds.size(); k++) {
        String ns = tag + "n" + k;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "link", "add", tag + "h" + k, "type", "veth", "peer", "name", tag + "v" + k);
        run("ip", "link", "set", tag + "v" + k, "netns", ns);
        run("ip", "link", "set", tag + "h" + k, "master", bridge());
        run("ip", "link", "set", tag + "h" + k, "up");
        run("ip", "netns", "exec", ns, "ip", "addr", "add", subnet + k + "/24", "dev", tag + "v" + k);
        run("ip", "netns", "exec", ns, "ip", "link", "set", tag + "v" + k, "up");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        nft(ns, "add table inet " + TABLE + "\nadd chain inet " + TABLE + " input { type filter hook input priority 0 ; }\n");
      }
      if (partitionClients) {
        nft(null, "add table inet " + TABLE + tag + "\nadd chain inet " + TABLE + tag + " input { type filter hook input priority 0 ; }\n");
        hostTable = true;
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  String bridge() { return tag + "br"; }

  /** The namespace node {@code id} runs in. */
  String namespace(String id) { return tag + "n" + HostsFile.number(nodeIds, id); }

  /** The address of endpoint {@code id}: a node's veth, or the bridge for the clients. */
  String address(String id) {
    return subnet + (id.equals(CLIENTS) ? BRIDGE_HOST : HostsFile.number(nodeIds, id));
  }

  /** Where the layered proxy of {@code from→to} listens, on the bridge. */
  String linkAddress(String from, String to) {
    return subnet + (LINK_HOST_MIN + NODES_MAX * (HostsFile.number(nodeIds, from) - 1) + HostsFile.number(nodeIds, to) - 1);
  }

  /** The address the layered proxies send {@code from}'s bytes from, on the bridge. */
  String sourceAddress(String from) { return subnet + (SOURCE_HOST_MIN + HostsFile.number(nodeIds, from)); }

  /** The command that runs a node's JVM inside its namespace. */
  List<String> commandPrefix(String id) { return List.of("ip", "netns", "exec", namespace(id)); }

  @Override
  public List<String> endpoints() { return endpoints; }

  @Override
  public synchronized LinkFaults link(String from, String to) { return faults.getOrDefault(from + "\u2192" + to, LinkFaults.NONE); }

  @Override
  public synchronized void setLink(String from, String to, LinkFaults linkFaults) throws IOException {
    if (!endpoints.contains(from) || !endpoints.contains(to) || from.equals(to)) {
      throw new IllegalArgumentException("no link " + from + "->" + to + " among " + endpoints);
    }
    if (linkFaults.delayMs() > 0 || linkFaults.resetAfterMs() >= 0 || linkFaults.slowCloseMs() > 0) {
      throw new UnsupportedOperationException("netns has no delay, reset or slow close (no tc netem in this kernel):"
          + " use the proxy network backend for " + linkFaults);
    }
    if (linkFaults.isNone()) faults.remove(from + "\u2192" + to); else faults.put(from + "\u2192" + to, linkFaults);
    applyDrops(to);
    if (!from.equals(CLIENTS)) applyBandwidth(from);
  }

  @Override
  public synchronized void healAll() throws IOException {
    faults.clear();
    for (String id : endpoints) applyDrops(id);
    for (String id : nodeIds) applyBandwidth(id);
  }

  /** Rewrites the drop rules of {@code to}'s table: every endpoint whose bytes to it are held. */
  private void applyDrops(String to) throws IOException {
    StringBuilder script = new StringBuilder();
    String table = to.equals(CLIENTS) ? TABLE + tag : TABLE;
    script.append("flush chain inet ").append(table).append(" input\n");
    for (String from : endpoints) {
      if (!from.equals(to) && link(from, to).holdsBytes()) {
        String saddr = from.equals(CLIENTS) ? address(from) : "{ " + address(from) + ", " + sourceAddress(from) + " }";
        script.append("add rule inet ").append(table).append(" input ip saddr ").append(saddr);
        if (to.equals(CLIENTS)) script.append(" ip daddr ").append(address(CLIENTS));
        script.append(" drop\n");
      }
    }
    nft(to.equals(CLIENTS) ? null : namespace(to), script.toString());
  }

  private void applyBandwidth(String from) throws IOException {
    long rate = 0;
    for (String to : endpoints) {
      long r = to.equals(from) ? 0 : link(from, to).bandwidthBytesPerSec();
      if (r > 0 && (rate == 0 || r < rate)) rate = r;
    }
    String dev = tag + "v" + HostsFile.number(nodeIds, from);
    String ns = namespace(from);
    if (rate == 0) {
      runQuietly("ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root");
    } else {
      run("ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", (rate * 8) + "bit",
          "burst", "32kbit", "latency", "400ms");
    }
  }

  private String freeSubnet() throws IOException {
    String used = output("ip", "-o", "-4", "addr", "show");
    long pid = ProcessHandle.current().pid();
    for (int attempt = 0; attempt < 256; attempt++) {
      String candidate = "10." + (100 + (int) ((pid >> 8) + attempt) % 100) + "." + (int) ((pid + attempt) & 0xFF) + ".";
      if (!used.contains(" " + candidate)) return candidate;
    }
    throw new IOException("no free 10.x.y.0/24 subnet for the netns bridge");
  }

  /** Deletes the namespaces (their nft tables and qdiscs with them), the bridge and the host table. */
  @Override
  public synchronized void close() {
    for (String ns : namespaces) runQuietly("ip", "netns", "del", ns);
    namespaces.clear();
    if (bridgeUp) runQuietly("ip", "link", "del", bridge());
    bridgeUp = false;
    if (hostTable) runQuietly("nft", "delete", "table", "inet", TABLE + tag);
    hostTable = false;
  }

  private static void nft(String namespace, String script) throws IOException {
    Path file = Files.createTempFile("faultline-nft", ".nft");
    try {
      Files.writeString(file, script, StandardCharsets.UTF_8);
      if (namespace == null) run("nft", "-f", file.toString());
      else run("ip", "netns", "exec", namespace, "nft", "-f", file.toString());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  static void run(String... command) throws IOException {
    output(command);
  }

  static void runQuietly(String... command) {
    try {
      output(command);
    } catch (IOException e) {
      // Teardown or an absent qdisc: nothing left to undo.
    }
  }

  static String output(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(COMMAND_WAIT_MS, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_WAIT_MS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    if (p.exitValue() != 0) throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.trim());
    return out;
  }
}
