package io.faultline.containers;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.containers.ToxiproxyContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The {@code containers} deployment of the peers that publish images: each started by Testcontainers
 * from {@link PeerImages}, reachable at {@link #endpoint}, stopped by {@link #close} (and by
 * Testcontainers' Ryuk reaper when the JVM dies, so a killed run leaves none running; without the
 * reaper, {@link ContainerSweeper} removes them at the next start, by their labels).
 *
 * <p>Toxiproxy runs with host networking, so that its proxies can listen on this machine's loopback
 * aliases and reach nodes there, as the {@code toxiproxy} network backend needs.
 */
public final class PeerContainers implements AutoCloseable {
  /** Bound on one container's start, image pull included. */
  static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  public static final int TOXIPROXY_CONTROL_PORT = 8474;

  private final Map<String, GenericContainer<?>> started = new LinkedHashMap<>();
  private final Map<String, String> endpoints = new LinkedHashMap<>();

  private PeerContainers() {}

  /**
   * Starts the peers named; on failure stops those started and throws. An IOException says why
   * when no Docker engine answers.
   */
  public static PeerContainers start(List<String> peers, PeerImages images) throws IOException {
    return start(peers, images, "unnamed");
  }

  /** As {@link #start(List, PeerImages)}, each container labelled with {@code run} ({@link ContainerSweeper#labels}). */
  public static PeerContainers start(List<String> peers, PeerImages images, String run) throws IOException {
    var reason = DockerEngine.unavailableReason();
    if (reason.isPresent()) throw new IOException("the containers deployment needs a Docker engine: " + reason.get());
    for (String swept : ContainerSweeper.sweep()) System.err.println("faultline: removed a container of an earlier run: " + swept);
    PeerContainers out = new PeerContainers();
    try {
      for (String peer : peers) out.startOne(peer, images.of(peer), run);
    } catch (RuntimeException e) {
      out.close();
      throw new IOException("starting " + peers + " in containers: " + e.getMessage(), e);
    }
    return out;
  }

  @SuppressWarnings("resource") // closed in close()
  private void startOne(String peer, String image, String run) {
    DockerImageName name = DockerImageName.parse(image);
    GenericContainer<?> c;
    switch (peer) {
      case "postgres":
        c = new PostgreSQLContainer<>(name.asCompatibleSubstituteFor("postgres"));
        break;
      case "kafka":
        c = new KafkaContainer(name.asCompatibleSubstituteFor("apache/kafka"));
        break;
      case "redis":
        c = new GenericContainer<>(name).withExposedPorts(6379);
        break;
      case "toxiproxy":
        c = new ToxiproxyContainer(name.asCompatibleSubstituteFor("ghcr.io/shopify/toxiproxy")).withNetworkMode("host");
        break;
      default:
        throw new IllegalArgumentException("no peer '" + peer + "'");
    }
    c.withStartupTimeout(START_TIMEOUT).withLabels(ContainerSweeper.labels(run, peer));
    c.start();
    started.put(peer, c);
    switch (peer) {
      case "postgres": endpoints.put(peer, ((PostgreSQLContainer<?>) c).getJdbcUrl()); break;
      case "kafka": endpoints.put(peer, ((KafkaContainer) c).getBootstrapServers()); break;
      case "redis": endpoints.put(peer, c.getHost() + ":" + c.getMappedPort(6379)); break;
      default: endpoints.put(peer, "127.0.0.1:" + TOXIPROXY_CONTROL_PORT); break;
    }
  }

  /** Where a started peer answers: a JDBC URL, Kafka bootstrap servers, or HOST:PORT. */
  public String endpoint(String peer) {
    String e = endpoints.get(peer);
    if (e == null) throw new IllegalArgumentException("peer " + peer + " was not started; started: " + endpoints.keySet());
    return e;
  }

  /** Stops every container started. Idempotent. */
  @Override
  public void close() {
    List<GenericContainer<?>> all = new ArrayList<>(started.values());
    started.clear();
    endpoints.clear();
    for (GenericContainer<?> c : all) {
      try {
        c.stop();
      } catch (RuntimeException e) {
        System.err.println("faultline: stopping container " + c.getDockerImageName() + ": " + e.getMessage());
      }
    }
  }
}
