package io.faultline.harness;

import io.faultline.history.Json;
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
    subcommands = {RaftCommand.Repair.class, CommandLine.HelpCommand.class})
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
