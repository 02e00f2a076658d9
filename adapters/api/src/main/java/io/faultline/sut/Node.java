package io.faultline.sut;

import java.nio.file.Path;

/** One member of a cluster, as a nemesis sees it. What it can suffer is in the ability interfaces. */
public interface Node {
  /** The node's name: n1, n2, ... */
  String id();

  /** Where the node keeps its state (may be shared by an embedded cluster). */
  Path dataDir();
}
