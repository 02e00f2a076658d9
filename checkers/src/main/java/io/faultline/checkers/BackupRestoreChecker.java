package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Judges a point-in-time backup by what a cluster restored from it holds (the {@code backup-restore}
 * workload). Each key is written once with a unique value; the history holds the backup's invocation
 * and completion, the restore, and after it a read of every key on the restored cluster.
 *
 * <p>A write is <em>before</em> the backup when it was acknowledged before the backup was invoked: it
 * must be present. It is <em>after</em> when it was invoked after the backup completed, or failed
 * (a definite failure did not happen anywhere): it must be absent. Anything else — acknowledged during
 * the backup, or of unknown outcome — is <em>in flight</em>: present or absent. A read of another value
 * than the one written, or of a key never written, is wrong whatever the class.
 *
 * <p>Three-valued: no completed backup or restore, or a key that must be present or absent left
 * unread, is {@code unknown}, never valid.
 */
public final class BackupRestoreChecker implements Checker {
  public static final String NAME = "backup-restore";
  private final String backupF;
  private final String restoreF;

  public BackupRestoreChecker(String backupF, String restoreF) {
    this.backupF = Objects.requireNonNull(backupF, "backupF");
    this.restoreF = Objects.requireNonNull(restoreF, "restoreF");
  }

  @Override
  public String name() { return NAME; }

  private record Write(Op invoke, Op completion) {}

  @Override
  public CheckResult check(History history) {
    List<Op> ops = history.ops();
    Op backupInvoke = null;
    Op backupDone = null;
    Op restoreDone = null;
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op.f().equals(backupF) && op.isInvoke() && backupInvoke == null) {
        backupInvoke = op;
        int c = history.completionOf(i);
        backupDone = c < 0 ? null : ops.get(c);
      }
      if (op.f().equals(restoreF) && !op.isInvoke()) restoreDone = op;
    }
    if (backupInvoke == null) return CheckResult.unknown(NAME, "no backup in the history");
    if (backupDone == null || !backupDone.isOk()) {
      return CheckResult.unknown(NAME, "the backup did not complete: " + (backupDone == null ? "no completion" : backupDone.type() + " " + backupDone.error()));
    }
    if (restoreDone == null || !restoreDone.isOk()) {
      return CheckResult.unknown(NAME, "the restore did not complete: " + (restoreDone == null ? "no completion" : restoreDone.type() + " " + restoreDone.error()));
    }
    Map<Object, Write> writes = new LinkedHashMap<>();
    Map<Object, Op> reads = new HashMap<>();
    List<Anomaly> anomalies = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (!op.isInvoke() || !op.isClient() || op.key() == null) continue;
      int c = history.completionOf(i);
      Op done = c < 0 ? null : ops.get(c);
      if (op.f().equals("write")) {
        writes.put(op.key(), new Write(op, done));
      } else if (op.f().equals("read") && done != null && done.isOk() && op.timeNs() > restoreDone.timeNs()) {
        reads.put(op.key(), done);
      }
    }
    long before = 0;
    long after = 0;
    long inFlight = 0;
    long present = 0;
    long absent = 0;
    long unread = 0;
    long inFlightPresent = 0;
    for (Write w : writes.values()) {
      Op read = reads.get(w.invoke().key());
      String cls = classify(w, backupInvoke.timeNs(), backupDone.timeNs());
      if (cls.equals("before")) before++;
      else if (cls.equals("after")) after++;
      else inFlight++;
      if (read == null) {
        if (!cls.equals("in-flight")) unread++;
        continue;
      }
      Object v = read.value();
      boolean isPresent = Objects.equals(v, w.invoke().value());
      if (v != null && !isPresent) {
        anomalies.add(new Anomaly("wrong-value", witness(w, read), "key " + w.invoke().key() + " was written once, with "
            + w.invoke().value() + ", and the restored cluster reads " + v));
        continue;
      }
      if (isPresent) present++;
      else absent++;
      if (cls.equals("before") && !isPresent) {
        anomalies.add(new Anomaly("lost-write", witness(w, read), "write of key " + w.invoke().key() + " was acknowledged before the backup"
            + " started (op " + backupInvoke.index() + ") but the restored cluster does not have it"));
      } else if (cls.equals("after") && isPresent) {
        anomalies.add(new Anomaly("write-after-backup", witness(w, read), "write of key " + w.invoke().key() + " "
            + (w.completion() != null && w.completion().isFail() ? "failed" : "was invoked after the backup completed (op " + backupDone.index() + ")")
            + " but the restored cluster has it"));
      } else if (cls.equals("in-flight") && isPresent) {
        inFlightPresent++;
      }
    }
    for (Map.Entry<Object, Op> r : reads.entrySet()) {
      if (!writes.containsKey(r.getKey()) && r.getValue().value() != null) {
        anomalies.add(new Anomaly("phantom-value", List.of(r.getValue().index()), "key " + r.getKey() + " was never written but the"
            + " restored cluster reads " + r.getValue().value()));
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("writes", (long) writes.size());
    details.put("before_backup", before);
    details.put("after_backup", after);
    details.put("in_flight", inFlight);
    details.put("in_flight_present", inFlightPresent);
    details.put("present", present);
    details.put("absent", absent);
    details.put("unread", unread);
    details.put("backup_op", backupInvoke.index());
    if (!anomalies.isEmpty()) return new CheckResult(NAME, Validity.FALSE, anomalies, details);
    if (unread > 0) {
      details.put("unknown_reason", unread + " keys that must be present or absent were not read on the restored cluster");
      return new CheckResult(NAME, Validity.UNKNOWN, List.of(), details);
    }
    if (before == 0 || after == 0) {
      details.put("unknown_reason", "the backup did not fall between writes: " + before + " acknowledged before it, " + after + " invoked after it");
      return new CheckResult(NAME, Validity.UNKNOWN, List.of(), details);
    }
    return CheckResult.valid(NAME, details);
  }

  /** before (acknowledged before the backup was invoked), after (invoked after it completed, or failed), or in-flight. */
  static String classify(Write w, long backupInvokedNs, long backupDoneNs) {
    Op done = w.completion();
    if (done != null && done.isFail()) return "after";
    if (done != null && done.type() == OpType.OK && done.timeNs() < backupInvokedNs) return "before";
    if (w.invoke().timeNs() > backupDoneNs) return "after";
    return "in-flight";
  }

  private static List<Long> witness(Write w, Op read) {
    List<Long> ids = new ArrayList<>();
    ids.add(w.invoke().index());
    if (w.completion() != null) ids.add(w.completion().index());
    ids.add(read.index());
    return ids;
  }
}
