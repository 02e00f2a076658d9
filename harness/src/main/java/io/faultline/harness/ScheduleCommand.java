package io.faultline.harness;

import io.faultline.faults.FaultSchedule;
import io.faultline.faults.ScheduledFault;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code faultline schedule}: prints the fault schedule a seed gives, without running anything. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Prints the fault schedule that --nemesis, --time and --seed give, one line per fault op,",
        "byte for byte the same each time, without starting anything."})
final class ScheduleCommand implements Callable<Integer> {
  @Option(names = "--nemesis", required = true, split = ",", description = "Fault families, comma-separated (as for run).")
  List<String> nemesis;

  @Option(names = "--time", defaultValue = "30s", description = "Workload time (default ${DEFAULT-VALUE}).")
  String time;

  @Option(names = "--seed", required = true, description = "The run's seed.")
  long seed;

  @Option(names = "--targets", defaultValue = "one", description = "one, minority, majority, all, leader (default ${DEFAULT-VALUE}).")
  String targets;

  @Option(names = "--nemesis-interval", defaultValue = "10s", description = "Mean time between faults (default ${DEFAULT-VALUE}).")
  String nemesisInterval;

  @Option(names = "--combined", description = "Several fault families at once.")
  boolean combined;

  @Override
  public Integer call() {
    List<String> nem = new ArrayList<>();
    for (String n : nemesis) if (!n.isBlank() && !n.equals("none")) nem.add(n.trim());
    long timeMs = Durations.parseMs(time);
    List<ScheduledFault> schedule = nem.isEmpty() ? List.of()
        : Catalog.schedule(nem, targets, Durations.parseMs(nemesisInterval), timeMs, seed, combined);
    System.out.print(FaultSchedule.describe(schedule, timeMs));
    System.out.flush();
    return Main.EXIT_VALID;
  }
}
