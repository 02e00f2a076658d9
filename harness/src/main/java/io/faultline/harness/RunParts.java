package io.faultline.harness;

import io.faultline.checkers.Checker;
import io.faultline.faults.Nemesis;
import io.faultline.faults.ScheduledFault;
import io.faultline.sut.Cluster;
import io.faultline.sut.SystemUnderTest;
import io.faultline.workloads.Workload;
import java.util.List;
import java.util.function.Function;

/**
 * What a run composes, resolved from the names in a {@link RunSpec} by {@link Catalog}: the system,
 * the workload, its checkers, the nemesis (built once the cluster is up) and its seeded schedule.
 */
record RunParts(SystemUnderTest sut, Workload workload, List<Checker> checkers,
    Function<Cluster, Nemesis> nemesisFactory, List<ScheduledFault> schedule) {
  RunParts {
    checkers = List.copyOf(checkers);
    schedule = List.copyOf(schedule);
  }
}
