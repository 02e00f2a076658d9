package io.faultline.raft.mvcc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The engines every contract test runs against. */
enum EngineType {
  MEMORY {
    @Override
    KvEngine open(Path dir) { return new MemoryEngine(); }
  },
  ROCKS {
    @Override
    KvEngine open(Path dir) {
      try {
        return RocksEngine.open(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** A new engine; a disk-backed one lives in {@code dir}. */
  abstract KvEngine open(Path dir);
}
