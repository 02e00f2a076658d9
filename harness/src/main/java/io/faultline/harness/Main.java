package io.faultline.harness;

import io.faultline.workloads.RegisterWorkload;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code faultline} command. Exit codes everywhere: 0 valid, 1 invalid or unknown, 2 error
 * (bad input, a system that would not start); never a bare stack trace.
 */
@Command(name = "faultline", mixinStandardHelpOptions = true, version = "faultline 0.1.0",
    description = "Jepsen-style verification and benchmarks of distributed systems, ours and the real ones.",
    subcommands = {RunCommand.class, BenchCommand.class, CheckCommand.class, DemoCommand.class, ScheduleCommand.class, ChaosMeshCommand.class, io.faultline.harness.sim.SimCommand.class, RaftCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static final int EXIT_VALID = 0;
  public static final int EXIT_INVALID = 1;
  public static final int EXIT_ERROR = 2;

  public static void main(String[] args) {
    // Libraries in the harness JVM (zonky, Ratis' client) log through slf4j-simple: warnings only, on stderr.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("faultline: error: " + describe(ex));
      return EXIT_ERROR;
    });
    cl.setParameterExceptionHandler((ex, args1) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("faultline: " + ex.getMessage());
      c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
      return EXIT_ERROR;
    });
    List<String> footer = new ArrayList<>(List.of("", "register workload defaults:"));
    for (String line : RegisterWorkload.Options.defaultsHelp()) footer.add("  " + line);
    cl.getSubcommands().get("run").getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
    return cl.execute(args);
  }

  static String describe(Throwable ex) {
    String m = ex.getMessage();
    return (m == null || m.isBlank()) ? ex.getClass().getSimpleName() : m;
  }
}
