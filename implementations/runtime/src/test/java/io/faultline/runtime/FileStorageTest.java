package io.faultline.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileStorage on a real directory; a kill is a close without fsync, then a fresh storage on the same directory. */
class FileStorageTest {
  static final long WAIT_MS = 5_000;
  static final long STILL_BLOCKED_MS = 300;

  @TempDir Path dir;
  private final EventLoop loop = new EventLoop("test");
  private final List<UncheckedIOException> failures = new ArrayList<>();

  @AfterEach
  void closeLoop() { loop.close(); }

  private FileStorage open() throws IOException {
    FileStorage s = new FileStorage(dir, loop);
    s.setFailureHandler(failures::add);
    return s;
  }

  private static CountDownLatch fsync(FileStorage s, String name) {
    CountDownLatch done = new CountDownLatch(1);
    s.fsync(name, done::countDown);
    return done;
  }

  private static void await(CountDownLatch l) throws InterruptedException {
    assertTrue(l.await(WAIT_MS, TimeUnit.MILLISECONDS), "completed");
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
    return b;
  }

  @Test
  void positionalWritesSizeAndAtomicRename() throws Exception {
    try (FileStorage s = open()) {
      s.append("a", bytes(1, 2, 3, 4));
      s.write("a", 1, bytes(9));
      s.write("a", 6, bytes(7));
      assertArrayEquals(bytes(1, 9, 3, 4, 0, 0, 7), s.read("a"));
      assertEquals(7, s.size("a"));
      assertEquals(-1, s.size("missing"));
      s.append("b", bytes(5));
      s.rename("a", "b");
      assertArrayEquals(bytes(1, 9, 3, 4, 0, 0, 7), s.read("b"));
      assertNull(s.read("a"));
      s.append("b", bytes(8)); // the renamed file's open channel follows its new name
      CountDownLatch dirSynced = new CountDownLatch(1);
      s.fsyncDirectory(dirSynced::countDown);
      await(fsync(s, "b"));
      await(dirSynced);
    }
    assertArrayEquals(bytes(1, 9, 3, 4, 0, 0, 7, 8), Files.readAllBytes(dir.resolve("b")));
  }

  @Test
  void fsyncStall_blocksFileAndDirectorySyncsUntilTheModeChanges() throws Exception {
    try (FileStorage s = open()) {
      s.append("a", bytes(1));
      s.setFaultMode(StorageFaultControl.Mode.FSYNC_STALL);
      CountDownLatch file = fsync(s, "a");
      CountDownLatch directory = new CountDownLatch(1);
      s.fsyncDirectory(directory::countDown);
      s.append("a", bytes(2)); // writes go on
      assertFalse(file.await(STILL_BLOCKED_MS, TimeUnit.MILLISECONDS), "stalled");
      assertEquals(1, directory.getCount());
      s.setFaultMode(StorageFaultControl.Mode.NONE);
      await(file);
      await(directory);
    }
  }

  @Test
  void loseUnsynced_aKillLosesExactlyWhatWasNeverSynced() throws Exception {
    try (FileStorage s = open()) {
      s.append("log", bytes(1, 2));
      await(fsync(s, "log"));
      s.setFaultMode(StorageFaultControl.Mode.LOSE_UNSYNCED);
      s.append("log", bytes(3));
      s.write("log", 0, bytes(7));
      assertArrayEquals(bytes(7, 2, 3), s.read("log"), "reads see held writes");
      assertEquals(3, s.size("log"));
      assertArrayEquals(bytes(1, 2), Files.readAllBytes(dir.resolve("log")), "the file does not, yet");
      await(fsync(s, "log"));
      assertArrayEquals(bytes(7, 2, 3), Files.readAllBytes(dir.resolve("log")), "an fsync writes them");
      s.append("log", bytes(4, 5));
      s.append("other", bytes(6));
    } // the kill
    try (FileStorage s = open()) {
      assertArrayEquals(bytes(7, 2, 3), s.read("log"), "the unsynced append is gone");
      assertArrayEquals(new byte[0], s.read("other"), "created, never synced: empty");
    }
  }

