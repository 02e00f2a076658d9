package io.faultline.sut;

import java.io.IOException;

/** A cluster whose leader can hand leadership to another voter on request, for the {@code transfer-leader} nemesis. */
public interface LeaderTransfer {
  /**
   * Asks the current leader to hand leadership to {@code target}; returns once the request was taken
   * (the transfer completes or aborts by itself). A refusal is an {@link IOException} saying why.
   */
  String transferLeader(String target) throws IOException;
}
