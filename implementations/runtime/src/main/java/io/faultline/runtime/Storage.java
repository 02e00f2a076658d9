package io.faultline.runtime;

import java.util.List;

/**
 * A node's files: append-only writes, explicit fsync of a file and of the directory.
 *
 * <p>Durability contract (what the simulated disk enforces on a crash): a file's bytes survive only up
 * to its last completed {@link #fsync}; the last unsynced append may survive in part (a torn write, a
 * prefix of it); a file created or deleted survives only after {@link #fsyncDirectory}. fsync is
 * asynchronous: {@code onDurable} runs on the node's event thread once the data is durable, and never
 * if the node crashes first. Completions run in the order the calls were made.
 */
public interface Storage {
  /** Names of the files that exist now, sorted. */
  List<String> list();

  /** The file's whole content as it reads now (including unsynced writes), or null if it does not exist. */
  byte[] read(String name);

  /** Appends to the file, creating it when absent. */
  void append(String name, byte[] bytes);

  /** Cuts the file to {@code length} bytes. */
  void truncate(String name, long length);

  void delete(String name);

  void fsync(String name, Runnable onDurable);

  void fsyncDirectory(Runnable onDurable);
}
