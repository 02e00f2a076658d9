package io.faultline.faults;

import io.faultline.history.Op;
import io.faultline.history.OpType;
import io.faultline.sut.Cluster;
import io.faultline.sut.LeaderAware;
import io.faultline.sut.LeaderTransfer;
import io.faultline.sut.MembershipChanges;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Changes of the cluster itself: {@code membership} adds a spare node (a learner first, a voter once
 * it caught up), removes a voter (the leader too, at times) or replaces one voter by a spare in one
 * joint change, drawn with the run's seed among what the configuration allows then — never fewer than
 * {@link #VOTERS_MIN} voters, never more than the nodes deployed; {@code transfer-leader} asks the
 * leader to hand leadership to a voter drawn likewise. Both through the cluster's abilities
 * ({@link MembershipChanges}, {@link LeaderTransfer}); a cluster without them gets an {@code info}
 * completion saying so. Nothing to heal: a changed configuration is a configuration, and the run's
 * final reads go to whatever it is then. Completions are {@code info} with {@code {"action", "node",
 * "replaces", "result"}} or the reason the system refused.
 */
public final class MembershipNemesis implements Nemesis {
  public static final String MEMBERSHIP = "membership";
  public static final String TRANSFER_LEADER = "transfer-leader";
  public static final Set<String> FUNCTIONS = Set.of(MEMBERSHIP, TRANSFER_LEADER);
  /** Voters kept at least, so that one more fault still leaves a majority. */
  static final int VOTERS_MIN = 3;

  private final Cluster cluster;
  private final SplittableRandom random;

  public MembershipNemesis(Cluster cluster, long seed) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Set<String> functions() { return FUNCTIONS; }

  @Override
  public List<Op> healOps() { return List.of(); }

  @Override
  public synchronized Op invoke(Op invocation) {
    if (invocation == null) return Op.invoke(Op.NEMESIS, "unknown", null, null).info("no invocation given");
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      if (invocation.f().equals(TRANSFER_LEADER)) return transfer(invocation, out);
      if (invocation.f().equals(MEMBERSHIP)) return change(invocation, out);
      return invocation.info("unknown f '" + invocation.f() + "'; expected one of " + FUNCTIONS);
    } catch (java.io.IOException e) {
      return invocation.complete(OpType.INFO, out, e.getMessage());
    } catch (RuntimeException | AssertionError e) {
      return invocation.complete(OpType.INFO, out, "nemesis failed: " + e);
    }
  }

  private Op transfer(Op invocation, Map<String, Object> out) throws java.io.IOException {
    if (!(cluster instanceof LeaderTransfer) || !(cluster instanceof MembershipChanges) || !(cluster instanceof LeaderAware)) {
      return invocation.complete(OpType.INFO, out, "this cluster cannot transfer leadership");
    }
    String leader = ((LeaderAware) cluster).leader().orElse(null);
    if (leader == null) return invocation.complete(OpType.INFO, out, "no leader to transfer from");
    List<String> voters = new ArrayList<>(((MembershipChanges) cluster).members().voters());
    voters.remove(leader);
    if (voters.isEmpty()) return invocation.complete(OpType.INFO, out, "no other voter to transfer to");
    String target = voters.get(random.nextInt(voters.size()));
    out.put("action", "transfer-leader");
    out.put("node", target);
    out.put("from", leader);
    out.put("result", ((LeaderTransfer) cluster).transferLeader(target));
    return invocation.complete(OpType.INFO, out, null);
  }

  private Op change(Op invocation, Map<String, Object> out) throws java.io.IOException {
    if (!(cluster instanceof MembershipChanges)) return invocation.complete(OpType.INFO, out, "this cluster cannot change its membership");
    MembershipChanges mc = (MembershipChanges) cluster;
    MembershipChanges.Members m = mc.members();
    if (m.joint()) return invocation.complete(OpType.INFO, out, "a change is under way (joint configuration): nothing new asked");
    List<String> spares = m.spares();
    List<String> actions = new ArrayList<>();
    if (!spares.isEmpty()) actions.add("add");
    if (m.voters().size() > VOTERS_MIN) actions.add("remove");
    if (!spares.isEmpty() && !m.voters().isEmpty()) actions.add("replace");
    if (!m.learners().isEmpty() && m.voters().size() > VOTERS_MIN) actions.add("remove-learner");
    if (actions.isEmpty()) return invocation.complete(OpType.INFO, out, "no change possible: " + m);
    String action = actions.get(random.nextInt(actions.size()));
    out.put("action", action);
    switch (action) {
      case "add": {
        String node = spares.get(random.nextInt(spares.size()));
        out.put("node", node);
        out.put("result", mc.add(node, null));
        break;
      }
      case "remove": {
        String node = m.voters().get(random.nextInt(m.voters().size()));
        out.put("node", node);
        out.put("result", mc.remove(node));
        break;
      }
      case "remove-learner": {
        String node = m.learners().get(random.nextInt(m.learners().size()));
        out.put("node", node);
        out.put("result", mc.remove(node));
        break;
      }
      default: { // replace
        String node = spares.get(random.nextInt(spares.size()));
        String replaces = m.voters().get(random.nextInt(m.voters().size()));
        out.put("node", node);
        out.put("replaces", replaces);
        out.put("result", mc.add(node, replaces));
        break;
      }
    }
    return invocation.complete(OpType.INFO, out, null);
  }
}
