package io.faultline.workloads;

import io.faultline.sut.Capability;
import java.util.Set;

/**
 * A workload: the ops to run during {@code --time}, the final ops after the heal and quiet period
 * (for example a read of every key touched; may be null), and what a client must support.
 */
public record Workload(String name, Generator generator, Generator finalGenerator, Set<Capability> needs) {}
