package io.faultline.raft;

import io.faultline.runtime.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A node's data directory as {@link Storage}, for {@link RaftRepair}: reads come from the disk, changes
 * are kept in memory and listed, and reach the disk only on {@link #commit()}. So the node's own
 * start-up code ({@link Wal#open}, {@link HardStateFile#load}, {@link SnapshotFile#loadNewest}) can be
 * run on a stopped node's files to learn what it would say and do, and what it would do can then be done
 * for real — exactly that, nothing else. fsync completions run at once (nothing is durable before
 * {@link #commit()}, which syncs every file it touched and the directory).
 */
final class DryRunStorage implements Storage {
  /** One change, in the order the start-up code made it. */
  private sealed interface Change permits Write, Delete {}

  private record Write(String name, long position, byte[] bytes) implements Change {}

  private record Delete(String name) implements Change {}

  private final Path dir;
  /** Files whose content changed (or was created), as they read now; null for a deleted one. */
  private final Map<String, byte[]> changed = new LinkedHashMap<>();
  private final List<Change> changes = new ArrayList<>();

  DryRunStorage(Path dir) {
    this.dir = dir;
  }

  /** The changes made so far, one line each: what {@link #commit()} would do. */
  List<String> describeChanges() {
    List<String> out = new ArrayList<>();
    for (Change c : changes) {
      if (c instanceof Write) {
        Write w = (Write) c;
        boolean zeros = true;
        for (byte b : w.bytes()) zeros &= b == 0;
        out.add((zeros ? "zeroed " : "wrote ") + w.bytes().length + " bytes of " + w.name() + " at offset " + w.position());
      } else {
        out.add("deleted " + ((Delete) c).name());
      }
    }
    return out;
  }

  boolean hasChanges() { return !changes.isEmpty(); }

  /** Makes the changes on disk, in order, each file fsynced and then the directory. */
  void commit() throws IOException {
    TreeSet<String> written = new TreeSet<>();
    for (Change c : changes) {
      if (c instanceof Write) {
        Write w = (Write) c;
        try (FileChannel ch = FileChannel.open(dir.resolve(w.name()), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(w.bytes());
          long at = w.position();
          while (b.hasRemaining()) at += ch.write(b, at);
        }
        written.add(w.name());
      } else {
        String name = ((Delete) c).name();
        Files.deleteIfExists(dir.resolve(name));
        written.remove(name);
      }
    }
    for (String name : written) {
      try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
    RaftRepair.fsyncDirectory(dir);
    changes.clear();
    changed.clear();
  }

  @Override
  public List<String> list() {
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
    for (Map.Entry<String, byte[]> e : changed.entrySet()) {
      if (e.getValue() == null) names.remove(e.getKey());
      else names.add(e.getKey());
    }
    return new ArrayList<>(names);
  }

  @Override
  public byte[] read(String name) {
    if (changed.containsKey(name)) {
      byte[] b = changed.get(name);
      return b == null ? null : b.clone();
    }
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("read " + dir.resolve(name), e);
    }
  }

  @Override
  public long size(String name) {
    if (changed.containsKey(name)) {
      byte[] b = changed.get(name);
      return b == null ? -1 : b.length;
    }
    Path p = dir.resolve(name);
    try {
      return Files.isRegularFile(p) ? Files.size(p) : -1;
    } catch (IOException e) {
      throw new UncheckedIOException("size of " + p, e);
    }
  }

  @Override
  public void append(String name, byte[] bytes) {
    long size = size(name);
    write(name, Math.max(0, size), bytes);
  }

  @Override
  public void write(String name, long position, byte[] bytes) {
    byte[] old = read(name);
    if (old == null) old = new byte[0];
    byte[] now = old.length >= position + bytes.length ? old : java.util.Arrays.copyOf(old, Math.toIntExact(position + bytes.length));
    System.arraycopy(bytes, 0, now, (int) position, bytes.length);
    changed.put(name, now);
    changes.add(new Write(name, position, bytes.clone()));
  }

  @Override
  public void truncate(String name, long length) {
    throw new UnsupportedOperationException("a repair never truncates " + name + " (start-up code does not)");
  }

  @Override
  public void rename(String from, String to) {
    throw new UnsupportedOperationException("a repair never renames " + from + " (start-up code does not)");
  }

  @Override
  public void delete(String name) {
    changed.put(name, null);
    changes.add(new Delete(name));
  }

  @Override
  public void fsync(String name, Runnable onDurable) { onDurable.run(); }

  @Override
  public void fsyncDirectory(Runnable onDurable) { onDurable.run(); }
}
