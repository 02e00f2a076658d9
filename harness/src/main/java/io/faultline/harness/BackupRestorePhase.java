package io.faultline.harness;

import io.faultline.history.Op;
import io.faultline.sut.Backups;
import io.faultline.sut.Cluster;
import io.faultline.sut.ClusterSpec;
import io.faultline.workloads.BackupRestoreWorkload;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The backup-restore workload's part of a run ({@link BackupRestoreWorkload}): a backup of the running
 * cluster at a point of the main phase, on a thread of its own beside the workers and the nemesis, and
 * after the quiet period a restore into a new cluster ({@code <run>/restored}, its own ports), on which
 * the final reads run. Both are ops of process {@value BackupRestoreWorkload#PROCESS} in the history,
 * so the checker sees when the backup started and completed; their sizes and times go to result.json
 * ({@code backup}: bytes, ms, last_index; {@code restore}: ms).
 */
final class BackupRestorePhase implements AutoCloseable {
  /** How long the run waits for a backup still going once the main phase is over. */
  static final long BACKUP_WAIT_MS_MAX = 120_000;

  private final Cluster cluster;
  private final HistoryRecorder recorder;
  private final Progress progress;
  private final ClusterSpec restoreSpec;
  private final Path backupDir;
  private final Map<String, Object> backupSummary = new LinkedHashMap<>();
  private final Map<String, Object> restoreSummary = new LinkedHashMap<>();
  private volatile Backups.Backup backup;
  private Thread thread;
  private Cluster restored;

  BackupRestorePhase(Cluster cluster, HistoryRecorder recorder, Progress progress, Path runDir, ClusterSpec restoreSpec) {
    this.cluster = cluster;
    this.recorder = recorder;
    this.progress = progress;
    this.restoreSpec = restoreSpec;
    this.backupDir = runDir.resolve("backup");
  }

  /** Takes the backup at {@code atNs} of the run's clock, on a thread of its own. */
  void startBackupAt(long atNs) {
    thread = new Thread(() -> {
      long waitMs = TimeUnit.NANOSECONDS.toMillis(atNs - recorder.nowNs());
      if (waitMs > 0) Runner.sleepMs(waitMs);
      Op invoke = recorder.append(Op.invoke(BackupRestoreWorkload.PROCESS, BackupRestoreWorkload.BACKUP, null, null).withIndex(-1).withTime(-1));
      Op done;
      if (!(cluster instanceof Backups)) {
        done = invoke.fail("the cluster cannot be backed up");
      } else {
        try {
          Backups.Backup b = ((Backups) cluster).backup(backupDir);
          backup = b;
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("dir", b.dir().toString());
          v.put("bytes", b.bytes());
          v.put("ms", b.durationMs());
          v.put("last_index", b.lastIndex());
          backupSummary.putAll(v);
          done = invoke.ok(v);
        } catch (IOException | RuntimeException e) {
          backupSummary.put("error", String.valueOf(e.getMessage()));
          done = invoke.info("backup failed: " + e.getMessage());
        }
      }
      recorder.append(done);
      progress.line("backup: " + (done.isOk() ? backupSummary : done.error()));
    }, "backup");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits for the backup, restores it into a new cluster and returns that cluster for the final reads,
   * or null when there is no backup or the restore failed (the checker then says unknown).
   */
  Cluster restore() {
    if (thread != null) {
      try {
        thread.join(BACKUP_WAIT_MS_MAX);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Backups.Backup b = backup;
    if (b == null || !(cluster instanceof Backups)) return null;
    progress.line("restoring the backup into a new cluster in " + restoreSpec.runDir());
    Op invoke = recorder.append(Op.invoke(BackupRestoreWorkload.PROCESS, BackupRestoreWorkload.RESTORE, null, null).withIndex(-1).withTime(-1));
    Op done;
    try {
      Backups.Restored r = ((Backups) cluster).restore(b, restoreSpec);
      restored = r.cluster();
      restoreSummary.put("dir", restoreSpec.runDir().toString());
      restoreSummary.put("ms", r.durationMs());
      done = invoke.ok(new LinkedHashMap<>(restoreSummary));
    } catch (IOException | RuntimeException e) {
      restoreSummary.put("error", String.valueOf(e.getMessage()));
      done = invoke.info("restore failed: " + e.getMessage());
    }
    recorder.append(done);
    progress.line("restore: " + (done.isOk() ? restoreSummary : done.error()));
    return restored;
  }

  /** For result.json: {@code backup} and {@code restore}. */
  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backup", new LinkedHashMap<>(backupSummary));
    m.put("restore", new LinkedHashMap<>(restoreSummary));
    return m;
  }

  @Override
  public void close() throws IOException {
    if (restored != null) restored.close();
  }
}
