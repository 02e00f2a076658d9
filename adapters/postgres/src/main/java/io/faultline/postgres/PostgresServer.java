package io.faultline.postgres;

import io.faultline.sut.Killable;
import io.faultline.sut.Node;
import java.io.IOException;
import java.nio.file.Path;

/** The one server of a run, wherever it runs: a child process ({@link PostgresNode}) or a container ({@link PostgresContainerNode}). */
interface PostgresServer extends Node, Killable {
  /** The address clients connect to. */
  String host();

  /** The port clients connect to now; a container's may change when it starts again. */
  int port();

  /** The server's output. */
  Path logFile();

  /** Stops the server and removes what it started. */
  void stop() throws IOException;
}
