package io.faultline.containers;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.testcontainers.utility.DockerImageName;

/**
 * The images of the peers that publish one, validated once; each can be replaced by option
 * {@code image.<peer>=NAME:TAG} (for a registry mirror, or a version under test).
 *
 * @param postgres  PostgreSQL (option {@code image.postgres})
 * @param kafka     Apache Kafka in KRaft mode (option {@code image.kafka})
 * @param redis     Redis (option {@code image.redis})
 * @param toxiproxy Toxiproxy (option {@code image.toxiproxy})
 */
public record PeerImages(String postgres, String kafka, String redis, String toxiproxy) {
  public static final String PREFIX = "image.";
  public static final Set<String> PEERS = Set.of("postgres", "kafka", "redis", "toxiproxy");
  public static final PeerImages DEFAULTS = new PeerImages("postgres:16-alpine", "apache/kafka:3.8.0", "redis:7.2-alpine",
      "ghcr.io/shopify/toxiproxy:2.9.0");

  public PeerImages {
    for (String image : new String[] {postgres, kafka, redis, toxiproxy}) requireValid(image);
  }

  /** Refuses an empty or malformed image name, saying why. */
  public static void requireValid(String image) {
    if (image == null || image.isBlank()) throw new IllegalArgumentException("image names must not be empty");
    try {
      DockerImageName.parse(image).assertValid();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + image + "' is not a valid image name: " + e.getMessage(), e);
    }
  }

  /** The defaults with {@code image.<peer>} options applied; other keys are not ours and are ignored. */
  public static PeerImages from(Map<String, String> options) {
    for (String key : options.keySet()) {
      if (key.startsWith(PREFIX) && !PEERS.contains(key.substring(PREFIX.length()))) {
        throw new IllegalArgumentException("option " + key + ": no such peer; images are set for " + new TreeSet<>(PEERS));
      }
    }
    return new PeerImages(options.getOrDefault(PREFIX + "postgres", DEFAULTS.postgres),
        options.getOrDefault(PREFIX + "kafka", DEFAULTS.kafka), options.getOrDefault(PREFIX + "redis", DEFAULTS.redis),
        options.getOrDefault(PREFIX + "toxiproxy", DEFAULTS.toxiproxy));
  }

  public String of(String peer) {
    switch (peer) {
      case "postgres": return postgres;
      case "kafka": return kafka;
      case "redis": return redis;
      case "toxiproxy": return toxiproxy;
      default: throw new IllegalArgumentException("no peer '" + peer + "'; peers with images: " + new TreeSet<>(PEERS));
    }
  }
}
