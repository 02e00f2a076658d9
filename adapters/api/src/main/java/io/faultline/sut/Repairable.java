package io.faultline.sut;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A node whose log can be damaged, found damaged and repaired while it is down, for the {@code corrupt}
 * nemesis: where its log's records lie on disk, why its last start was refused, the system's own repair
 * (which may rebuild the node from the leader), and whether it serves again. Used together with
 * {@link Killable}; every method but {@link #state()} expects the node stopped.
 */
public interface Repairable {
  /** Bytes {@code [start, end)} of {@code file} hold log records: past any header, up to the end of the last record written. */
  record LogRecords(Path file, long start, long end) {
    public long bytes() { return end - start; }
  }

  /**
   * What a repair found and did: {@code outcome} healthy, repaired (the safe part), rebuilt, corrupt (no
   * rebuild asked) or unrepairable; the {@code damage} it found (file, offset and problem, or null); the
   * {@code actions} taken, in order; the {@code command} an operator runs for the same repair.
   */
  record Repair(String outcome, String damage, List<String> actions, String command) {
    public Repair {
      actions = List.copyOf(actions);
    }
  }

  /** Where a node stands after a start. */
  enum State {
    /** Not running. */
    DOWN,
    /** Running, not yet answering. */
    STARTING,
    /** Answering, still catching up after a rebuild (it does not vote yet). */
    CATCHING_UP,
    /** Answering, a full member. */
    SERVING
  }

  /** The node's log segments with records, oldest first; empty when it has written none. */
  List<LogRecords> logRecords() throws IOException;

  /** Why the node's last start was refused, as the node said it (naming the command to run), or empty when it was not. */
  Optional<String> refusal() throws IOException;

  /** Repairs the stopped node's data; with {@code rebuild}, a log damaged before its tail is discarded and rebuilt from the leader. */
  Repair repair(boolean rebuild) throws IOException;

  /** Where the node stands now; never blocks longer than a short request. */
  State state();
}
