package io.faultline.workloads;

/**
 * Who asks a generator for an op, and when.
 *
 * @param timeNs      nanoseconds since the run started
 * @param thread      the worker slot, 0..threadCount-1; stable across process replacement
 * @param process     the logical process the worker acts as now (changes after an {@code info})
 * @param threadCount how many client workers there are
 */
public record Context(long timeNs, int thread, int process, int threadCount) {}
