package io.faultline.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Inspection and repair of a stopped node's data directory ({@code faultline raft repair DATADIR
 * [--rebuild]}): every WAL segment, snapshot and the hard state, each ok or its first damage by file and
 * offset, and what can be done about it.
 *
 * <p>Two kinds of damage, told apart as {@link LogCodec} says. A <em>torn tail</em> — the newest segment
 * ending in a record a crash cut short — holds nothing acknowledged (a node acknowledges only what it
 * synced): dropping it is safe, and the node does it itself at start ({@link Wal#open}). The repair does
 * exactly the same: it runs the node's own start-up code ({@link HardStateFile#load},
 * {@link SnapshotFile#loadNewest}, {@link Wal#open}) on a {@link DryRunStorage} and, when that finds no
 * corruption, makes on disk the changes it made (the tail zeroed, unfinished temporary files deleted).
 * So inspection and node never disagree on whether the node would start.
 *
 * <p><em>Corruption before the tail</em> — synced data that no longer checks out: a flipped bit, a
 * missing segment, a damaged snapshot — could be acknowledged writes; the node refuses to start
 * ({@link WalCorruptException}) and names this command. A <em>rebuild</em> ({@code --rebuild}) first
 * writes the marker {@value #REBUILDING_MARKER} (fsynced), then moves the node's segments and snapshots to
 * {@code discarded-<time>/} beside them (evidence kept, nothing deleted) and keeps the hard state (term
 * and vote), so that the node, started again, catches up from the leader (snapshot and log). A node that
 * lost entries it may have acknowledged must not help elect a leader that lacks them: while the marker
 * is there it neither votes nor campaigns until it has caught up ({@link RaftCore#rebuilding()}), then
 * removes the marker ({@link #finishRebuild}). Marker before moves: a crash in between leaves a node that
 * still refuses, or one that rebuilds — never one that votes on an empty log. With the hard state itself
 * damaged no rebuild is safe (a node that forgot its vote could vote twice in a term): it must be
 * replaced through a membership change.
 *
 * <p>The node must be down: a running node holds {@value #LOCK_FILE} locked ({@link RaftServer}), and
 * so does a repair while it works.
 */
public final class RaftRepair {
  /** While present, the node is being rebuilt: it catches up from the leader before it votes or campaigns. */
  public static final String REBUILDING_MARKER = "rebuilding";
  /** Where a rebuild moves the node's old log and snapshots: {@code discarded-<UTC time>}. */
  public static final String DISCARDED_PREFIX = "discarded-";
  /** Locked by a running node and by a repair, so the two never meet. */
  public static final String LOCK_FILE = "lock";
  public static final String COMMAND = "faultline raft repair";
  static final DateTimeFormatter DISCARDED_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  /** Bound on the discarded-* names tried for one second. */
  static final int DISCARDED_NAMES_MAX = 100;

  private RaftRepair() {}

  /** What a file is found to be. */
  public enum FileStatus {
    OK,
    /** The newest segment ends in a torn write: the node truncates it at start. */
    TORN_TAIL,
    /** Damaged data the node refuses to start on. */
    CORRUPT,
    /** Damaged, but the node does not read it (a snapshot older than the newest). */
    DAMAGED_UNUSED,
    /** What an unfinished write left (a temporary file): the node deletes it at start. */
    LEFTOVER,
    /** Not the node's: the marker, discarded data, unknown files. */
    OTHER
  }

  /**
   * One file of a data directory: {@code kind} is hardstate, snapshot, wal-segment, temp, marker,
   * discarded, directory or other; for damage the {@code offset} and {@code problem} (else -1 and null); a line of
   * {@code detail}; for a segment or snapshot the entry indexes it holds (0 when none), and for a
   * segment the bytes of its records, {@code [recordsStart, recordsEnd)}: past the header, up to the end
   * of the last whole record before any damage.
   */
  public record FileReport(String file, String kind, FileStatus status, long offset, String problem, String detail,
      long firstIndex, long lastIndex, long recordsStart, long recordsEnd, long bytes) {}

  /** Where the node's start-up code stops: the file (as {@link WalCorruptException} names it), offset and problem. */
  public record Damage(String file, long offset, String problem) {
    @Override
    public String toString() { return file + " at offset " + offset + ": " + problem; }
  }

  /** What the files say as a whole. */
  public enum Verdict {
    /** The node starts on it as it is. */
    HEALTHY,
    /** The node starts, truncating a torn tail first (the safe part). */
    TORN_TAIL,
    /** The node refuses to start: damage before the tail. */
    CORRUPT
  }

  /**
   * A data directory as found.
   *
   * @param files          every file and directory in it, in name order
   * @param damage         where the node's start-up code stops, or null when it would start
   * @param tornTail       the torn tail it would truncate, or null
   * @param startUpChanges what the node's start-up would change on disk (the safe part), when it would start
   * @param hardState      term, vote and commit in the hard state file; null when it is damaged
   * @param rebuilding     the marker's first line when a rebuild is under way, else null
   */
  public record Inspection(Path dataDir, List<FileReport> files, Damage damage, Wal.TornTail tornTail, List<String> startUpChanges,
      HardState hardState, String rebuilding) {
    public Inspection {
      files = List.copyOf(files);
      startUpChanges = List.copyOf(startUpChanges);
    }

    public Verdict verdict() {
      if (damage != null) return Verdict.CORRUPT;
      return tornTail != null ? Verdict.TORN_TAIL : Verdict.HEALTHY;
    }

    /** Whether the damage is in the hard state, which no rebuild may discard. */
    public boolean hardStateDamaged() { return hardState == null; }
  }

  /** What a repair did. */
  public enum Outcome {
    /** Nothing was wrong (a rebuild under way is not wrong). */
    HEALTHY,
    /** The safe part: a torn tail truncated, leftovers deleted. */
    REPAIRED,
    /** Log and snapshots moved aside, marker written: the node catches up from the leader when started. */
    REBUILT,
    /** Damage before the tail, and no rebuild asked: nothing changed. */
    CORRUPT,
    /** Damage no rebuild may fix (the hard state): nothing changed; the node must be replaced. */
    UNREPAIRABLE;

    /** 0 when the node can start now (healthy, repaired, rebuilt), 1 when it cannot. */
    public int exitCode() { return this == CORRUPT || this == UNREPAIRABLE ? 1 : 0; }
  }

  /** A repair: the inspection before it, what it came to, the changes made in order, and where discarded files went (or null). */
  public record Result(Inspection inspection, Outcome outcome, List<String> actions, Path discardedTo) {
    public Result {
      actions = List.copyOf(actions);
    }
  }

  /** The command that repairs {@code dataDir}, as the node's refusal and the tool print it. */
  public static String command(Path dataDir, boolean rebuild) {
    return COMMAND + " " + dataDir + (rebuild ? " --rebuild" : "");
  }

  /** Whether a rebuild of the node in {@code dataDir} is under way (the marker is there). */
  public static boolean rebuilding(Path dataDir) { return Files.isRegularFile(dataDir.resolve(REBUILDING_MARKER)); }

  /** The node caught up: removes the marker and fsyncs the directory. {@code note} is for the caller's log. */
  public static void finishRebuild(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(REBUILDING_MARKER));
    fsyncDirectory(dataDir);
  }

  /**
   * Inspects a stopped node's data directory; changes nothing. IllegalArgumentException, naming the
   * directory, when it is missing, not a node's data directory, or in use by a running node.
   */
  public static Inspection inspect(Path dataDir) throws IOException {
    checkDataDir(dataDir);
    FileLock lock = lock(dataDir);
    try {
      return scan(dataDir).inspection;
    } finally {
      lock.close();
    }
  }

  /** {@link #repair(Path, boolean, Instant)} now. */
  public static Result repair(Path dataDir, boolean rebuild) throws IOException { return repair(dataDir, rebuild, Instant.now()); }

  /**
   * Repairs a stopped node's data directory: the safe part (what the node's start-up would do) when it
   * would start; with {@code rebuild}, a rebuild when it would not; nothing otherwise. {@code now} names
   * the discarded directory. Bad input as for {@link #inspect}.
   */
  public static Result repair(Path dataDir, boolean rebuild, Instant now) throws IOException {
    checkDataDir(dataDir);
    FileLock lock = lock(dataDir);
    try {
      Scan s = scan(dataDir);
      Inspection ins = s.inspection;
      if (ins.damage() == null) {
        if (!s.dry.hasChanges()) return new Result(ins, Outcome.HEALTHY, List.of(), null);
        List<String> actions = s.dry.describeChanges();
        s.dry.commit();
        return new Result(ins, Outcome.REPAIRED, actions, null);
      }
      if (!rebuild) return new Result(ins, Outcome.CORRUPT, List.of(), null);
      if (ins.hardStateDamaged()) return new Result(ins, Outcome.UNREPAIRABLE, List.of(), null);
      return rebuild(ins, now);
    } finally {
      lock.close();
    }
  }

  private static Result rebuild(Inspection ins, Instant now) throws IOException {
    Path dir = ins.dataDir();
    List<String> actions = new ArrayList<>();
    Path discarded = null;
    String stamp = DISCARDED_TIME.format(now);
    for (int i = 1; i <= DISCARDED_NAMES_MAX && discarded == null; i++) {
      Path p = dir.resolve(DISCARDED_PREFIX + stamp + (i == 1 ? "" : "-" + i));
      if (!Files.exists(p)) discarded = p;
    }
    if (discarded == null) throw new IOException("no free " + DISCARDED_PREFIX + stamp + "-N name in " + dir + " after " + DISCARDED_NAMES_MAX);
    HardState hs = ins.hardState();
    String marker = "rebuilding since " + DateTimeFormatter.ISO_INSTANT.format(now) + "\n"
        + "damage: " + ins.damage() + "\n"
        + "discarded to: " + discarded.getFileName() + "\n"
        + "kept: term " + hs.term() + ", vote " + (hs.vote() == 0 ? "none" : RaftNode.nodeName(hs.vote())) + "\n"
        + "the node catches up from the leader and votes again once it has; it removes this file then\n";
    Path markerFile = dir.resolve(REBUILDING_MARKER);
    try (FileChannel ch = FileChannel.open(markerFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(marker.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) ch.write(b);
      ch.force(true);
    }
    fsyncDirectory(dir);
    actions.add("wrote " + REBUILDING_MARKER + " (the node catches up from the leader before it votes or campaigns)");
    Files.createDirectory(discarded);
    int moved = 0;
    long bytes = 0;
    for (FileReport f : ins.files()) {
      boolean log = f.kind().equals("wal-segment") || f.kind().equals("snapshot")
          || (f.kind().equals("temp") && !f.file().equals(HardStateFile.TEMP));
      if (!log) continue;
      Path from = dir.resolve(f.file());
      bytes += Files.size(from);
      Files.move(from, discarded.resolve(f.file()), StandardCopyOption.ATOMIC_MOVE);
      moved++;
    }
    fsyncDirectory(discarded);
    fsyncDirectory(dir);
    actions.add("moved " + moved + " files (" + bytes + " bytes: WAL segments and snapshots) to " + discarded.getFileName());
    actions.add("kept " + HardStateFile.NAME + ": term " + hs.term() + ", vote " + (hs.vote() == 0 ? "none" : RaftNode.nodeName(hs.vote())));
    return new Result(ins, Outcome.REBUILT, actions, discarded);
  }

  // ---- inspection

  private record Scan(Inspection inspection, DryRunStorage dry) {}

  private static Scan scan(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      list.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    List<FileReport> files = new ArrayList<>();
    String rebuilding = null;
    List<String> segments = new ArrayList<>();
    List<String> snapshots = new ArrayList<>();
    for (String n : names) {
      Path p = dir.resolve(n);
      if (Wal.SEGMENT.matcher(n).matches()) segments.add(n);
      else if (SnapshotFile.NAME.matcher(n).matches()) snapshots.add(n);
      else if (n.equals(HardStateFile.NAME)) files.add(hardStateReport(p));
      else if (n.equals(Wal.TEMP_SEGMENT) || n.equals(HardStateFile.TEMP) || SnapshotFile.TEMP.matcher(n).matches()) {
        files.add(new FileReport(n, "temp", FileStatus.LEFTOVER, -1, null, "left by an unfinished write; deleted at start",
            0, 0, 0, 0, Files.size(p)));
      } else if (n.equals(REBUILDING_MARKER)) {
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        rebuilding = lines.isEmpty() ? "rebuilding" : lines.get(0);
        files.add(new FileReport(n, "marker", FileStatus.OTHER, -1, null, rebuilding + ": catching up from the leader", 0, 0, 0, 0,
            Files.size(p)));
      } else if (n.equals(LOCK_FILE)) {
        continue;
      } else if (n.equals(ClusterIdTransport.FILE)) {
        files.add(new FileReport(n, "cluster-id", FileStatus.OTHER, -1, null, "the cluster this node belongs to (set by a restore or"
            + " force-new-cluster); kept", 0, 0, 0, 0, Files.size(p)));
      } else if (n.startsWith(DISCARDED_PREFIX) && Files.isDirectory(p)) {
        files.add(new FileReport(n, "discarded", FileStatus.OTHER, -1, null, "an earlier rebuild's discarded log and snapshots", 0, 0, 0, 0, 0));
      } else if (Files.isDirectory(p)) {
        files.add(new FileReport(n, "directory", FileStatus.OTHER, -1, null, "a directory, not the log (the node rebuilds its state store at start); left alone",
            0, 0, 0, 0, 0));
      } else {
        files.add(new FileReport(n, "other", FileStatus.OTHER, -1, null, "not a node file; ignored", 0, 0, 0, 0,
            Files.isRegularFile(p) ? Files.size(p) : 0));
      }
    }
    for (int i = 0; i < snapshots.size(); i++) files.add(snapshotReport(dir, snapshots.get(i), i == snapshots.size() - 1));
    long previousSeq = 0;
    for (int i = 0; i < segments.size(); i++) {
      String n = segments.get(i);
      Matcher m = Wal.SEGMENT.matcher(n);
      if (!m.matches()) throw new IllegalStateException(n);
      long seq = Long.parseLong(m.group(1));
      files.add(segmentReport(dir, n, seq, previousSeq, i == segments.size() - 1));
      previousSeq = seq;
    }
    files.sort(java.util.Comparator.comparing(FileReport::file));

    // The node's own start-up code, on a copy of what it would change.
    DryRunStorage dry = new DryRunStorage(dir);
    Damage damage = null;
    HardState hs = null;
    Wal.TornTail torn = null;
    try {
      try {
        hs = HardStateFile.load(dry);
      } catch (WalCorruptException e) {
        damage = damage(e);
      }
      Snapshot snap = null;
      boolean snapshotRead = true;
      try {
        snap = SnapshotFile.loadNewest(dry);
      } catch (WalCorruptException e) {
        if (damage == null) damage = damage(e);
        snapshotRead = false;
      }
      try {
        Wal wal = Wal.open(dry, null, WalConfig.DEFAULT, line -> { });
        torn = wal.tornTail();
        long base = wal.recoveredBase();
        if (snapshotRead && damage == null) {
          if (snap == null && base != 0) damage = new Damage("wal", 0, "log starts after entry " + base + " but there is no snapshot");
          if (snap != null && base > snap.index()) damage = new Damage("wal", 0, "log starts after entry " + base + ", beyond snapshot " + snap.index());
        }
      } catch (WalCorruptException e) {
        if (damage == null) damage = damage(e);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      if (damage == null) damage = new Damage("?", 0, "the node's start-up code failed on these files: " + e);
    }
    if (damage != null) files = markDamage(files, damage);
    Inspection ins = new Inspection(dir, files, damage, damage == null ? torn : null,
        damage == null ? dry.describeChanges() : List.of(), hs, rebuilding);
    return new Scan(ins, dry);
  }

  private static Damage damage(WalCorruptException e) { return new Damage(e.file(), e.offset(), e.problem()); }

  /** The file the start-up code stopped at is corrupt there, whatever the file-by-file scan saw (a gap between segments, say). */
  private static List<FileReport> markDamage(List<FileReport> files, Damage d) {
    List<FileReport> out = new ArrayList<>();
    for (FileReport f : files) {
      if (f.file().equals(d.file()) && f.status() != FileStatus.CORRUPT) {
        f = new FileReport(f.file(), f.kind(), FileStatus.CORRUPT, d.offset(), d.problem(), f.detail(), f.firstIndex(), f.lastIndex(),
            f.recordsStart(), Math.min(f.recordsEnd(), Math.max(f.recordsStart(), d.offset())), f.bytes());
      }
      out.add(f);
    }
    return out;
  }

  private static FileReport hardStateReport(Path p) throws IOException {
    byte[] b = Files.readAllBytes(p);
    String problem = null;
    ByteBuffer buf = ByteBuffer.wrap(b);
    if (b.length != HardStateFile.BYTES) {
      problem = "hard state file has " + b.length + " bytes, expected " + HardStateFile.BYTES;
    } else {
      CRC32C crc = new CRC32C();
      crc.update(b, 0, HardStateFile.BYTES - 4);
      if (buf.getInt(HardStateFile.BYTES - 4) != (int) crc.getValue()) problem = "hard state checksum mismatch";
      else if (buf.getInt(0) != HardStateFile.MAGIC || buf.getInt(4) != HardStateFile.VERSION) problem = "not a version " + HardStateFile.VERSION + " hard state file";
    }
    if (problem != null) return new FileReport(HardStateFile.NAME, "hardstate", FileStatus.CORRUPT, 0, problem, "term and vote lost", 0, 0, 0, 0, b.length);
    int vote = buf.getInt(16);
    return new FileReport(HardStateFile.NAME, "hardstate", FileStatus.OK, -1, null, "term " + buf.getLong(8) + ", vote "
        + (vote == 0 ? "none" : RaftNode.nodeName(vote)) + ", commit " + buf.getLong(20), 0, 0, 0, 0, b.length);
  }

  private static FileReport snapshotReport(Path dir, String name, boolean newest) throws IOException {
    byte[] b = Files.readAllBytes(dir.resolve(name));
    String[] problem = new String[1];
    Snapshot s = SnapshotFile.decode(b, problem);
    long index = SnapshotFile.indexOf(name);
    if (s != null && s.index() != index) problem[0] = "snapshot says index " + s.index();
    if (s == null || problem[0] != null) {
      return new FileReport(name, "snapshot", newest ? FileStatus.CORRUPT : FileStatus.DAMAGED_UNUSED, 0, problem[0],
          newest ? "the newest snapshot: the node starts from it" : "older than the newest: the node does not read it", index, index, 0, 0, b.length);
    }
    return new FileReport(name, "snapshot", FileStatus.OK, -1, null, "index " + s.index() + ", term " + s.term() + ", " + b.length + " bytes",
        index, index, 0, 0, b.length);
  }

  /** One segment on its own: header, then records until the end of its data, the first torn or damaged one. */
  private static FileReport segmentReport(Path dir, String name, long seq, long previousSeq, boolean last) throws IOException {
    byte[] buf = Files.readAllBytes(dir.resolve(name));
    int length = buf.length;
    int dataEnd = LogCodec.dataEnd(buf, 0, length);
    if (previousSeq != 0 && seq != previousSeq + 1) {
      return segment(name, FileStatus.CORRUPT, 0, "segment " + seq + " follows segment " + previousSeq + ": one is missing", "", 0, 0, 0, 0, length);
    }
    String headerProblem = Wal.checkHeader(buf, seq);
    if (headerProblem != null) {
      if (last && LogCodec.dataEnd(buf, Math.min(Wal.HEADER_BYTES, length), length) <= Wal.HEADER_BYTES) {
        return segment(name, FileStatus.TORN_TAIL, 0, headerProblem, "no records: removed at start", 0, 0, 0, 0, length);
      }
      return segment(name, FileStatus.CORRUPT, 0, headerProblem, "", 0, 0, 0, 0, length);
    }
    long first = 0;
    long lastIndex = 0;
    long entries = 0;
    long commit = 0;
    long restart = 0;
    int pos = Wal.HEADER_BYTES;
    FileStatus status = FileStatus.OK;
    long offset = -1;
    String problem = null;
    while (true) {
      LogCodec.Frame f = LogCodec.read(buf, length, pos, dataEnd, last);
      if (f.kind() == LogCodec.Kind.END) break;
      if (f.kind() == LogCodec.Kind.TORN) {
        status = FileStatus.TORN_TAIL;
        offset = pos;
        problem = "torn write: " + (dataEnd - pos) + " bytes dropped at start";
        break;
      }
      if (f.kind() == LogCodec.Kind.CORRUPT) {
        status = FileStatus.CORRUPT;
        offset = pos;
        problem = f.problem();
        break;
      }
      ByteBuffer p = ByteBuffer.wrap(buf, f.payloadOffset(), f.payloadLength());
      if (f.type() == LogCodec.ENTRY && f.payloadLength() >= 16) {
        p.getLong();
        long index = p.getLong();
        if (first == 0 || index < first) first = index;
        lastIndex = index;
        entries++;
      } else if (f.type() == LogCodec.COMMIT && f.payloadLength() == 8) {
        commit = Math.max(commit, p.getLong());
      } else if (f.type() == LogCodec.RESTART && f.payloadLength() == 16) {
        restart = p.getLong();
      } else {
        status = FileStatus.CORRUPT;
        offset = pos;
        problem = "unknown record type " + f.type() + " of " + f.payloadLength() + " bytes";
        break;
      }
      pos = f.next();
    }
    StringBuilder detail = new StringBuilder();
    detail.append(entries == 0 ? "no entries" : "entries " + first + ".." + lastIndex + " (" + entries + " records)");
    if (commit > 0) detail.append(", commit ").append(commit);
    if (restart > 0) detail.append(", log restarts after ").append(restart);
    if (status != FileStatus.OK) detail.append(status == FileStatus.CORRUPT ? " before the damage" : " before the tail");
    return segment(name, status, offset, problem, detail.toString(), first, lastIndex, Wal.HEADER_BYTES, pos, length);
  }

  private static FileReport segment(String name, FileStatus status, long offset, String problem, String detail, long first, long last,
      long recordsStart, long recordsEnd, long bytes) {
    return new FileReport(name, "wal-segment", status, offset, problem, detail, first, last, recordsStart, recordsEnd, bytes);
  }

  // ---- the data directory itself

  /** A data directory, or IllegalArgumentException saying what it is instead. */
  static void checkDataDir(Path dataDir) throws IOException {
    Objects.requireNonNull(dataDir, "dataDir");
    if (!Files.exists(dataDir)) throw new IllegalArgumentException("no such directory: " + dataDir);
    if (!Files.isDirectory(dataDir)) throw new IllegalArgumentException("not a directory: " + dataDir);
    if (isNodeDir(dataDir)) return;
    Path inner = dataDir.resolve("data");
    String hint = Files.isDirectory(inner) && isNodeDir(inner) ? "; " + inner + " is one: give that" : "";
    throw new IllegalArgumentException("not a node data directory: " + dataDir + " holds no " + HardStateFile.NAME
        + ", wal-*.seg, snapshot-*.snap, " + REBUILDING_MARKER + " or " + LOCK_FILE + " file" + hint);
  }

  private static boolean isNodeDir(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).anyMatch(n -> n.equals(HardStateFile.NAME) || n.equals(HardStateFile.TEMP)
          || n.equals(REBUILDING_MARKER) || n.equals(LOCK_FILE) || n.equals(Wal.TEMP_SEGMENT) || Wal.SEGMENT.matcher(n).matches()
          || SnapshotFile.NAME.matcher(n).matches() || SnapshotFile.TEMP.matcher(n).matches());
    }
  }

  /**
   * Locks {@value #LOCK_FILE} of {@code dataDir} (creating it), as a running node does; the lock goes with
   * the process. IllegalArgumentException when it is held: a node runs on the directory.
   */
  static FileLock lock(Path dataDir) throws IOException {
    FileChannel ch = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new IllegalArgumentException("a node is running on " + dataDir + " (its " + LOCK_FILE + " file is locked): stop it first");
    }
    return new ClosingLock(ch, lock);
  }

  /** A lock whose release also closes its channel. */
  private static final class ClosingLock extends FileLock {
    private final FileLock inner;

    ClosingLock(FileChannel ch, FileLock inner) {
      super(ch, inner.position(), inner.size(), inner.isShared());
      this.inner = inner;
    }

    @Override
    public boolean isValid() { return inner.isValid(); }

    @Override
    public void release() throws IOException {
      try {
        if (inner.isValid()) inner.release();
      } finally {
        channel().close();
      }
    }
  }

  /** fsync of a directory, so that names created, moved or deleted in it are durable. */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  // ---- text

  /** The inspection for a person: one line per file, then the verdict and, when the node cannot start, the command to run. */
  public static String describe(Inspection ins) { return describe(ins, true); }

  private static String describe(Inspection ins, boolean advise) {
    StringBuilder sb = new StringBuilder();
    sb.append("data directory ").append(ins.dataDir()).append('\n');
    int width = 0;
    for (FileReport f : ins.files()) width = Math.max(width, f.file().length());
    for (FileReport f : ins.files()) {
      sb.append("  ").append(String.format(Locale.ROOT, "%-" + width + "s", f.file())).append("  ");
      switch (f.status()) {
        case OK: sb.append("ok: ").append(f.detail()); break;
        case TORN_TAIL: sb.append("torn tail at offset ").append(f.offset()).append(": ").append(f.problem()).append(" (").append(f.detail()).append(')'); break;
        case CORRUPT: sb.append("CORRUPT at offset ").append(f.offset()).append(": ").append(f.problem())
            .append(f.detail().isEmpty() ? "" : " (" + f.detail() + ")"); break;
        case DAMAGED_UNUSED: sb.append("damaged: ").append(f.problem()).append(" (").append(f.detail()).append(')'); break;
        case LEFTOVER: sb.append("leftover: ").append(f.detail()); break;
        default: sb.append(f.detail()); break;
      }
      sb.append('\n');
    }
    if (ins.files().isEmpty()) sb.append("  (no files: a node that never wrote anything)\n");
    switch (ins.verdict()) {
      case HEALTHY:
        sb.append("healthy: the node starts on it as it is").append(ins.rebuilding() != null ? " (a rebuild is under way: " + ins.rebuilding() + ")" : "")
            .append('\n');
        break;
      case TORN_TAIL:
        sb.append("torn tail in ").append(ins.tornTail().file()).append(" at offset ").append(ins.tornTail().offset()).append(": ")
            .append(ins.tornTail().bytesDropped()).append(" bytes never acknowledged; truncated by the node at start or by this repair\n");
        break;
      default:
        sb.append("corrupt before the tail: ").append(ins.damage()).append('\n');
        if (!advise) break;
        if (ins.hardStateDamaged()) {
          sb.append("the hard state (term and vote) is lost: no rebuild is safe, since a node that forgot its vote could vote twice\n")
              .append("in a term; remove the node from the cluster and add a fresh one in its place (a membership change)\n");
        } else {
          sb.append("the node refuses to start; to rebuild it from the leader (log and snapshots moved aside, term and vote kept):\n")
              .append("  ").append(command(ins.dataDir(), true)).append('\n');
        }
        break;
    }
    return sb.toString();
  }

  /** The repair for a person: the inspection, then what was done. */
  public static String describe(Result r) {
    StringBuilder sb = new StringBuilder(describe(r.inspection(), r.outcome() != Outcome.REBUILT));
    switch (r.outcome()) {
      case HEALTHY: sb.append("nothing to do\n"); break;
      case REPAIRED: sb.append("repaired (the safe part):\n"); break;
      case REBUILT: sb.append("rebuilt: start the node; it catches up from the leader (snapshot and log)\n"); break;
      case CORRUPT: sb.append("nothing changed (no --rebuild)\n"); break;
      default: sb.append("nothing changed: the node cannot be rebuilt\n"); break;
    }
    for (String a : r.actions()) sb.append("  ").append(a).append('\n');
    return sb.toString();
  }
}
