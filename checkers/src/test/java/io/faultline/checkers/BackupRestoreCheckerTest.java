package io.faultline.checkers;

import static io.faultline.checkers.HistoryDsl.history;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.faultline.history.History;
import org.junit.jupiter.api.Test;

class BackupRestoreCheckerTest {
  private static final BackupRestoreChecker CHECKER = new BackupRestoreChecker("backup", "restore");

  /** Key 1 acknowledged before the backup, key 2 in flight across it, key 3 invoked after it; then the restore and its reads. */
  private static History run(String read1, String read2, String read3) {
    return history(
        "0 invoke write 1 k=1",
        "0 ok write 1 k=1",
        "1 invoke write 2 k=2",
        "-2 invoke backup",
        "1 ok write 2 k=2",
        "-2 ok backup",
        "0 invoke write 3 k=3",
        "0 ok write 3 k=3",
        "-2 invoke restore",
        "-2 ok restore",
        "5 invoke read nil k=1",
        "5 ok read " + read1 + " k=1",
        "5 invoke read nil k=2",
        "5 ok read " + read2 + " k=2",
        "5 invoke read nil k=3",
        "5 ok read " + read3 + " k=3");
  }

  @Test
  void restoreHoldingEveryWriteBeforeTheBackupAndNoneAfter_isValid_inFlightEitherWay() {
    assertEquals(Validity.TRUE, CHECKER.check(run("1", "2", "nil")).valid());
    CheckResult r = CHECKER.check(run("1", "nil", "nil"));
    assertEquals(Validity.TRUE, r.valid());
    assertEquals(1L, r.details().get("before_backup"));
    assertEquals(1L, r.details().get("in_flight"));
    assertEquals(1L, r.details().get("after_backup"));
  }

  @Test
  void restoreOfOneEntryTooMany_isInvalid_writeAfterBackup() {
    // the planted wrong restore: the entry after the backup's last one (key 3's write) restored too
    CheckResult r = CHECKER.check(run("1", "2", "3"));
    assertEquals(Validity.FALSE, r.valid());
    assertEquals("write-after-backup", r.anomalies().get(0).type());
  }

  @Test
  void restoreMissingAnAcknowledgedWrite_isInvalid_lostWrite() {
    CheckResult r = CHECKER.check(run("nil", "2", "nil"));
    assertEquals(Validity.FALSE, r.valid());
    assertEquals("lost-write", r.anomalies().get(0).type());
  }

  @Test
  void wrongValue_isInvalid() {
    assertEquals("wrong-value", CHECKER.check(run("9", "2", "nil")).anomalies().get(0).type());
  }

  @Test
  void noCompletedBackup_orAKeyLeftUnread_isUnknown_neverValid() {
    assertEquals(Validity.UNKNOWN, CHECKER.check(history("0 invoke write 1 k=1", "0 ok write 1 k=1")).valid());
    assertEquals(Validity.UNKNOWN, CHECKER.check(history(
        "0 invoke write 1 k=1", "0 ok write 1 k=1", "-2 invoke backup", "-2 info backup")).valid());
    History unread = history(
        "0 invoke write 1 k=1", "0 ok write 1 k=1", "-2 invoke backup", "-2 ok backup", "0 invoke write 3 k=3", "0 ok write 3 k=3",
        "-2 invoke restore", "-2 ok restore", "5 invoke read nil k=1", "5 info read nil k=1", "5 invoke read nil k=3", "5 ok read nil k=3");
    assertEquals(Validity.UNKNOWN, CHECKER.check(unread).valid());
  }
}
