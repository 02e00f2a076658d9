package io.faultline.sut;

import java.io.IOException;
import java.util.List;

/**
 * A cluster whose membership can change while it runs, for the {@code membership} nemesis: nodes
 * deployed beyond the first configuration (spares) are added, voters removed or replaced. Changes are
 * asked of the leader and carried out by the system (for ours, by joint consensus); a refusal is an
 * {@link IOException} whose message says why.
 */
public interface MembershipChanges {
  /**
   * The configuration as the leader says: its voters (the new ones while joint), its learners, whether
   * it is joint, and every node deployed (members or not).
   */
  record Members(List<String> voters, List<String> learners, boolean joint, List<String> deployed) {
    public Members {
      voters = List.copyOf(voters);
      learners = List.copyOf(learners);
      deployed = List.copyOf(deployed);
    }

    /** Deployed nodes that are neither voters nor learners: what can be added. */
    public List<String> spares() {
      return deployed.stream().filter(n -> !voters.contains(n) && !learners.contains(n)).toList();
    }
  }

  Members members() throws IOException;

  /** Adds {@code nodeId} (learner first, voter once caught up), replacing voter {@code replaces} if not null. */
  String add(String nodeId, String replaces) throws IOException;

  /** Removes member {@code nodeId}. */
  String remove(String nodeId) throws IOException;
}
