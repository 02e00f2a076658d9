package io.faultline.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;

/**
 * {@link Storage} on a directory of real files. Writes go to the file at once (the page cache);
 * {@link #fsync} runs {@link FileChannel#force} on a separate fsync thread, in call order, and posts
 * {@code onDurable} to the node's event loop, so the loop keeps serving while the disk works.
 *
 * <p>force(false) is fdatasync: it also writes the metadata needed to read the data back (the
 * file's length), which is all an append-only log needs. A created or deleted file is made durable
 * by {@link #fsyncDirectory}, an fsync of the directory itself (Linux allows opening one for reading).
 *
 * <p>An I/O error is thrown as {@link UncheckedIOException}: a node that cannot write its log must not
 * go on acknowledging.
 */
public final class FileStorage implements Storage, StorageFaultControl, AutoCloseable {
  private final Path dir;
  private final EventLoop loop;
  private final Map<String, FileChannel> open = new HashMap<>();
  private final ExecutorService fsyncThread;
  private volatile Mode faultMode = Mode.NONE;
  private volatile java.util.function.LongConsumer fsyncListener = nanos -> {};

  public FileStorage(Path dir, EventLoop loop) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.loop = loop;
    this.fsyncThread = Executors.newSingleThreadExecutor(runnable -> {
      Thread t = new Thread(runnable, "fsync-" + dir.getFileName());
      t.setDaemon(true);
      return t;
    });
  }

  public Path dir() { return dir; }

  /** Switches a storage fault on (see {@link StorageFaultControl.Mode}); {@code NONE} heals. */
  @Override
  public void setFaultMode(Mode mode) { this.faultMode = java.util.Objects.requireNonNull(mode, "mode"); }

  @Override
  public Mode faultMode() { return faultMode; }

  /** Told the duration of every fsync (file or directory) in nanoseconds, on the fsync thread: for metrics. */
  public void setFsyncListener(java.util.function.LongConsumer listener) { this.fsyncListener = java.util.Objects.requireNonNull(listener, "listener"); }

  @Override
  public synchronized List<String> list() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
  }

  @Override
  public synchronized byte[] read(String name) {
    Path file = path(name);
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }

  @Override
  public synchronized void append(String name, byte[] bytes) {
    try {
      FileChannel ch = channel(name);
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) ch.write(buf, ch.size());
    } catch (IOException e) {
      throw new UncheckedIOException("append to " + path(name), e);
    }
  }

  @Override
  public synchronized void truncate(String name, long length) {
    try {
      channel(name).truncate(length);
    } catch (IOException e) {
      throw new UncheckedIOException("truncate " + path(name), e);
    }
  }

  @Override
  public synchronized void delete(String name) {
    try {
      FileChannel ch = open.remove(name);
      if (ch != null) ch.close();
      Files.deleteIfExists(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException("delete " + path(name), e);
    }
  }

  @Override
  public void fsync(String name, Runnable onDurable) {
    FileChannel ch;
    synchronized (this) {
      try {
        ch = channel(name);
      } catch (IOException e) {
        throw new UncheckedIOException("open " + path(name), e);
      }
    }
    submit(() -> {
      try {
        ch.force(false);
      } catch (IOException e) {
        throw new UncheckedIOException("fsync " + path(name), e);
      }
    }, onDurable);
  }

  @Override
  public void fsyncDirectory(Runnable onDurable) {
    submit(() -> {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        throw new UncheckedIOException("fsync directory " + dir, e);
      }
    }, onDurable);
  }

  /** Runs the sync on the fsync thread; a failed sync halts the process rather than acknowledge. */
  private void submit(Runnable sync, Runnable onDurable) {
    try {
      fsyncThread.execute(() -> {
        try {
          long startNs = System.nanoTime();
          sync.run();
          fsyncListener.accept(System.nanoTime() - startNs);
        } catch (UncheckedIOException e) {
          System.err.println("faultline: " + e.getMessage() + ": " + e.getCause() + "; halting");
          Runtime.getRuntime().halt(74);
        }
        loop.execute(onDurable);
      });
    } catch (RejectedExecutionException e) {
      // Closed: the completion would never run on a crashed node either.
    }
  }

  private FileChannel channel(String name) throws IOException {
    FileChannel ch = open.get(name);
    if (ch == null) {
      ch = FileChannel.open(path(name), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      open.put(name, ch);
    }
    return ch;
  }

  private Path path(String name) {
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException("file name must be a plain name, got '" + name + "'");
    }
    return dir.resolve(name);
  }

  @Override
  public synchronized void close() {
    fsyncThread.shutdownNow();
    for (FileChannel ch : new ArrayList<>(open.values())) {
      try {
        ch.close();
      } catch (IOException e) {
        // Closing at shutdown: what was not synced is the crash's to lose.
      }
    }
    open.clear();
  }
}
