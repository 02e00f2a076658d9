package io.faultline.harness;

import io.faultline.checkers.Checker;
import io.faultline.faults.Nemesis;
import io.faultline.faults.ScheduledFault;
import io.faultline.sut.Cluster;
import io.faultline.sut.SystemUnderTest;
import io.faultline.workloads.Workload;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a run composes, resolved from the names in a {@link RunSpec} by {@link Catalog}: the system,
 * the workload, its checkers, the nemesis (built once the cluster is up), its seeded schedule, and
 * the options the system is started with (ClusterSpec.options).
 */
record RunParts(SystemUnderTest sut, Workload workload, List<Checker> checkers,
    Function<Cluster, Nemesis> nemesisFactory, List<ScheduledFault> schedule, Map<String, String> systemOptions) {
  RunParts {
    checkers = List.copyOf(checkers);
    schedule = List.copyOf(schedule);
    systemOptions = Map.copyOf(systemOptions);
  }
}
