package io.faultline.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * {@link Storage} on a directory of real files. Writes go to the file at once (the page cache);
 * {@link #fsync} runs {@link FileChannel#force} on a separate fsync thread, in call order, and posts
 * {@code onDurable} to the node's event loop, so the loop keeps serving while the disk works.
 *
 * <p>force(false) is fdatasync: it also writes the metadata needed to read the data back (the
 * file's length), which is all a log needs. A created, renamed or deleted file is made durable by
 * {@link #fsyncDirectory}, an fsync of the directory itself (Linux allows opening one for reading).
 *
 * <p>Failures: an I/O error goes to the failure handler, which by default prints it and halts the
 * process with status {@link #EXIT_IO_ERROR} — a node that cannot write its log must not go on
 * acknowledging, and a failed fsync leaves the page cache in an unknown state (PostgreSQL's
 * "fsyncgate"). A handler that returns (tests) makes a failed write throw {@link UncheckedIOException}
 * and a failed fsync never complete.
 *
 * <p>Fault modes ({@link StorageFaultControl}, for the disk nemesis through the admin endpoint):
 * <ul>
 *   <li>{@code FSYNC_STALL}: every fsync (file or directory) blocks until the mode changes; writes go on.
 *   <li>{@code LOSE_UNSYNCED}: writes and truncations are held in memory (reads see them) and reach the
 *       file only when it is fsynced, so a SIGKILL loses exactly what was never synced — what LazyFS gives
 *       Jepsen, without a kernel module. Leaving the mode writes what is held, as a kernel's writeback
 *       would; {@link #close} without fsync drops it, as a kill does.
 *   <li>{@code TORN_WRITE}: the next write reaches the file only in part (its first half); the rest,
 *       and every later write to that file, is held until that file's next fsync. That fsync first waits
 *       while the mode lasts (at most {@link #TORN_HOLD_MS_MAX}) — the window in which a kill leaves a
 *       torn tail — then writes what is held and syncs, and the mode ends (back to {@code NONE}).
 *   <li>{@code DISK_FULL}: every write fails with "No space left on device", so with the default
 *       handler the node halts at its next write (status {@link #EXIT_IO_ERROR}) and acknowledges
 *       nothing more. (A real full disk would still accept writes into preallocated space.)
 * </ul>
 */
public final class FileStorage implements Storage, StorageFaultControl, AutoCloseable {
  /** Exit status when the log cannot be written or synced (sysexits' EX_IOERR). */
  public static final int EXIT_IO_ERROR = 74;
  /** How long a torn write's fsync waits for a kill before it completes the write. */
  public static final long TORN_HOLD_MS_MAX = 30_000;

  /** A write ({@code bytes} non-null) or a truncation to {@code position}, held in memory. */
  private record Held(long position, byte[] bytes) {}

  private final Path dir;
  private final EventLoop loop;
  private final Map<String, FileChannel> open = new HashMap<>();
  private final Map<String, ArrayDeque<Held>> held = new HashMap<>();
  private final ExecutorService fsyncThread;
  private volatile Mode faultMode = Mode.NONE;
  private boolean tornArmed;
  private String tornFile;
  private volatile LongConsumer fsyncListener = nanos -> {};
  private volatile Consumer<UncheckedIOException> failureHandler = FileStorage::halt;

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
  public void setFaultMode(Mode mode) {
    Objects.requireNonNull(mode, "mode");
    synchronized (this) {
      Mode old = faultMode;
      faultMode = mode;
      tornArmed = mode == Mode.TORN_WRITE;
      if (old != mode && (old == Mode.LOSE_UNSYNCED || old == Mode.TORN_WRITE)) {
        tornFile = null;
        for (String name : new ArrayList<>(held.keySet())) {
          try {
            flushHeld(name);
          } catch (IOException e) {
            fail(new UncheckedIOException("write back held writes of " + path(name), e));
          }
        }
      }
      notifyAll();
    }
  }

  @Override
  public Mode faultMode() { return faultMode; }

  /** Told the duration of every fsync (file or directory) in nanoseconds, on the fsync thread: for metrics. */
  public void setFsyncListener(LongConsumer listener) { this.fsyncListener = Objects.requireNonNull(listener, "listener"); }

  /** Replaces the default (print and halt) handling of I/O errors; for tests. */
  public void setFailureHandler(Consumer<UncheckedIOException> handler) { this.failureHandler = Objects.requireNonNull(handler, "handler"); }

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
      if (!Files.exists(file)) return null;
      byte[] bytes = Files.readAllBytes(file);
      ArrayDeque<Held> ops = held.get(name);
      if (ops == null) return bytes;
      int length = bytes.length;
      for (Held h : ops) {
        if (h.bytes() == null) {
          length = (int) Math.min(length, h.position());
        } else {
          int end = Math.toIntExact(h.position() + h.bytes().length);
          if (end > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(end, bytes.length * 2));
          if (h.position() > length) Arrays.fill(bytes, length, (int) h.position(), (byte) 0);
          System.arraycopy(h.bytes(), 0, bytes, (int) h.position(), h.bytes().length);
          length = Math.max(length, end);
        }
      }
      return bytes.length == length ? bytes : Arrays.copyOf(bytes, length);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }

  @Override
  public synchronized long size(String name) {
    Path file = path(name);
    try {
      if (!Files.exists(file)) return -1;
      long size = Files.size(file);
      ArrayDeque<Held> ops = held.get(name);
      if (ops != null) {
        for (Held h : ops) size = h.bytes() == null ? Math.min(size, h.position()) : Math.max(size, h.position() + h.bytes().length);
      }
      return size;
    } catch (IOException e) {
      throw new UncheckedIOException("size of " + file, e);
    }
  }

  @Override
  public synchronized void append(String name, byte[] bytes) {
    long end = size(name);
    write(name, Math.max(0, end), bytes);
  }

  @Override
  public synchronized void write(String name, long position, byte[] bytes) {
    if (position < 0) throw new IllegalArgumentException("position must be >= 0, got " + position);
    try {
      if (faultMode == Mode.DISK_FULL) throw new IOException("No space left on device (injected: DISK_FULL)");
      FileChannel ch = channel(name);
      if (faultMode == Mode.LOSE_UNSYNCED || held.containsKey(name)) {
        hold(name, new Held(position, bytes.clone()));
      } else if (tornArmed && bytes.length > 0) {
        tornArmed = false;
        tornFile = name;
        int part = bytes.length / 2;
        writeFully(ch, position, ByteBuffer.wrap(bytes, 0, part));
        hold(name, new Held(position + part, Arrays.copyOfRange(bytes, part, bytes.length)));
      } else {
        writeFully(ch, position, ByteBuffer.wrap(bytes));
      }
    } catch (IOException e) {
      throw fail(new UncheckedIOException("write to " + path(name) + " at " + position, e));
    }
  }

  @Override
  public synchronized void truncate(String name, long length) {
    try {
      FileChannel ch = channel(name);
      if (faultMode == Mode.LOSE_UNSYNCED || held.containsKey(name)) {
        hold(name, new Held(length, null));
      } else {
        ch.truncate(length);
      }
    } catch (IOException e) {
      throw fail(new UncheckedIOException("truncate " + path(name), e));
    }
  }

  @Override
  public synchronized void rename(String from, String to) {
    try {
      Path target = path(to);
      Files.move(path(from), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      FileChannel replaced = open.remove(to);
      if (replaced != null) replaced.close();
      held.remove(to);
      FileChannel ch = open.remove(from);
      if (ch != null) open.put(to, ch);
      ArrayDeque<Held> ops = held.remove(from);
      if (ops != null) held.put(to, ops);
      if (from.equals(tornFile)) tornFile = to;
    } catch (IOException e) {
      throw fail(new UncheckedIOException("rename " + path(from) + " to " + to, e));
    }
  }

  @Override
  public synchronized void delete(String name) {
    try {
      FileChannel ch = open.remove(name);
      if (ch != null) ch.close();
      held.remove(name);
      Files.deleteIfExists(path(name));
    } catch (IOException e) {
      throw fail(new UncheckedIOException("delete " + path(name), e));
    }
  }

  @Override
  public void fsync(String name, Runnable onDurable) {
    FileChannel ch;
    synchronized (this) {
      try {
        ch = channel(name);
      } catch (IOException e) {
        throw fail(new UncheckedIOException("open " + path(name), e));
      }
    }
    submit(() -> {
      synchronized (this) {
        waitWhileStalled();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TORN_HOLD_MS_MAX);
        while (faultMode == Mode.TORN_WRITE && name.equals(tornFile)) {
          long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
          if (leftMs <= 0) break;
          wait(leftMs);
        }
        if (name.equals(tornFile)) {
          tornFile = null;
          if (faultMode == Mode.TORN_WRITE) faultMode = Mode.NONE;
        }
        if (open.get(name) == ch) flushHeld(name);
      }
      ch.force(false);
    }, "fsync " + path(name), onDurable);
  }

  @Override
  public void fsyncDirectory(Runnable onDurable) {
    submit(() -> {
      synchronized (this) {
        waitWhileStalled();
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    }, "fsync directory " + dir, onDurable);
  }

  private void waitWhileStalled() throws InterruptedException {
    while (faultMode == Mode.FSYNC_STALL) wait();
  }

  private interface Sync {
    void run() throws IOException, InterruptedException;
  }

  /** Runs the sync on the fsync thread, then posts {@code onDurable}; a failed sync goes to the failure handler. */
  private void submit(Sync sync, String what, Runnable onDurable) {
    try {
      fsyncThread.execute(() -> {
        try {
          long startNs = System.nanoTime();
          sync.run();
          fsyncListener.accept(System.nanoTime() - startNs);
        } catch (InterruptedException e) {
          return; // closed while stalled: the completion would never run on a killed node either
        } catch (IOException e) {
          fail(new UncheckedIOException(what, e));
          return;
        }
        loop.execute(onDurable);
      });
    } catch (RejectedExecutionException e) {
      // Closed: the completion would never run on a crashed node either.
    }
  }

  private UncheckedIOException fail(UncheckedIOException e) {
    failureHandler.accept(e);
    return e;
  }

  private static void halt(UncheckedIOException e) {
    System.err.println("faultline: " + e.getMessage() + ": " + e.getCause() + "; halting");
    System.err.flush();
    Runtime.getRuntime().halt(EXIT_IO_ERROR);
  }

  private void hold(String name, Held h) {
    held.computeIfAbsent(name, k -> new ArrayDeque<>()).add(h);
  }

  /** Writes what is held for {@code name} to the file, in order. */
  private void flushHeld(String name) throws IOException {
    ArrayDeque<Held> ops = held.remove(name);
    if (ops == null) return;
    FileChannel ch = channel(name);
    for (Held h : ops) {
      if (h.bytes() == null) ch.truncate(h.position());
      else writeFully(ch, h.position(), ByteBuffer.wrap(h.bytes()));
    }
  }

  private static void writeFully(FileChannel ch, long position, ByteBuffer buf) throws IOException {
    long at = position;
    while (buf.hasRemaining()) at += ch.write(buf, at);
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

  /** Stops the fsync thread and closes the files; writes still held in memory are dropped, as a kill drops them. */
  @Override
  public synchronized void close() {
    fsyncThread.shutdownNow();
    held.clear();
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
