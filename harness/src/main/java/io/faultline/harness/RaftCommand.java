package io.faultline.harness;

import io.faultline.history.Json;
import io.faultline.raft.RaftBackup;
import io.faultline.raft.RaftRepair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code faultline raft}: operator tools for our Raft's nodes. */
@Command(name = "raft", mixinStandardHelpOptions = true, description = "Operator tools for our Raft (implementations/raft).",
    subcommands = {RaftCommand.Repair.class, RaftCommand.Backup.class, RaftCommand.Restore.class, RaftCommand.ForceNewCluster.class,
        CommandLine.HelpCommand.class})
final class RaftCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return Main.EXIT_ERROR;
  }

  /** {@code faultline raft repair DATADIR [--rebuild] [--json]}: {@link RaftRepair} for a person or a script. */
  @Command(name = "repair", mixinStandardHelpOptions = true,
      description = {"Inspects a stopped node's data directory — every WAL segment and snapshot and the hard state, each ok or",
          "its first damage by file and offset — and repairs it: a torn tail is truncated (what the node does at start",
          "itself); a log corrupt before its tail, on which the node refuses to start, is rebuilt with --rebuild: the",
          "WAL segments and snapshots are moved to DATADIR/discarded-<time>/, term and vote kept, and the node, started",
          "again, catches up from the leader (snapshot and log) before it votes or campaigns.",
          "Exit 0 when the directory is healthy or was repaired, 1 when it is corrupt and --rebuild was not given (or no",
          "rebuild is safe: the hard state is lost), 2 for bad input (no such directory, not a node's, node running)."})
  static final class Repair implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATADIR", description = "The node's data directory (under a run: <run>/nodes/<node>/data).")
    Path dataDir;

    @Option(names = "--rebuild", description = "Rebuild a node whose log is corrupt before its tail (moves its log and snapshots aside).")
    boolean rebuild;

    @Option(names = "--json", description = "Print the report as one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
      RaftRepair.Result r;
      try {
        r = RaftRepair.repair(dataDir, rebuild);
      } catch (IllegalArgumentException e) {
        System.err.println("faultline raft repair: " + e.getMessage());
        return Main.EXIT_ERROR;
      } catch (IOException e) {
        System.err.println("faultline raft repair: " + dataDir + ": " + describe(e));
        return Main.EXIT_ERROR;
      } catch (java.io.UncheckedIOException e) {
        System.err.println("faultline raft repair: " + dataDir + ": " + describe(e.getCause()));
        return Main.EXIT_ERROR;
      }
      System.out.print(json ? Json.write(toJson(r)) + "\n" : RaftRepair.describe(r));
      System.out.flush();
      return r.outcome().exitCode();
    }
  }

  /** Runs {@code body}: bad input is exit 2 with one line naming the file or field, an I/O failure exit 1. */
  private interface Body {
    int run() throws IOException;
  }

  private static int guarded(String command, Body body) {
    try {
      return body.run();
    } catch (RaftBackup.BadInput | IllegalArgumentException e) {
      System.err.println("faultline raft " + command + ": " + e.getMessage());
      return Main.EXIT_ERROR;
    } catch (java.nio.file.NoSuchFileException e) {
      System.err.println("faultline raft " + command + ": no such file: " + e.getFile());
      return Main.EXIT_ERROR;
    } catch (IOException e) {
      System.err.println("faultline raft " + command + ": " + describe(e));
      return Main.EXIT_INVALID;
    } catch (java.io.UncheckedIOException e) {
      System.err.println("faultline raft " + command + ": " + describe(e.getCause()));
      return Main.EXIT_INVALID;
    }
  }

  private static void print(boolean json, Map<String, Object> m, String text) {
    System.out.print(json ? Json.write(m) + "\n" : text);
    System.out.flush();
  }

  /** {@code faultline raft backup --node HOST:PORT --out DIR}: {@link RaftBackup#backup} for a person or a script. */
  @Command(name = "backup", mixinStandardHelpOptions = true, subcommands = {RaftCommand.BackupVerify.class},
      description = {"Takes a point-in-time backup of a running cluster through its leader: POST /api/v1/snapshot/create (a",
          "ReadIndex round, then the applied state: the leader's newest snapshot, or with --snapshot-now one taken at its",
          "applied index), then the snapshot file and the committed entries after it fetched over HTTP into DIR with",
          "manifest.json (cluster id, node, snapshot index/term, last index, first/last entry times, created_at, per file",
          "name, bytes, CRC32C). Every write acknowledged before the backup started is in it; no uncommitted entry is.",
          "Nodes are tried in order until one leads. `faultline raft backup verify DIR` checks a backup.",
          "Exit 0 done (and verified, with --verify), 1 no node made it or the verification failed, 2 bad input."})
  static final class Backup implements Callable<Integer> {
    @Option(names = "--node", split = ",", paramLabel = "HOST:PORT",
        description = "A node's HTTP API address (repeat or comma-separate; the leader is found among them).")
    List<String> nodes;

    @Option(names = "--out", paramLabel = "DIR", description = "The backup's directory (created; must not hold a backup).")
    Path out;

    @Option(names = "--snapshot-now", description = "Have the leader take a snapshot at its applied index now (smallest backup, restorable to its end only).")
    boolean snapshotNow;

    @Option(names = "--verify", description = "Then restore it into a scratch node and check that it serves the backup's last index.")
    boolean verify;

    @Option(names = "--json", description = "Print the manifest (and verification) as one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
      return guarded("backup", () -> {
        // not picocli-required: `backup verify DIR` would then demand them too
        if (nodes == null || nodes.isEmpty()) throw new IllegalArgumentException("--node HOST:PORT is required (a node's HTTP API)");
        if (out == null) throw new IllegalArgumentException("--out DIR is required (the backup's directory)");
        RaftBackup.Manifest m = RaftBackup.backup(nodes, out, snapshotNow);
        Map<String, Object> j = manifestJson(m, out);
        StringBuilder t = new StringBuilder();
        t.append(String.format("backup %s: %s of cluster %s, snapshot %d (term %d), entries %d..%d, %d bytes in %d ms%n", out, m.node(),
            m.clusterId() == null ? "(no id)" : m.clusterId(), m.snapshotIndex(), m.snapshotTerm(), m.snapshotIndex() + 1, m.lastIndex(),
            m.bytes(), m.backupMs()));
        for (RaftBackup.FileSum f : m.files()) t.append(String.format("  %s %d bytes crc32c %08x%n", f.name(), f.bytes(), f.crc32c()));
        int exit = Main.EXIT_VALID;
        if (verify) {
          RaftBackup.Verified v = RaftBackup.verify(out, scratchDir());
          j.put("verified", verifiedJson(v));
          t.append(String.format("verified: a scratch node restored it in %d ms and served index %d (applied %d, %d keys) after %d ms%n",
              v.restoreMs(), v.lastIndex(), v.appliedIndex(), v.keys(), v.serveMs()));
        }
        print(json, j, t.toString());
        return exit;
      });
    }
  }

  /** {@code faultline raft backup verify DIR}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Checks a backup: every file's size and CRC32C against manifest.json, then a restore into a scratch",
          "directory and a scratch node started on it in this process, which must serve the backup's last index.",
          "Exit 0 verified, 1 the scratch node did not serve it, 2 bad input (no backup, damaged file: named)."})
  static final class BackupVerify implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The backup's directory.")
    Path dir;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      return guarded("backup verify", () -> {
        RaftBackup.Manifest m = RaftBackup.read(dir);
        RaftBackup.Verified v = RaftBackup.verify(dir, scratchDir());
        Map<String, Object> j = manifestJson(m, dir);
        j.put("verified", verifiedJson(v));
        print(json, j, String.format("backup %s verified: files match the manifest; a scratch node restored it in %d ms and served index %d"
            + " (applied %d, %d keys) after %d ms%n", dir, v.restoreMs(), v.lastIndex(), v.appliedIndex(), v.keys(), v.serveMs()));
        return Main.EXIT_VALID;
      });
    }
  }

  private static Path scratchDir() throws IOException {
    return java.nio.file.Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
  }

  static Map<String, Object> manifestJson(RaftBackup.Manifest m, Path dir) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("dir", dir.toString());
    j.put("cluster_id", m.clusterId());
    j.put("node", m.node());
    j.put("snapshot_index", m.snapshotIndex());
    j.put("snapshot_term", m.snapshotTerm());
    j.put("commit_index", m.commitIndex());
    j.put("last_index", m.lastIndex());
    j.put("entries", m.entries());
    j.put("first_entry_ms", m.firstEntryMs());
    j.put("last_entry_ms", m.lastEntryMs());
    j.put("created_at", m.createdAt());
    j.put("backup_bytes", m.bytes());
    j.put("backup_ms", m.backupMs());
    List<Object> files = new ArrayList<>();
    for (RaftBackup.FileSum f : m.files()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", f.name());
      e.put("bytes", f.bytes());
      e.put("crc32c", f.crc32c());
      files.add(e);
    }
    j.put("files", files);
    return j;
  }

  private static Map<String, Object> verifiedJson(RaftBackup.Verified v) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("last_index", v.lastIndex());
    j.put("applied_index", v.appliedIndex());
    j.put("keys", v.keys());
    j.put("restore_ms", v.restoreMs());
    j.put("serve_ms", v.serveMs());
    return j;
  }

  /** {@code faultline raft restore DIR --data-dir D --node NAME --cluster-id NEW [--peers ...] [--to-index N | --to-time MS]}. */
  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Writes a fresh data directory for one node of a NEW cluster from a backup: the snapshot, the entries up to",
          "the chosen point (the backup's end, --to-index N, or --to-time MS: the last entry at or before that time on the",
          "old leader's clock), a configuration entry naming the new cluster's voters (--peers; any names n<id>), and the",
          "new cluster id, which every peer connection carries, so that no node of the old cluster is heard. Run it once",
          "per new node, with the same DIR, --peers, point and --cluster-id, then start the nodes (RaftServerMain on each",
          "data directory).",
          "Exit 0 written, 1 an I/O failure, 2 bad input (a damaged backup, a point before the snapshot or after the last",
          "entry, a data directory that is not empty: named)."})
  static final class Restore implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The backup's directory.")
    Path dir;

    @Option(names = "--data-dir", required = true, paramLabel = "D", description = "The new node's data directory (created; must be empty).")
    Path dataDir;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "The new node's name, n<id>.")
    String node;

    @Option(names = "--peers", split = ",", paramLabel = "NAME[:PORT]",
        description = "The new cluster's voters, this node among them (ports, if given, are ignored here). Default: --node alone.")
    List<String> peers;

    @Option(names = "--to-index", paramLabel = "N", description = "Restore up to entry N (from the snapshot's index to the last entry).")
    Long toIndex;

    @Option(names = "--to-time", paramLabel = "MS", description = "Restore up to the last entry at or before MS ms since the epoch.")
    Long toTime;

    @Option(names = "--cluster-id", required = true, paramLabel = "ID", description = "The new cluster's id: 1-64 of [A-Za-z0-9._-], not the old one's.")
    String clusterId;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      return guarded("restore", () -> {
        List<String> voters = new ArrayList<>();
        for (String p : peers == null ? List.of(node) : peers) {
          int colon = p.indexOf(':');
          voters.add(colon < 0 ? p : p.substring(0, colon));
        }
        RaftBackup.Restored r = RaftBackup.restore(dir, dataDir, node, voters, new RaftBackup.Point(toIndex, toTime), clusterId);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("data_dir", r.dataDir().toString());
        j.put("node", r.node());
        j.put("cluster_id", r.clusterId());
        j.put("voters", new ArrayList<Object>(r.voters()));
        j.put("snapshot_index", r.snapshotIndex());
        j.put("last_index", r.lastIndex());
        j.put("entries_kept", r.entriesKept());
        j.put("entries_dropped", r.entriesDropped());
        j.put("restore_ms", r.restoreMs());
        print(json, j, String.format("restored %s into %s as %s of new cluster %s (voters %s): snapshot %d, entries up to %d (%d kept, %d of"
            + " the backup dropped) in %d ms%n", dir, r.dataDir(), r.node(), r.clusterId(), String.join(",", r.voters()), r.snapshotIndex(),
            r.lastIndex(), r.entriesKept(), r.entriesDropped(), r.restoreMs()));
        return Main.EXIT_VALID;
      });
    }
  }

  /** {@code faultline raft force-new-cluster DATADIR --node NAME [--cluster-id ID] [--discard-uncommitted]}. */
  @Command(name = "force-new-cluster", mixinStandardHelpOptions = true,
      description = {"Quorum loss: makes a stopped surviving node the one voter of a new cluster from its own log (etcd's",
          "--force-new-cluster): a configuration entry naming only it after its log, and a new cluster id. The entries",
          "after its durable commit index may never have been committed: they are listed, and kept (then committed by the",
          "new cluster) unless --discard-uncommitted. Start the node, then add new nodes with POST /api/v1/cluster/add-node;",
          "each new node's data directory must hold the new cluster id (file cluster-id). See implementations/raft/README.md.",
          "Exit 0 done, 1 an I/O failure, 2 bad input (not a node's data directory, node running, corrupt log, a node being",
          "rebuilt, empty log)."})
  static final class ForceNewCluster implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATADIR", description = "The surviving node's data directory.")
    Path dataDir;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "The surviving node's name, n<id>.")
    String node;

    @Option(names = "--cluster-id", paramLabel = "ID", description = "The new cluster's id (default: forced-<UTC time>).")
    String clusterId;

    @Option(names = "--discard-uncommitted", description = "Drop the entries after the durable commit index instead of keeping them.")
    boolean discardUncommitted;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      return guarded("force-new-cluster", () -> {
        String id = clusterId != null ? clusterId
            : "forced-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
        RaftBackup.Forced f = RaftBackup.forceNewCluster(dataDir, node, id, discardUncommitted);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("data_dir", f.dataDir().toString());
        j.put("node", f.node());
        j.put("cluster_id", f.clusterId());
        j.put("term", f.term());
        j.put("commit_index", f.commitIndex());
        j.put("last_index", f.lastIndex());
        Map<String, Object> maybe = new LinkedHashMap<>();
        maybe.put("count", f.mayBeUncommitted());
        maybe.put("from", f.mayBeUncommitted() == 0 ? null : f.mayBeUncommittedFrom());
        maybe.put("to", f.mayBeUncommitted() == 0 ? null : f.mayBeUncommittedTo());
        maybe.put("kept", f.uncommittedKept());
        j.put("may_be_uncommitted", maybe);
        j.put("config_index", f.configIndex());
        String range = f.mayBeUncommitted() == 0 ? "none"
            : f.mayBeUncommitted() + " entries, " + f.mayBeUncommittedFrom() + ".." + f.mayBeUncommittedTo() + (f.uncommittedKept() ? ", kept" : ", dropped");
        print(json, j, String.format("%s is now the one voter of new cluster %s (configuration entry %d, term %d); durable commit index %d,"
            + " last index %d%nmay be uncommitted: %s%nnext: start it; give each new node's data directory the file cluster-id with %s, start it with"
            + " --initial-voters %s, and add it: POST /api/v1/cluster/add-node {\"node_id\":\"nX\",\"address\":\"nX:PORT\"}%n",
            f.node(), f.clusterId(), f.configIndex(), f.term(), f.commitIndex(), f.lastIndex(), range, f.clusterId(), f.node()));
        return Main.EXIT_VALID;
      });
    }
  }

  /** The repair as JSON: data_dir, verdict, outcome, damage, torn_tail, files, actions, discarded_to, rebuilding, command. */
  static Map<String, Object> toJson(RaftRepair.Result r) {
    RaftRepair.Inspection ins = r.inspection();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data_dir", ins.dataDir().toString());
    m.put("verdict", name(ins.verdict()));
    m.put("outcome", name(r.outcome()));
    m.put("exit", (long) r.outcome().exitCode());
    if (ins.damage() != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("file", ins.damage().file());
      d.put("offset", ins.damage().offset());
      d.put("problem", ins.damage().problem());
      m.put("damage", d);
    }
    if (ins.tornTail() != null) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("file", ins.tornTail().file());
      t.put("offset", ins.tornTail().offset());
      t.put("bytes", ins.tornTail().bytesDropped());
      m.put("torn_tail", t);
    }
    List<Object> files = new ArrayList<>();
    for (RaftRepair.FileReport f : ins.files()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("file", f.file());
      e.put("kind", f.kind());
      e.put("status", name(f.status()));
      if (f.offset() >= 0) e.put("offset", f.offset());
      if (f.problem() != null) e.put("problem", f.problem());
      e.put("detail", f.detail());
      if (f.lastIndex() > 0) {
        e.put("first_index", f.firstIndex());
        e.put("last_index", f.lastIndex());
      }
      if (f.recordsEnd() > f.recordsStart()) {
        e.put("records_start", f.recordsStart());
        e.put("records_end", f.recordsEnd());
      }
      e.put("bytes", f.bytes());
      files.add(e);
    }
    m.put("files", files);
    m.put("actions", new ArrayList<Object>(r.actions()));
    if (r.discardedTo() != null) m.put("discarded_to", r.discardedTo().toString());
    if (ins.rebuilding() != null) m.put("rebuilding", ins.rebuilding());
    if (r.outcome().exitCode() != 0 && !ins.hardStateDamaged()) m.put("command", RaftRepair.command(ins.dataDir(), true));
    return m;
  }

  /** An I/O error in a few words: "permission denied on FILE" rather than a bare path. */
  static String describe(IOException e) {
    if (e instanceof java.nio.file.FileSystemException) {
      java.nio.file.FileSystemException f = (java.nio.file.FileSystemException) e;
      String why = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName().replace("Exception", "");
      return why + (f.getFile() != null ? " on " + f.getFile() : "") + (f.getOtherFile() != null ? " and " + f.getOtherFile() : "");
    }
    return Main.describe(e);
  }

  private static String name(Enum<?> e) { return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
}
