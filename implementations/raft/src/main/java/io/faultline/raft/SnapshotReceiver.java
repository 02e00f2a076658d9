package io.faultline.raft;

/**
 * The follower's side of InstallSnapshot (see {@link RaftCore}): the bytes received so far, held in one
 * buffer of the announced size, and the answer given to an archive's offer with the snapshot it was
 * computed against ({@link SnapshotArchive}). Pure: the core hands in messages and its own snapshot,
 * and acts on the {@link Outcome}.
 */
final class SnapshotReceiver {
  /** What the core does with a chunk: install {@code snapshot} when not null; answer with {@code reject} and {@code hint}. */
  record Outcome(Snapshot snapshot, boolean reject, long hint) {}

  private long receivingIndex = -1;
  private long receivingTerm;
  /** The snapshot being received, allocated at its full size on its first chunk; and how many bytes have arrived. */
  private byte[] receiving;
  private int receivedBytes;
  /** The answer to the archive offer of snapshot wantIndex@wantTerm: which files this node holds, in wantBase (its own snapshot then). */
  private long wantIndex = -1;
  private long wantTerm;
  private byte[] wantHeld;
  private Snapshot wantBase;
  /** Bytes received for the last snapshot completed: the whole snapshot, or the delta of its files this node lacked. */
  private long receivedLastBytes;

  long receivedLastBytes() { return receivedLastBytes; }

  /** The answer to an archive's offer: the files {@code own} (this node's newest snapshot) holds; the same answer to a repeated offer. */
  byte[] answerOffer(Message offer, Snapshot own) {
    if (wantIndex != offer.index() || wantTerm != offer.logTerm()) {
      try {
        wantHeld = SnapshotArchive.held(offer.data(), own);
      } catch (IllegalArgumentException e) {
        wantHeld = SnapshotArchive.held(offer.data(), null);
      }
      wantIndex = offer.index();
      wantTerm = offer.logTerm();
      wantBase = own;
    }
    return wantHeld;
  }

  /**
   * Takes a chunk (of at most {@code bytesMax} in all): the bytes now held, or the complete snapshot, or
   * — for a delta that does not assemble — a rejection asking for a new offer.
   */
  Outcome chunk(Message m, long bytesMax) {
    long total = m.round();
    if (total < 1 || total > bytesMax) return new Outcome(null, true, 0);
    if (receivingIndex != m.index() || receivingTerm != m.logTerm()) {
      if (m.hint() != 0) return new Outcome(null, false, 0);
      receivingIndex = m.index();
      receivingTerm = m.logTerm();
      receiving = null;
      receiving = new byte[(int) total];
      receivedBytes = 0;
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(m.data());
    if (m.hint() != receivedBytes || crc.getValue() != m.commit() || total != receiving.length
        || (long) receivedBytes + m.data().length > total) {
      return new Outcome(null, false, receivedBytes);
    }
    System.arraycopy(m.data(), 0, receiving, receivedBytes, m.data().length);
    receivedBytes += m.data().length;
    if (receivedBytes < total) return new Outcome(null, false, receivedBytes);
    byte[] bytes = receiving;
    receiving = null;
    receivingIndex = -1;
    String[] problem = new String[1];
    boolean delta = SnapshotArchive.isDelta(bytes);
    Snapshot snap = delta ? SnapshotArchive.assemble(bytes, wantIndex == m.index() && wantTerm == m.logTerm() ? wantBase : null, problem)
        : SnapshotFile.decode(bytes, problem);
    forgetOffer();
    if (snap == null || snap.index() != m.index() || snap.term() != m.logTerm()) {
      // a delta that does not assemble needs a new offer and answer; bytes that do not check are sent again
      return new Outcome(null, delta, 0);
    }
    receivedLastBytes = bytes.length;
    return new Outcome(snap, false, total);
  }

  private void forgetOffer() {
    wantIndex = -1;
    wantHeld = null;
    wantBase = null;
  }
}
