package io.faultline.raft;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's side of a backup ({@code POST /api/v1/snapshot/create}, then {@code GET
 * /api/v1/snapshot/data} and {@code /entries}): a point-in-time copy of the replicated state taken on
 * the event loop — a snapshot (the node's newest, or one encoded now at the applied index, as the node
 * encodes its own; see {@link #take}) and the committed entries after it, up to the commit index at that
 * moment, never an uncommitted one — held in memory for the fetch.
 *
 * <p>Why in memory and not a snapshot file of the node's: the export must not change what the node
 * compacts or keeps; its snapshot policy stays the one thing that decides that. One export at a time:
 * a new one replaces the last, and an export is dropped {@value #EXPIRE_MS} ms after it was taken or on
 * {@code POST /api/v1/snapshot/release}, so a 1 GB state is not held for long.
 */
final class BackupExport {
  static final long EXPIRE_MS = 600_000;

  /** One export: its id, the snapshot, the committed entries after it, and when it was taken. */
  record Session(String id, Snapshot snapshot, List<Entry> entries, long commitIndex, long createdAtMs, long takenNs) {
    long lastIndex() { return entries.isEmpty() ? snapshot.index() : entries.get(entries.size() - 1).index(); }
  }

  private Session current;
  private long sequence;

  /**
   * Takes the export on the event loop: null with {@code why[0]} set when the node cannot (starting,
   * nothing applied yet). The snapshot is the node's newest when its log still holds every entry after
   * it — so the backup can be restored to any index from there to the commit index — unless {@code
   * fresh}, or the node has none: then one is encoded now at the applied index (the smallest backup,
   * restorable to its end only, or to the few entries committed but not yet applied).
   */
  Session take(RaftNode node, String nodeName, boolean fresh, String[] why) {
    if (node == null || node.core() == null) {
      why[0] = "starting";
      return null;
    }
    RaftCore core = node.core();
    long t0 = System.nanoTime();
    long applied = node.stateMachine().appliedIndex();
    long commit = core.commitIndex();
    if (applied < 1) {
      why[0] = "nothing applied yet";
      return null;
    }
    Snapshot own = core.snapshot();
    boolean keepOwn = own != null && (own.index() == applied || (!fresh && own.index() >= core.logBase() && own.index() <= applied));
    Snapshot snap = keepOwn ? own : SnapshotFile.encode(applied, core.termAt(applied), node.stateMachine());
    List<Entry> entries = new ArrayList<>();
    for (long i = snap.index() + 1; i <= commit; i++) entries.add(core.entryAt(i));
    Session s = new Session(nodeName + "-" + System.currentTimeMillis() + "-" + (++sequence), snap, List.copyOf(entries), commit,
        System.currentTimeMillis(), System.nanoTime() - t0);
    synchronized (this) {
      current = s;
    }
    return s;
  }

  /** The export named {@code id}, or null when there is none (never taken, replaced, released or expired). */
  synchronized Session get(String id) {
    if (current != null && System.currentTimeMillis() - current.createdAtMs() > EXPIRE_MS) current = null;
    return current != null && current.id().equals(id) ? current : null;
  }

  synchronized boolean release(String id) {
    if (current == null || !current.id().equals(id)) return false;
    current = null;
    return true;
  }

  /** The entries as WAL records ({@link LogCodec#entry}), each with its own checksum. */
  static byte[] encodeEntries(List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Entry e : entries) out.writeBytes(LogCodec.entry(e));
    return out.toByteArray();
  }

  /** The answer to {@code snapshot/create}. */
  static Map<String, Object> describe(Session s, String nodeName, String clusterId) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("ok", true);
    b.put("backup_id", s.id());
    b.put("node", nodeName);
    b.put("cluster_id", clusterId);
    b.put("index", s.snapshot().index());
    b.put("term", s.snapshot().term());
    b.put("commit_index", s.commitIndex());
    b.put("last_index", s.lastIndex());
    b.put("entries", (long) s.entries().size());
    b.put("snapshot_bytes", (long) s.snapshot().bytes().length);
    b.put("first_entry_ms", s.entries().isEmpty() ? null : Stamp.hlcMs(s.entries().get(0).data()));
    b.put("last_entry_ms", s.entries().isEmpty() ? null : Stamp.hlcMs(s.entries().get(s.entries().size() - 1).data()));
    b.put("created_at_ms", s.createdAtMs());
    b.put("take_ms", s.takenNs() / 1_000_000);
    return b;
  }
}
