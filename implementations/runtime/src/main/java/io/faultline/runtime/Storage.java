package io.faultline.runtime;

import java.util.List;

/**
 * A node's files: writes (appended or at a position), explicit fsync of a file and of the directory.
 *
 * <p>Durability contract (what the simulated disk enforces on a crash): a file's content survives only
 * as of its last completed {@link #fsync}; of the writes (and truncations) made after it, a prefix may
 * survive, the last of them in part (a torn write). The directory — which names exist and which file
 * each names — survives only as of the last completed {@link #fsyncDirectory}: a file created, renamed
 * or deleted since then may be undone (a created file vanishes, a rename or delete is reverted). fsync is
 * asynchronous: {@code onDurable} runs on the node's event thread once the data is durable, and never if
 * the node crashes first. Completions run in the order the calls were made.
 */
public interface Storage {
  /** Names of the files that exist now, sorted. */
  List<String> list();

  /** The file's whole content as it reads now (including unsynced writes), or null if it does not exist. */
  byte[] read(String name);

  /** The file's size as reads see it now, or -1 if it does not exist. */
  long size(String name);

  /** Appends to the file, creating it when absent. */
  void append(String name, byte[] bytes);

  /**
   * Writes {@code bytes} at {@code position}, creating the file when absent and growing it when the write
   * ends past its end (a gap between the old end and {@code position} reads as zeros). Overwriting
   * preallocated space is what a write-ahead log does.
   */
  void write(String name, long position, byte[] bytes);

  /** Cuts the file to {@code length} bytes. */
  void truncate(String name, long length);

  /**
   * Gives the file named {@code from} the name {@code to}, replacing any file named {@code to}, in one
   * step (POSIX rename): a reader sees the old {@code to} or the new, never a mix. Durable only after
   * {@link #fsyncDirectory}; a crash before that may leave the old names.
   */
  void rename(String from, String to);

  void delete(String name);

  void fsync(String name, Runnable onDurable);

  void fsyncDirectory(Runnable onDurable);
}
