package io.faultline.raftadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftClusterWalBytesTest {

  @Test
  void walBytes_sumsTheSegmentFiles_only(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("wal-0000000001-00000000000000000001.seg"), new byte[1000]);
    Files.write(dir.resolve("wal-0000000002-00000000000000000042.seg"), new byte[234]);
    Files.write(dir.resolve("wal.tmp"), new byte[50_000]);
    Files.write(dir.resolve("hardstate"), new byte[64]);
    Files.write(dir.resolve("node.log"), new byte[9_999]);
    assertEquals(1234, RaftCluster.walBytes(dir));
  }

  @Test
  void walBytes_ofADirectoryNotYetMade_isZero(@TempDir Path dir) throws Exception {
    assertEquals(0, RaftCluster.walBytes(dir.resolve("n9")));
  }
}
