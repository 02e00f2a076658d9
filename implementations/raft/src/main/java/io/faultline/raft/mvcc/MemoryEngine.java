package io.faultline.raft.mvcc;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** A {@link KvEngine} in a TreeMap ordered as RocksDB orders keys: for the simulator and unit tests. */
public final class MemoryEngine implements KvEngine {
  private final TreeMap<byte[], byte[]> records = new TreeMap<>(Arrays::compareUnsigned);
  private boolean closed;

  @Override
  public byte[] get(byte[] key) {
    requireOpen();
    byte[] v = records.get(key);
    return v == null ? null : v.clone();
  }

  @Override
  public void write(KvBatch batch) {
    requireOpen();
    for (KvBatch.Mutation m : batch.mutations()) {
      if (m.value() == null) records.remove(m.key());
      else records.put(m.key().clone(), m.value().clone());
    }
  }

  @Override
  public void scan(byte[] fromInclusive, byte[] toExclusive, Visitor visitor) {
    requireOpen();
    if (Arrays.compareUnsigned(fromInclusive, toExclusive) >= 0) return;
    for (Map.Entry<byte[], byte[]> e : records.subMap(fromInclusive, true, toExclusive, false).entrySet()) {
      if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) return;
    }
  }

  /** An independent copy of every record: the simulator's stand-in for a checkpoint. */
  public MemoryEngine copy() {
    requireOpen();
    MemoryEngine c = new MemoryEngine();
    for (Map.Entry<byte[], byte[]> e : records.entrySet()) c.records.put(e.getKey().clone(), e.getValue().clone());
    return c;
  }

  @Override
  public void close() { closed = true; }

  private void requireOpen() {
    if (closed) throw new IllegalStateException("memory engine is closed");
  }
}
