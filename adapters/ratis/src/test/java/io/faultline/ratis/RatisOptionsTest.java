package io.faultline.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.sut.ClusterSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RatisOptionsTest {
  @Test
  void noOptions_meansDefaults() {
    assertEquals(RatisOptions.SNAPSHOT_THRESHOLD_DEFAULT, RatisOptions.from(Map.of()).snapshotThreshold());
  }

  @Test
  void badOptions_areRejected_namingKeyAndValue() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> RatisOptions.from(Map.of("isolation", "serializable")));
    assertTrue(unknown.getMessage().contains("isolation"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> RatisOptions.from(Map.of(RatisOptions.SNAPSHOT_THRESHOLD, "lots")));
    assertTrue(bad.getMessage().contains("lots"));
    assertThrows(IllegalArgumentException.class, () -> RatisOptions.from(Map.of(RatisOptions.SNAPSHOT_THRESHOLD, "0")));
    IllegalArgumentException retry = assertThrows(IllegalArgumentException.class,
        () -> RatisOptions.from(Map.of(RatisOptions.CLIENT_RETRY_MS, "1")));
    assertTrue(retry.getMessage().contains(RatisOptions.CLIENT_RETRY_MS), retry.getMessage());
  }

  @Test
  void clientRetryPace_defaultsTo500ms_andCanBeSet() {
    assertEquals(RatisOptions.CLIENT_RETRY_MS_DEFAULT, RatisOptions.from(Map.of()).clientRetryMs());
    assertEquals(50, RatisOptions.from(Map.of(RatisOptions.CLIENT_RETRY_MS, "50")).clientRetryMs());
  }

  @Test
  void unknownBug_isRejected_beforeAnythingStarts() {
    ClusterSpec spec = new ClusterSpec(3, Path.of("unused"), 1, Set.of("ratis.no-such-bug"), Map.of());
    assertThrows(IllegalArgumentException.class, () -> new RatisSystem().start(spec));
  }
}
