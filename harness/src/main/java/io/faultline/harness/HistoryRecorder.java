package io.faultline.harness;

import io.faultline.history.HistoryJson;
import io.faultline.history.Op;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's history as it happens: append-only, indexed, stamped from one monotonic clock, and
 * written to {@code history.jsonl} line by line so that a crashed run still leaves its evidence.
 * Index and time are taken under one lock, so index order is time order.
 */
final class HistoryRecorder implements AutoCloseable {
  private final long startNs = System.nanoTime();
  private final List<Op> ops = new ArrayList<>();
  private final BufferedWriter out;
  private boolean closed;

  HistoryRecorder(Path file) throws IOException {
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  /** Nanoseconds since the recorder (the run's clock) started. */
  long nowNs() {
    return System.nanoTime() - startNs;
  }

  /** Appends the op with its index and time; after {@link #close()} it is dropped (a late completion reads as info). */
  synchronized Op append(Op op) {
    Op stamped = op.withIndex(ops.size()).withTime(nowNs());
    if (closed) return stamped;
    ops.add(stamped);
    try {
      out.write(HistoryJson.toJson(stamped));
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("writing the history", e);
    }
    return stamped;
  }

  synchronized void flush() {
    if (closed) return;
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("flushing the history", e);
    }
  }

  synchronized List<Op> ops() {
    return List.copyOf(ops);
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) return;
    closed = true;
    out.close();
  }
}