  @Test
  void loseUnsynced_leavingTheModeWritesWhatIsHeld() throws Exception {
    try (FileStorage s = open()) {
      s.setFaultMode(StorageFaultControl.Mode.LOSE_UNSYNCED);
      s.append("log", bytes(1, 2, 3));
      s.truncate("log", 2);
      s.setFaultMode(StorageFaultControl.Mode.NONE);
      assertArrayEquals(bytes(1, 2), Files.readAllBytes(dir.resolve("log")));
    }
  }

  @Test
  void tornWrite_killedBeforeTheSync_leavesAPrefix() throws Exception {
    try (FileStorage s = open()) {
      s.append("log", bytes(1, 2));
      await(fsync(s, "log"));
      s.setFaultMode(StorageFaultControl.Mode.TORN_WRITE);
      s.append("log", bytes(3, 4, 5, 6, 7, 8));
      s.append("log", bytes(9)); // behind the torn one: held too
      assertArrayEquals(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9), s.read("log"));
      CountDownLatch sync = fsync(s, "log");
      assertFalse(sync.await(STILL_BLOCKED_MS, TimeUnit.MILLISECONDS), "the torn write's fsync waits for the kill");
    } // the kill
    try (FileStorage s = open()) {
      assertArrayEquals(bytes(1, 2, 3, 4, 5), s.read("log"), "half of the torn write, nothing after it");
    }
  }

  @Test
  void tornWrite_leavingTheModeCompletesTheWriteAndItsSync() throws Exception {
    try (FileStorage s = open()) {
      s.setFaultMode(StorageFaultControl.Mode.TORN_WRITE);
      s.append("other", bytes(1, 2)); // the next write, whichever file: torn
      s.append("log", bytes(3, 4)); // another file: not held
      assertArrayEquals(bytes(3, 4), Files.readAllBytes(dir.resolve("log")));
      assertArrayEquals(bytes(1), Files.readAllBytes(dir.resolve("other")));
      CountDownLatch sync = fsync(s, "other");
      assertFalse(sync.await(STILL_BLOCKED_MS, TimeUnit.MILLISECONDS));
      s.setFaultMode(StorageFaultControl.Mode.NONE);
      await(sync);
      assertArrayEquals(bytes(1, 2), Files.readAllBytes(dir.resolve("other")));
      assertEquals(StorageFaultControl.Mode.NONE, s.faultMode());
    }
  }

  @Test
  void diskFull_writesFailWithNoSpace_andTheHandlerIsTold() throws Exception {
    try (FileStorage s = open()) {
      s.append("log", bytes(1));
      s.setFaultMode(StorageFaultControl.Mode.DISK_FULL);
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> s.append("log", bytes(2)));
      assertTrue(e.getCause().getMessage().contains("No space left on device"), e.getCause().getMessage());
      assertThrows(UncheckedIOException.class, () -> s.write("new", 0, bytes(3)));
      assertEquals(2, failures.size());
      assertNull(s.read("new"), "not even created");
      s.setFaultMode(StorageFaultControl.Mode.NONE);
      s.append("log", bytes(2));
      assertArrayEquals(bytes(1, 2), s.read("log"));
    }
  }

  @Test
  void fsyncListenerHearsEverySync() throws Exception {
    List<Long> heard = java.util.Collections.synchronizedList(new ArrayList<>());
    try (FileStorage s = open()) {
      s.setFsyncListener(heard::add);
      s.append("a", bytes(1));
      await(fsync(s, "a"));
      CountDownLatch d = new CountDownLatch(1);
      s.fsyncDirectory(d::countDown);
      await(d);
    }
    assertEquals(2, heard.size());
  }
}
