package io.faultline.local;

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
 * <p>Today every name maps to 127.0.0.1. The per-link fault proxies (DESIGN.md, "Addressing") will
 * map, in the file of node {@code from}, each peer {@code to} to the loopback address of the
 * directed link from→to; that change belongs here and only here.
 */
final class HostsFile {
  static final String LOOPBACK = "127.0.0.1";

  private HostsFile() {}

  /** The address {@code from} uses to reach {@code to}. */
  static String addressOf(String from, String to) {
    return LOOPBACK;
  }

  /** Writes the hosts file of node {@code self}, atomically so a restarting node never reads half. */
  static void write(Path file, String self, List<String> nodeIds) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# faultline hosts file of ").append(self).append(": node names to addresses\n");
    text.append(LOOPBACK).append(" localhost\n");
    for (String peer : nodeIds) {
      text.append(addressOf(self, peer)).append(' ').append(peer).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
