package io.faultline.sut;

/** What a system's client supports, named for the workload vocabulary it serves. */
public enum Capability {
  /** read / write / cas over independent keys. */
  REGISTER,
  /** Elle list-append transactions. */
  TXN_LIST_APPEND,
  /** Elle rw-register transactions. */
  TXN_RW_REGISTER,
  /** add / read of a counter. */
  COUNTER,
  /** add / read of a set. */
  SET,
  /** enqueue / dequeue, or send / poll of a log. */
  LOG,
  CRDT,
  CACHE,
  RATE,
  LEASE,
  JOB
}
