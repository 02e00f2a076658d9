package io.faultline.local;

import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The one place that decides which address each node name resolves to, per node. A node JVM reads
 * only its own file ({@code -Djdk.net.hosts.file}), so names never go to DNS.
 *
 * <p>Addresses (DESIGN.md, "Addressing"): node number {@code k} (1-based position in the node list)
 * listens on {@code 127.0.k.1}; the directed link from node {@code i} to node {@code j} is
 * {@code 127.10.i.j}, where that link's {@link FaultProxy} listens on {@code j}'s port. In node
 * {@code i}'s file every peer {@code j} maps to {@code 127.10.i.j} and {@code i} itself to its own
 * address. The harness's clients are endpoint 0: {@code 127.10.0.j} when clients are partitionable.
 */
final class HostsFile {
  static final String LOOPBACK = "127.0.0.1";
  /** Node numbers are 1..NODES_MAX: one octet of the link address each. */
  static final int NODES_MAX = 254;

  private HostsFile() {}

  /** Where node {@code id} listens. */
  static String nodeAddress(List<String> nodeIds, String id) {
    return "127.0." + number(nodeIds, id) + ".1";
  }

  /** The address {@code from} uses to reach {@code to}: the link's proxy, or itself. */
  static String addressOf(List<String> nodeIds, String from, String to) {
    if (from.equals(to)) return nodeAddress(nodeIds, to);
    return linkAddress(nodeIds, from, to);
  }

  /** The listening address of the proxy of {@code from→to}; {@code from} may be the clients. */
  static String linkAddress(List<String> nodeIds, String from, String to) {
    int i = from.equals(NetworkControl.CLIENTS) ? 0 : number(nodeIds, from);
    return "127.10." + i + "." + number(nodeIds, to);
  }

  static int number(List<String> nodeIds, String id) {
    int i = nodeIds.indexOf(id);
    if (i < 0) throw new IllegalArgumentException("no node " + id + " in " + nodeIds);
    return i + 1;
  }

  /** Writes the hosts file of node {@code self} for the proxy network. */
  static void write(Path file, String self, List<String> nodeIds) throws IOException {
    write(file, self, nodeIds, (from, to) -> addressOf(nodeIds, from, to));
  }

  /**
   * Writes the hosts file of node {@code self}, atomically so a restarting node never reads half;
   * {@code addressOf} maps (from, to) to an address: the {@code netns} backend's is each node's own.
   */
  static void write(Path file, String self, List<String> nodeIds, java.util.function.BinaryOperator<String> addressOf)
      throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# faultline hosts file of ").append(self).append(": node names to addresses\n");
    text.append(LOOPBACK).append(" localhost\n");
    for (String peer : nodeIds) {
      text.append(addressOf.apply(self, peer)).append(' ').append(peer).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
