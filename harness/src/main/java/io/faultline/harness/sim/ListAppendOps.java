package io.faultline.harness.sim;

import io.faultline.history.Op;
import io.faultline.raft.ClientReply;
import io.faultline.raft.ReadRequest;
import io.faultline.raft.ReadResult;
import io.faultline.raft.TxnRequest;
import io.faultline.raft.Wire;
import io.faultline.raft.mvcc.Compare;
import io.faultline.raft.mvcc.Txn;
import io.faultline.raft.mvcc.TxnEntry;
import io.faultline.raft.mvcc.TxnResult;
import io.faultline.runtime.Random;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Elle's list-append txns ({@code f} "txn", value a list of {@code ["append", k, v]} and
 * {@code ["r", k, list]} micro-ops) run optimistically over the node's MVCC store, as the real
 * client ({@code io.faultline.raftadapter.RaftTxnClient}, blocking, so not usable here) does:
 * <ol>
 *   <li>a txn that reads first reads all its keys at one version ({@link ReadRequest}, linearizable);
 *       a read-only txn is done there;
 *   <li>then it commits its appends in one {@link TxnRequest}, with a compare per key read (the key's
 *       mod index as read), so it commits only if nothing it read has changed since: it serializes at
 *       its own log index. Its reads are what it read, plus its own earlier appends to the key.
 * </ol>
 * COMPARE_FAILED (and OP_FAILED) is a definite {@code fail}; the txn request keeps its session across
 * retries, so an unanswered attempt leaves the op {@code info} at worst and never applies twice.
 *
 * <p>Keys, as Elle's generator: {@code keys} active at once, shared by the clients (contention); a key
 * retires after {@link #APPENDS_PER_KEY_MAX} appends and a fresh one takes its place, which keeps each
 * key's version order short to infer. Appended values are unique over the run.
 */
final class ListAppendOps implements SimClient.Ops {
  static final int MICRO_OPS_MAX = 4;
  static final int APPENDS_PER_KEY_MAX = 32;
  /** How the error of a txn whose compare failed starts. */
  static final String COMPARE_FAILED = "compare failed";

  private final Schedule s;
  private final SimClient.Shared shared;
  private final Random rng;
  private SimClient.Session session;
  /** The invocation's micro-ops: {@code [f, k, v]}, v null for a read. */
  private List<List<Object>> microOps;
  /** Keys the txn reads, each once, in order of first read. */
  private List<Long> readKeys;
  /** The read phase's answer, by key; null before it. */
  private Map<Long, TxnResult.Read> snapshot;
  /** The commit request; null in the read phase. */
  private TxnEntry entry;

  ListAppendOps(Schedule s, SimClient.Shared shared, Random rng) {
    this.s = s;
    this.shared = shared;
    this.rng = rng;
    if (shared.activeKeys == null) {
      shared.activeKeys = new long[s.keys()];
      shared.appendsToKey = new int[s.keys()];
      for (int i = 0; i < s.keys(); i++) shared.activeKeys[i] = i;
      shared.nextKey = s.keys();
    }
  }

  @Override
  public Op invoke(int process, SimClient.Session session) {
    this.session = session;
    int n = 1 + rng.nextInt(MICRO_OPS_MAX);
    microOps = new ArrayList<>(n);
    readKeys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int slot = rng.nextInt(shared.activeKeys.length);
      long key = shared.activeKeys[slot];
      if (rng.nextInt(100) < s.readPct()) {
        microOps.add(microOp("r", key, null));
        if (!readKeys.contains(key)) readKeys.add(key);
      } else {
        microOps.add(microOp("append", key, shared.nextValue++));
        if (++shared.appendsToKey[slot] >= APPENDS_PER_KEY_MAX) {
          shared.activeKeys[slot] = shared.nextKey++;
          shared.appendsToKey[slot] = 0;
        }
      }
    }
    snapshot = null;
    entry = readKeys.isEmpty() ? commitRequest() : null;
    return Op.invoke(process, "txn", null, Collections.unmodifiableList(new ArrayList<Object>(microOps)));
  }

  /** {@code [f, k, v]}; v may be null, so not {@code List.of}. */
  private static List<Object> microOp(String f, long key, Object value) {
    return Collections.unmodifiableList(Arrays.asList(f, key, value));
  }

  /** The appends, guarded by a compare on every key read at the mod index it was read at. */
  private TxnEntry commitRequest() {
    List<Compare> compares = new ArrayList<>();
    for (long k : readKeys) compares.add(new Compare(Long.toString(k), snapshot.get(k).modIndex()));
    List<io.faultline.raft.mvcc.Op> appends = new ArrayList<>();
    for (List<Object> m : microOps) {
      if (m.get(0).equals("append")) appends.add(io.faultline.raft.mvcc.Op.append(Long.toString((Long) m.get(1)), (Long) m.get(2)));
    }
    return new TxnEntry(session.clientId(), session.nextSeq(), new Txn(compares, appends));
  }

  @Override
  public Wire request(long requestId) {
    if (entry != null) return new TxnRequest(requestId, entry);
    List<String> keys = new ArrayList<>();
    for (long k : readKeys) keys.add(Long.toString(k));
    return new ReadRequest(requestId, keys, 0, 0);
  }

  @Override
  public boolean requestMayApply() { return entry != null; }

  @Override
  public Op onReply(Op invocation, ClientReply r, boolean mayHaveApplied) {
    if (entry == null) {
      if (r.status() != ClientReply.Status.OK) return invocation.fail("read " + r.status() + ": " + r.value());
      snapshot = new LinkedHashMap<>();
      for (TxnResult.Read read : ((ReadResult) r.value()).reads()) snapshot.put(Long.parseLong(read.key()), read);
      if (microOps.stream().noneMatch(m -> m.get(0).equals("append"))) return invocation.ok(completed(null));
      entry = commitRequest();
      return null;
    }
    TxnResult t = r.status() == ClientReply.Status.OK ? (TxnResult) r.value() : null;
    if (t != null && t.status() == TxnResult.Status.COMMITTED) return invocation.ok(completed(List.of()));
    if (t != null && (t.status() == TxnResult.Status.COMPARE_FAILED || t.status() == TxnResult.Status.OP_FAILED)) {
      return invocation.fail((t.status() == TxnResult.Status.COMPARE_FAILED ? COMPARE_FAILED + ": " : "op failed: ") + t.failure());
    }
    // refused: this attempt did nothing, an earlier one may have
    String why = "txn " + r.status() + ": " + (t != null ? t.failure() : r.value());
    return mayHaveApplied ? invocation.info(why) : invocation.fail(why);
  }

  /**
   * The micro-ops with each read filled in: the list read, then the txn's own appends to that key
   * before the read; {@code absent} for a key that holds nothing (the real client's: [] in a txn that
   * appends, null in a read-only one, which the checker reads as []).
   */
  private List<Object> completed(Object absent) {
    Map<Long, List<Long>> own = new LinkedHashMap<>();
    List<Object> out = new ArrayList<>(microOps.size());
    for (List<Object> m : microOps) {
      long key = (Long) m.get(1);
      if (m.get(0).equals("append")) {
        own.computeIfAbsent(key, k -> new ArrayList<>()).add((Long) m.get(2));
        out.add(m);
        continue;
      }
      Object value = snapshot.get(key).value();
      List<Long> mine = own.getOrDefault(key, List.of());
      if (value == null && mine.isEmpty()) {
        out.add(microOp("r", key, absent));
        continue;
      }
      if (value != null && !(value instanceof List)) {
        out.add(microOp("r", key, value)); // not a list: the checker reports it
        continue;
      }
      List<Object> list = new ArrayList<>();
      if (value != null) list.addAll((List<?>) value);
      list.addAll(mine);
      out.add(List.of("r", key, Collections.unmodifiableList(list)));
    }
    return Collections.unmodifiableList(out);
  }
}
