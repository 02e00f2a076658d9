package io.faultline.sut;

import java.io.IOException;
import java.util.Set;

/** One system faultline can run: ours or a real peer. Starts clusters of it. */
public interface SystemUnderTest {
  /** Short name used on the command line and in results: "raft", "ratis", "kafka", ... */
  String name();

  /** What its clients can do; a workload asks for the capabilities it needs. */
  Set<Capability> capabilities();

  /** Planted bugs this system can switch on (for example {@code ratis.stale-read}). */
  default Set<String> bugs() { return Set.of(); }

  /** Starts a cluster; the caller closes it. */
  Cluster start(ClusterSpec spec) throws IOException;
}
