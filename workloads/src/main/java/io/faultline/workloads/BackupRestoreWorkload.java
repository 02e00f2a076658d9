package io.faultline.workloads;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The backup-restore workload: writes of unique values to distinct keys (key {@code n}, value {@code
 * n}: each key written once), a backup of the running cluster mid-run, more writes, then a restore into
 * a new cluster and a read of every key there. The runner takes the backup and the restore (ops {@value
 * #BACKUP} and {@value #RESTORE} of process {@value #PROCESS} in the history) through the cluster's
 * {@link io.faultline.sut.Backups}; the {@code backup-restore} checker judges what the restored cluster
 * holds: every write acknowledged before the backup started, none invoked after it completed, and
 * those in flight either way.
 */
public final class BackupRestoreWorkload {
  private BackupRestoreWorkload() {}

  public static final String NAME = "backup-restore";
  public static final String BACKUP = "backup";
  public static final String RESTORE = "restore";
  /** The process of the backup and restore ops: neither a client's nor the nemesis' (they may overlap with both). */
  public static final int PROCESS = -2;
  /** Writes per second over all workers: keys stay few enough to read back within the final phase. */
  public static final double WRITES_PER_SECOND_DEFAULT = 200;
  /** The backup starts at this fraction of --time. */
  public static final double BACKUP_AT_FRACTION = 0.5;

  public static Workload create(long seed) { return create(seed, WRITES_PER_SECOND_DEFAULT); }

  /** Writes at about {@code writesPerSecond}; final reads of every key handed out. Needs REGISTER. */
  public static Workload create(long seed, double writesPerSecond) {
    if (!(writesPerSecond > 0) || Double.isInfinite(writesPerSecond)) {
      throw new IllegalArgumentException("writesPerSecond must be finite and > 0, got " + writesPerSecond);
    }
    Set<Long> touched = new ConcurrentSkipListSet<>();
    Generator main = Generators.stagger(seed, writesPerSecond, new Writes(0, touched));
    return new Workload(NAME, main, new FinalReads(touched), Set.of(Capability.REGISTER));
  }

  /** Key n, value n, n = 0, 1, 2, ...; every key handed out is recorded for the final reads. */
  record Writes(long next, Set<Long> touched) implements Generator {
    @Override
    public Step next(Context ctx) {
      if (touched != null) touched.add(next);
      return Step.emit(Op.invoke(ctx.process(), "write", next, next), new Writes(next + 1, touched));
    }
  }

  /** One read of every key handed out, once the main phase is over. */
  private record FinalReads(Set<Long> touched) implements Generator {
    @Override
    public Step next(Context ctx) {
      return RegisterWorkload.finalReads(List.copyOf(touched)).next(ctx);
    }
  }
}
