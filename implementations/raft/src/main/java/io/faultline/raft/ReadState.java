package io.faultline.raft;

/**
 * The answer to a read request: once the node has applied up to {@code index} it may serve the read
 * from its state machine. {@code index < 0}: refused (not the leader, or too many pending reads).
 */
public record ReadState(long requestId, long index) {
  public boolean refused() { return index < 0; }
}
