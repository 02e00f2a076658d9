package io.faultline.raft;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Point-in-time backup and restore of our Raft, and the quorum-loss procedure ({@code faultline raft
 * backup | restore | force-new-cluster}).
 *
 * <p><b>Backup.</b> The leader exports its state at a linearizable point ({@link BackupExport}: a
 * ReadIndex round, then the applied state and the committed entries after it); the backup is fetched
 * over HTTP into a directory: {@code snapshot-<index>.snap} (the node's own snapshot file format,
 * CRC32C inside), {@code entries.log} (the entries as WAL records, each with its CRC32C) and {@value
 * #MANIFEST} (cluster id, node, snapshot index and term, last index, first and last entry times,
 * created_at, and per file its name, bytes and CRC32C). Every write acknowledged before the export was
 * asked for is in it; nothing uncommitted is.
 *
 * <p><b>Restore.</b> A backup is written into a fresh data directory per node of a <em>new</em>
 * cluster: the snapshot, the entries up to the chosen point (its end, an index, or the last entry at or
 * before a time), then one configuration entry naming the new cluster's voters, a hard state whose
 * commit index is the chosen point (those entries were committed in the old cluster), and the new
 * cluster id ({@link ClusterIdTransport}). Every node of the new cluster gets the same log, so the
 * configuration entry is in every log when they first elect; its own leader commits it with its first
 * entry. Names and addresses of the new cluster are free: the configuration entry is what counts.
 *
 * <p><b>Quorum loss.</b> {@link #forceNewCluster} makes a surviving node the one voter of a new
 * cluster from its own log (etcd's {@code --force-new-cluster}): a configuration entry naming only it,
 * after its log, and a new cluster id. Entries after its durable commit index may never have been
 * committed: they are reported as such, kept by default (a committed entry the survivor holds is
 * never lost) or dropped with {@code discardUncommitted}.
 */
public final class RaftBackup {
  public static final String MANIFEST = "manifest.json";
  public static final String ENTRIES = "entries.log";
  public static final String FORMAT = "faultline-raft-backup";
  public static final int VERSION = 1;
  /** Timeout of each request of a backup's fetch (the snapshot's download included). */
  public static final long REQUEST_TIMEOUT_MS = 300_000;
  /** Entries written per WAL batch in a restore. */
  static final int RESTORE_BATCH_ENTRIES = 1_000;
  /** How long a verification waits for its scratch node to serve the backup's last index. */
  static final long VERIFY_WAIT_MS = 60_000;

  private RaftBackup() {}

  /** Bad input: a missing or malformed file or field, a point outside the backup. The message names it. */
  public static final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInput(String message) { super(message); }
  }

  /** One file of a backup. */
  public record FileSum(String name, long bytes, long crc32c) {}

  /**
   * A backup's manifest.
   *
   * @param firstEntryMs the leader's wall-clock time of the first stamped entry after the snapshot (0 when none)
   * @param lastEntryMs  the same for the last one
   * @param backupMs     from the export's request to the manifest's write
   */
  public record Manifest(String clusterId, String node, String source, long snapshotIndex, long snapshotTerm, long commitIndex,
      long lastIndex, long entries, long firstEntryMs, long lastEntryMs, String createdAt, long backupMs, List<FileSum> files) {
    public long bytes() {
      long b = 0;
      for (FileSum f : files) b += f.bytes();
      return b;
    }

    public String snapshotFile() { return SnapshotFile.name(snapshotIndex); }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("format", FORMAT);
      m.put("version", (long) VERSION);
      m.put("cluster_id", clusterId);
      m.put("node", node);
      m.put("source", source);
      m.put("snapshot_index", snapshotIndex);
      m.put("snapshot_term", snapshotTerm);
      m.put("commit_index", commitIndex);
      m.put("last_index", lastIndex);
      m.put("entries", entries);
      m.put("first_entry_ms", firstEntryMs);
      m.put("last_entry_ms", lastEntryMs);
      m.put("created_at", createdAt);
      m.put("backup_ms", backupMs);
      m.put("bytes", bytes());
      List<Object> fs = new ArrayList<>();
      for (FileSum f : files) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", f.name());
        e.put("bytes", f.bytes());
        e.put("crc32c", f.crc32c());
        fs.add(e);
      }
      m.put("files", fs);
      return m;
    }

    public String toJsonText() { return FlatJson.write(toJson()); }
  }

  // ---- backup

  /**
   * Takes a backup through the first of {@code nodes} ({@code host:port} of a node's HTTP API) that
   * leads, into {@code out} (created; must not hold a manifest already).
   */
  public static Manifest backup(List<String> nodes, Path out) throws IOException { return backup(nodes, out, false); }

  /** {@link #backup(List, Path)}; with {@code freshSnapshot} the node encodes a snapshot at its applied index now ({@code ?snapshot=now}). */
  public static Manifest backup(List<String> nodes, Path out, boolean freshSnapshot) throws IOException {
    if (nodes.isEmpty()) throw new BadInput("--node: give at least one node's HTTP address host:port");
    if (Files.exists(out.resolve(MANIFEST))) throw new BadInput(out + ": already holds a backup (" + MANIFEST + ")");
    if (Files.exists(out) && !Files.isDirectory(out)) throw new BadInput(out + ": not a directory");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    long t0 = System.nanoTime();
    Map<String, Object> created = null;
    String source = null;
    List<String> answers = new ArrayList<>();
    for (String node : nodes) {
      URI base = base(node);
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/snapshot/create?snapshot=" + (freshSnapshot ? "now" : "newest")))
            .timeout(Duration.ofMillis(REQUEST_TIMEOUT_MS)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        Map<String, Object> b = FlatJson.parse(r.body());
        if (r.statusCode() == 200 && Boolean.TRUE.equals(b.get("ok"))) {
          created = b;
          source = node;
          break;
        }
        answers.add(node + ": " + r.statusCode() + " " + b.get("error") + (b.get("leader") != null ? " (leader " + b.get("leader") + ")" : ""));
      } catch (IOException | IllegalArgumentException e) {
        answers.add(node + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    if (created == null) throw new IOException("no node made the export (it must be the leader): " + String.join("; ", answers));
    String id = (String) created.get("backup_id");
    Files.createDirectories(out);
    long index = (Long) created.get("index");
    String snapName = SnapshotFile.name(index);
    URI base = base(source);
    try {
      fetch(http, base.resolve("/api/v1/snapshot/data?backup_id=" + id), out.resolve(snapName));
      fetch(http, base.resolve("/api/v1/snapshot/entries?backup_id=" + id), out.resolve(ENTRIES));
    } finally {
      try {
        http.send(HttpRequest.newBuilder(base.resolve("/api/v1/snapshot/release?backup_id=" + id)).timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      } catch (IOException | InterruptedException e) {
        // the node drops the export itself when it expires
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      }
    }
    long[] snap = checkSnapshot(out.resolve(snapName));
    if (snap[0] != index) throw new IOException(snapName + ": holds index " + snap[0] + ", the node announced " + index);
    List<Entry> entries = readEntries(out.resolve(ENTRIES));
    long last = entries.isEmpty() ? index : entries.get(entries.size() - 1).index();
    if (last != (Long) created.get("last_index")) throw new IOException(ENTRIES + ": ends at " + last + ", the node announced " + created.get("last_index"));
    long[] times = times(entries);
    List<FileSum> files = List.of(sum(out, snapName), sum(out, ENTRIES));
    Manifest m = new Manifest((String) created.get("cluster_id"), (String) created.get("node"), source, index, snap[1],
        (Long) created.get("commit_index"), last, entries.size(), times[0], times[1], Instant.now().toString(),
        (System.nanoTime() - t0) / 1_000_000, files);
    Path tmp = out.resolve(MANIFEST + ".tmp");
    Files.writeString(tmp, FlatJson.write(m.toJson()) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, out.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return m;
  }

  private static URI base(String node) {
    if (!node.matches("[A-Za-z0-9._-]+:[0-9]{1,5}")) throw new BadInput("--node: expected host:port of a node's HTTP API, got '" + node + "'");
    return URI.create("http://" + node);
  }

  private static void fetch(HttpClient http, URI uri, Path to) throws IOException {
    try {
      HttpResponse<Path> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(REQUEST_TIMEOUT_MS)).GET().build(),
          HttpResponse.BodyHandlers.ofFile(to));
      if (r.statusCode() != 200) {
        String body = Files.readString(to, StandardCharsets.UTF_8);
        Files.deleteIfExists(to);
        throw new IOException("GET " + uri + ": " + r.statusCode() + " " + body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  /** The leader's times of the first and last stamped entries (0 when none). */
  private static long[] times(List<Entry> entries) {
    long first = 0;
    long last = 0;
    for (Entry e : entries) {
      long t = Stamp.hlcMs(e.data());
      if (t == 0) continue;
      if (first == 0) first = t;
      last = t;
    }
    return new long[] {first, last};
  }

  private static FileSum sum(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(p)) {
      int n;
      while ((n = in.read(buf)) > 0) crc.update(buf, 0, n);
    }
    return new FileSum(name, Files.size(p), crc.getValue());
  }

  /** Index and term of a snapshot file whose checksum holds, read as a stream; bad input otherwise. */
  static long[] checkSnapshot(Path p) throws IOException {
    long size = Files.size(p);
    if (size < SnapshotFile.HEADER_BYTES + 4) throw new BadInput(p + ": a snapshot of " + size + " bytes is shorter than its header");
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[1 << 20];
    ByteBuffer header = ByteBuffer.allocate(SnapshotFile.HEADER_BYTES);
    byte[] tail = new byte[4];
    long left = size - 4;
    try (InputStream in = Files.newInputStream(p)) {
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) throw new BadInput(p + ": ends early");
        if (header.hasRemaining()) header.put(buf, 0, Math.min(n, header.remaining()));
        crc.update(buf, 0, n);
        left -= n;
      }
      if (in.readNBytes(tail, 0, 4) != 4) throw new BadInput(p + ": ends early");
    }
    header.flip();
    if (header.getInt() != SnapshotFile.MAGIC) throw new BadInput(p + ": not a snapshot file (bad magic)");
    if (header.getInt() != SnapshotFile.VERSION) throw new BadInput(p + ": unknown snapshot version");
    long index = header.getLong();
    long term = header.getLong();
    if ((int) crc.getValue() != ByteBuffer.wrap(tail).getInt()) throw new BadInput(p + ": checksum mismatch (CRC32C)");
    return new long[] {index, term};
  }

  /** The entries of a backup's {@value #ENTRIES}: every record checked, contiguous; bad input otherwise. */
  static List<Entry> readEntries(Path p) throws IOException {
    byte[] buf = Files.readAllBytes(p);
    List<Entry> out = new ArrayList<>();
    int pos = 0;
    while (pos < buf.length) {
      LogCodec.Frame f = LogCodec.read(buf, buf.length, pos, buf.length, false);
      if (f.kind() != LogCodec.Kind.RECORD || f.type() != LogCodec.ENTRY || f.payloadLength() < 16) {
        throw new BadInput(p + ": damaged record at offset " + pos + (f.problem() == null ? "" : ": " + f.problem()));
      }
      ByteBuffer b = ByteBuffer.wrap(buf, f.payloadOffset(), f.payloadLength());
      long term = b.getLong();
      long index = b.getLong();
      byte[] data = new byte[f.payloadLength() - 16];
      b.get(data);
      if (!out.isEmpty() && index != out.get(out.size() - 1).index() + 1) throw new BadInput(p + ": entry " + index + " at offset " + pos + " leaves a gap");
      out.add(new Entry(term, index, data));
      pos = f.next();
    }
    return out;
  }

  /** Reads and checks a backup: its manifest, and every file's size and CRC32C against it. */
  public static Manifest read(Path dir) throws IOException {
    Path mf = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(mf)) throw new BadInput(dir + ": no " + MANIFEST + " (not a backup directory)");
    Map<String, Object> j;
    try {
      j = FlatJson.parse(Files.readString(mf, StandardCharsets.UTF_8).trim());
    } catch (IllegalArgumentException e) {
      throw new BadInput(mf + ": not valid JSON: " + e.getMessage());
    }
    if (!FORMAT.equals(j.get("format"))) throw new BadInput(mf + ": field format must be \"" + FORMAT + "\", got " + j.get("format"));
    List<FileSum> files = new ArrayList<>();
    Object fs = j.get("files");
    if (!(fs instanceof List)) throw new BadInput(mf + ": field files must be a list");
    for (Object o : (List<?>) fs) {
      if (!(o instanceof Map)) throw new BadInput(mf + ": field files must hold objects");
      Map<?, ?> f = (Map<?, ?>) o;
      files.add(new FileSum(str(mf, f, "name"), num(mf, f, "bytes"), num(mf, f, "crc32c")));
    }
    Manifest m = new Manifest((String) j.get("cluster_id"), str(mf, j, "node"), (String) j.get("source"), num(mf, j, "snapshot_index"),
        num(mf, j, "snapshot_term"), num(mf, j, "commit_index"), num(mf, j, "last_index"), num(mf, j, "entries"),
        num(mf, j, "first_entry_ms"), num(mf, j, "last_entry_ms"), str(mf, j, "created_at"), num(mf, j, "backup_ms"), files);
    TreeSet<String> names = new TreeSet<>();
    for (FileSum f : files) names.add(f.name());
    if (!names.contains(m.snapshotFile()) || !names.contains(ENTRIES)) {
      throw new BadInput(mf + ": field files must list " + m.snapshotFile() + " and " + ENTRIES + ", got " + names);
    }
    for (FileSum f : files) {
      Path p = dir.resolve(f.name());
      if (!Files.isRegularFile(p)) throw new BadInput(p + ": missing (listed in " + MANIFEST + ")");
      FileSum actual = sum(dir, f.name());
      if (actual.bytes() != f.bytes()) throw new BadInput(p + ": " + actual.bytes() + " bytes, the manifest says " + f.bytes());
      if (actual.crc32c() != f.crc32c()) throw new BadInput(p + ": CRC32C " + actual.crc32c() + ", the manifest says " + f.crc32c());
    }
    return m;
  }

  private static String str(Path mf, Map<?, ?> j, String field) {
    Object v = j.get(field);
    if (!(v instanceof String)) throw new BadInput(mf + ": field " + field + " must be a string, got " + v);
    return (String) v;
  }

  private static long num(Path mf, Map<?, ?> j, String field) {
    Object v = j.get(field);
    if (!(v instanceof Long)) throw new BadInput(mf + ": field " + field + " must be an integer, got " + v);
    return (Long) v;
  }

  /**
   * The state the backup in {@code dir} gives at entry {@code index}: its snapshot restored and its
   * entries up to {@code index} applied by the state machine itself (in memory) — what a restore to that
   * index must serve. Every key's newest value.
   */
  public static Map<String, Object> stateAt(Path dir, long index) throws IOException {
    Manifest m = read(dir);
    if (index < m.snapshotIndex() || index > m.lastIndex()) {
      throw new BadInput("index " + index + " is outside the backup: " + m.snapshotIndex() + ".." + m.lastIndex());
    }
    String[] problem = new String[1];
    Snapshot snap = SnapshotFile.decode(Files.readAllBytes(dir.resolve(m.snapshotFile())), problem);
    if (snap == null) throw new BadInput(dir.resolve(m.snapshotFile()) + ": " + problem[0]);
    try (KvStateMachine sm = new KvStateMachine(io.faultline.raft.mvcc.MemoryEngine::new, RaftNode.SESSIONS_MAX, false)) {
      sm.restore(SnapshotFile.state(snap));
      for (Entry e : readEntries(dir.resolve(ENTRIES))) if (e.index() <= index) sm.applyEntry(e.index(), e.data());
      return new java.util.TreeMap<>(sm.contents());
    }
  }

  // ---- restore

  /**
   * Where a restore stops: the backup's end (both null), an entry index, or the last entry at or before
   * a time (ms since the epoch, the leader's clock).
   */
  public record Point(Long index, Long timeMs) {
    public static final Point END = new Point(null, null);

    public Point {
      if (index != null && timeMs != null) throw new BadInput("give --to-index or --to-time, not both");
    }
  }

  /** What a restore wrote: the node's data directory, its cluster id and voters, the last entry kept and the entries dropped after it. */
  public record Restored(Path dataDir, String node, String clusterId, List<String> voters, long snapshotIndex, long lastIndex,
      long entriesKept, long entriesDropped, long restoreMs) {}

  /**
   * Writes a fresh data directory for node {@code node} of a new cluster {@code clusterId} whose voters
   * are {@code voters} (node names {@code n<id>}, {@code node} among them) from the backup in {@code dir},
   * up to {@code point}.
   */
  public static Restored restore(Path dir, Path dataDir, String node, List<String> voters, Point point, String clusterId) throws IOException {
    long t0 = System.nanoTime();
    try {
      ClusterIdTransport.requireValid(clusterId);
      RaftServer.nodeId(node);
      for (String v : voters) RaftServer.nodeId(v);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
    if (!voters.contains(node)) throw new BadInput("--peers: the voters " + voters + " must include the node " + node);
    Manifest m = read(dir);
    if (clusterId.equals(m.clusterId())) throw new BadInput("--cluster-id: " + clusterId + " is the backed-up cluster's own id; a restore makes a new cluster");
    long[] snap = checkSnapshot(dir.resolve(m.snapshotFile()));
    List<Entry> entries = readEntries(dir.resolve(ENTRIES));
    long lastIndex = cut(m, entries, point);
    if (Files.exists(dataDir)) {
      try (Stream<Path> list = Files.list(dataDir)) {
        if (list.findAny().isPresent()) throw new BadInput("--data-dir: " + dataDir + " is not empty; a restore writes a fresh data directory");
      }
    }
    Files.createDirectories(dataDir);
    Files.copy(dir.resolve(m.snapshotFile()), dataDir.resolve(m.snapshotFile()));
    try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(dataDir.resolve(m.snapshotFile()), java.nio.file.StandardOpenOption.WRITE)) {
      c.force(true);
    }
    List<Entry> kept = new ArrayList<>();
    for (Entry e : entries) if (e.index() <= lastIndex) kept.add(e);
    long configTerm = kept.isEmpty() ? snap[1] : kept.get(kept.size() - 1).term();
    List<Integer> ids = new ArrayList<>();
    for (String v : voters) ids.add(RaftServer.nodeId(v));
    kept.add(new Entry(configTerm, lastIndex + 1, Membership.ofVoters(ids).encode()));
    writeLog(dataDir, new Snapshot(snap[0], snap[1], new byte[0]), kept, new HardState(configTerm, 0, lastIndex), lastIndex);
    ClusterIdTransport.write(dataDir, clusterId);
    return new Restored(dataDir, node, clusterId, List.copyOf(voters), snap[0], lastIndex, kept.size() - 1,
        entries.size() - (kept.size() - 1), (System.nanoTime() - t0) / 1_000_000);
  }

  /** The last index a restore to {@code point} keeps; bad input when the point lies outside the backup. */
  static long cut(Manifest m, List<Entry> entries, Point point) {
    if (point.index() != null) {
      long i = point.index();
      if (i < m.snapshotIndex()) throw new BadInput("--to-index " + i + " is before the backup's snapshot at index " + m.snapshotIndex());
      if (i > m.lastIndex()) throw new BadInput("--to-index " + i + " is after the backup's last entry at index " + m.lastIndex());
      return i;
    }
    if (point.timeMs() != null) {
      long t = point.timeMs();
      if (m.firstEntryMs() == 0 || t < m.firstEntryMs()) {
        throw new BadInput("--to-time " + t + " is before the backup's first entry after its snapshot"
            + (m.firstEntryMs() == 0 ? " (it has none)" : " (" + m.firstEntryMs() + " ms)") + ": the snapshot may hold later writes");
      }
      if (t > m.lastEntryMs()) throw new BadInput("--to-time " + t + " is after the backup's last entry (" + m.lastEntryMs() + " ms)");
      // the store's rule: an entry applies at max(stamp, last + 1), so time order is index order
      long last = m.snapshotIndex();
      long time = 0;
      for (Entry e : entries) {
        long s = Stamp.hlcMs(e.data());
        if (s != 0) time = Math.max(s, time + 1);
        if (s != 0 && time > t) break;
        last = e.index();
      }
      return last;
    }
    return m.lastIndex();
  }

  /**
   * Writes the log of a data directory through the node's own code ({@link Wal}, {@link HardStateFile}
   * on a {@link io.faultline.runtime.FileStorage}, on an event loop of its own, as a node does): a
   * restart after {@code restart} (when not null), {@code entries}, the commit index, then the hard
   * state; returns once all of it is durable.
   */
  private static void writeLog(Path dataDir, Snapshot restart, List<Entry> entries, HardState hs, long commit) throws IOException {
    io.faultline.runtime.EventLoop loop = new io.faultline.runtime.EventLoop("restore");
    io.faultline.runtime.FileStorage storage = new io.faultline.runtime.FileStorage(dataDir, loop);
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    storage.setFailureHandler(done::completeExceptionally);
    try {
      loop.execute(() -> {
        try {
          Wal wal = Wal.open(storage, null, WalConfig.DEFAULT, line -> { });
          java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger(1);
          Runnable oneDone = () -> {
            if (pending.decrementAndGet() == 0) done.complete(null);
          };
          boolean first = true;
          for (int from = 0; from < entries.size(); from += RESTORE_BATCH_ENTRIES) {
            List<Entry> batch = entries.subList(from, Math.min(entries.size(), from + RESTORE_BATCH_ENTRIES));
            boolean lastBatch = from + RESTORE_BATCH_ENTRIES >= entries.size();
            if (lastBatch) pending.incrementAndGet();
            wal.append(first ? restart : null, batch, lastBatch ? commit : -1, true, lastBatch ? oneDone : null);
            first = false;
          }
          HardStateFile.write(storage, hs, oneDone);
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
        }
      });
      done.get(REQUEST_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.io.UncheckedIOException) throw ((java.io.UncheckedIOException) c).getCause();
      if (c instanceof RuntimeException) throw (RuntimeException) c;
      throw new IOException(c);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("writing the log of " + dataDir + " did not finish within " + REQUEST_TIMEOUT_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } finally {
      storage.close();
      loop.close();
    }
  }

  // ---- verify

  /** What a verification found: the scratch node served the backup's last index, its applied index, and how long it took. */
  public record Verified(long lastIndex, long appliedIndex, long keys, long restoreMs, long serveMs) {}

  /**
   * Restores the backup in {@code dir} into a scratch directory under {@code scratch} as a one-node
   * cluster, starts that node in this JVM, and checks it serves: a leader that has applied the backup's
   * last index. The scratch node and directory are removed afterwards.
   */
  public static Verified verify(Path dir, Path scratch) throws IOException {
    Manifest m = read(dir);
    Path data = Files.createTempDirectory(scratch, "verify-");
    try {
      long t0 = System.nanoTime();
      restore(dir, data, "n1", List.of("n1"), Point.END, "verify-" + Long.toHexString(System.nanoTime()));
      long restoreMs = (System.nanoTime() - t0) / 1_000_000;
      int port;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        port = s.getLocalPort();
      }
      RaftServer.Config cfg = new RaftServer.Config("n1", Map.of("n1", port), "127.0.0.1", 0, data, 20, RaftConfig.ReadMode.READ_INDEX,
          java.util.Set.of(), 0, WalConfig.SyncPolicy.SAFE, WalConfig.SnapshotPolicy.OFF);
      long t1 = System.nanoTime();
      try (RaftServer server = RaftServer.start(cfg)) {
        if (server.node() == null || server.node().quarantine() != null) {
          throw new IOException("the scratch node refused the restored data: " + (server.node() == null ? "no node" : server.node().quarantine()));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + VERIFY_WAIT_MS * 1_000_000;
        Map<String, Object> status = Map.of();
        while (System.nanoTime() < deadline) {
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/api/v1/cluster/status"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            status = FlatJson.parse(r.body());
            Object applied = status.get("applied");
            if ("LEADER".equals(status.get("role")) && applied instanceof Long && (Long) applied > m.lastIndex()) {
              long keys = keys(server);
              return new Verified(m.lastIndex(), (Long) applied, keys, restoreMs, (System.nanoTime() - t1) / 1_000_000);
            }
          } catch (IllegalArgumentException e) {
            // a status we cannot parse: asked again
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
          }
          sleepMs(20);
        }
        throw new IOException("the scratch node did not serve the backup's last index " + m.lastIndex() + " within " + VERIFY_WAIT_MS
            + " ms; status " + status);
      }
    } finally {
      deleteTree(data);
    }
  }

  /** Keys in the scratch node's state (read on its event loop). */
  private static long keys(RaftServer server) {
    java.util.concurrent.CompletableFuture<Long> n = new java.util.concurrent.CompletableFuture<>();
    server.onLoop(() -> n.complete((long) server.node().stateMachine().contents().size()));
    try {
      return n.get(VERIFY_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Deletes {@code dir} and everything below it (a verification's scratch directory; a destroyed node's, in tests). */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
    }
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- quorum loss

  /**
   * What {@link #forceNewCluster} did: the node's durable commit index, its last index, the entries
   * after the commit index that may never have been committed ({@code [mayBeUncommittedFrom,
   * mayBeUncommittedTo]}, empty when from > to), whether they were kept, and the new cluster id.
   */
  public record Forced(Path dataDir, String node, String clusterId, long term, long commitIndex, long lastIndex,
      long mayBeUncommittedFrom, long mayBeUncommittedTo, boolean uncommittedKept, long configIndex) {
    public long mayBeUncommitted() { return Math.max(0, mayBeUncommittedTo - mayBeUncommittedFrom + 1); }
  }

  /**
   * Makes the stopped node in {@code dataDir} the one voter of a new cluster {@code clusterId}: a
   * configuration entry naming only it goes after its log (after its commit index with {@code
   * discardUncommitted}, which drops the entries after it), and the new cluster id is written.
   */
  public static Forced forceNewCluster(Path dataDir, String node, String clusterId, boolean discardUncommitted) throws IOException {
    int id;
    try {
      ClusterIdTransport.requireValid(clusterId);
      id = RaftServer.nodeId(node);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
    try {
      RaftRepair.checkDataDir(dataDir);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
    RaftRepair.Inspection ins;
    try {
      ins = RaftRepair.inspect(dataDir);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
    if (ins.verdict() == RaftRepair.Verdict.CORRUPT) {
      throw new BadInput(dataDir + ": the log is corrupt (" + ins.damage() + "); repair it first: " + RaftRepair.command(dataDir, false));
    }
    if (ins.rebuilding() != null) {
      throw new BadInput(dataDir + ": the node is being rebuilt (" + RaftRepair.REBUILDING_MARKER + "): its log may lack entries it acknowledged;"
          + " force the new cluster from another survivor");
    }
    java.nio.channels.FileLock lock = lockOrRefuse(dataDir);
    try {
      String old = ClusterIdTransport.read(dataDir);
      if (clusterId.equals(old)) throw new BadInput("--cluster-id: " + clusterId + " is the node's current cluster id; give a new one");
      DryRunStorage dry = new DryRunStorage(dataDir);
      HardState hs = HardStateFile.load(dry);
      Snapshot snap = SnapshotFile.loadNewest(dry);
      Wal wal = Wal.open(dry, null, WalConfig.DEFAULT, line -> { });
      dry.commit(); // what the node's own start would do first: a torn tail truncated
      long snapIndex = snap == null ? 0 : snap.index();
      List<Entry> all = wal.recoveredEntries();
      long base = wal.recoveredBase();
      List<Entry> after = new ArrayList<>();
      for (Entry e : all) if (e.index() > snapIndex) after.add(e);
      if (snap != null && snapIndex > base && snapIndex <= base + all.size() && all.get((int) (snapIndex - base) - 1).term() != snap.term()) {
        after.clear();
      }
      long last = after.isEmpty() ? snapIndex : after.get(after.size() - 1).index();
      long commit = Math.min(last, Math.max(snapIndex, Math.max(hs.commit(), wal.recoveredCommit())));
      if (last == 0) throw new BadInput(dataDir + ": the node's log is empty; there is nothing to recover from");
      long configIndex = (discardUncommitted ? commit : last) + 1;
      long term = Math.max(hs.term(), 1);
      Entry config = new Entry(term, configIndex, Membership.ofVoters(List.of(id)).encode());
      writeLog(dataDir, null, List.of(config), new HardState(term, 0, commit), commit);
      ClusterIdTransport.write(dataDir, clusterId);
      return new Forced(dataDir, node, clusterId, term, commit, last, commit + 1, last, !discardUncommitted, configIndex);
    } finally {
      lock.close();
    }
  }

  private static java.nio.channels.FileLock lockOrRefuse(Path dataDir) throws IOException {
    try {
      return RaftRepair.lock(dataDir);
    } catch (IllegalArgumentException e) {
      throw new BadInput(e.getMessage());
    }
  }
}
