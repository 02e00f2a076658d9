package io.faultline.sut;

import java.io.IOException;
import java.util.List;

/**
 * A cluster whose directed links between nodes can be faulted one by one: partitions (by cutting
 * links), delay, blackholes, bandwidth limits, resets and slow closes ({@link LinkFaults}). A link
 * is named by node ids; {@link #CLIENTS} stands for the harness's clients when {@link #endpoints}
 * lists it (the run asked for clients to be partitionable), otherwise clients always reach every
 * node.
 */
public interface NetworkControl {
  /** The pseudo node id of the harness's clients. */
  String CLIENTS = "clients";

  /** The ids links can be named by: every node, and {@link #CLIENTS} when clients are partitionable. */
  List<String> endpoints();

  /** Replaces every fault of the directed link {@code from→to}; {@link LinkFaults#NONE} heals it. */
  void setLink(String from, String to, LinkFaults faults) throws IOException;

  /** The faults now in force on {@code from→to}. */
  LinkFaults link(String from, String to);

  /** Heals every link. */
  void healAll() throws IOException;
}
