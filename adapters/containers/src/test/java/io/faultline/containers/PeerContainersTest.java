package io.faultline.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Image options everywhere; starting containers only where a Docker engine answers (not on these machines). */
class PeerContainersTest {
  @Test
  void imageOptions_replaceTheDefaults_andAnUnknownPeerIsNamed() {
    PeerImages images = PeerImages.from(Map.of("image.redis", "mirror.local/redis:7", "isolation", "serializable"));
    assertEquals("mirror.local/redis:7", images.redis());
    assertEquals(PeerImages.DEFAULTS.postgres(), images.postgres());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerImages.from(Map.of("image.mysql", "mysql:8")));
    assertTrue(e.getMessage().contains("image.mysql"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PeerImages.from(Map.of("image.kafka", "Not An Image")));
  }

  @Test
  void withoutDocker_startingIsAnErrorSayingWhy() {
    Assumptions.assumeFalse(DockerEngine.available(), "a Docker engine answers here: the start test below covers it");
    IOException e = assertThrows(IOException.class, () -> PeerContainers.start(List.of("redis"), PeerImages.DEFAULTS));
    assertTrue(e.getMessage().contains("needs a Docker engine"), e.getMessage());
  }

  @Test
  void redisAndToxiproxy_startAndAnswer() throws IOException {
    Assumptions.assumeTrue(DockerEngine.available(), () -> "no Docker engine: " + DockerEngine.unavailableReason().orElse(""));
    try (PeerContainers peers = PeerContainers.start(List.of("redis", "toxiproxy"), PeerImages.DEFAULTS)) {
      assertTrue(peers.endpoint("redis").matches(".+:[0-9]+"), peers.endpoint("redis"));
      assertEquals("127.0.0.1:" + PeerContainers.TOXIPROXY_CONTROL_PORT, peers.endpoint("toxiproxy"));
      assertTrue(new eu.rekawek.toxiproxy.ToxiproxyClient("127.0.0.1", PeerContainers.TOXIPROXY_CONTROL_PORT).version().length() > 0);
    }
  }
}
