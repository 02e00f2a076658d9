package io.faultline.sut;

import java.io.IOException;
import java.util.List;

/**
 * A running cluster. It may be one process per node or one embedded JVM-internal cluster: nemeses
 * discover what its nodes can do with {@code instanceof} on the ability interfaces.
 */
public interface Cluster extends AutoCloseable {
  List<Node> nodes();

  /** A client bound to one logical process. Called again for a fresh process after an {@code info}. */
  Client client(int process) throws IOException;

  /** Stops every node and removes what the cluster started. Idempotent. */
  @Override
  void close() throws IOException;
}
