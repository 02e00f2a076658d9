package io.faultline.faults;

import io.faultline.history.Op;

/** One entry of a seeded fault schedule: invoke {@code op} on the nemesis at {@code atMs} after the start. */
public record ScheduledFault(long atMs, Op op) {}
