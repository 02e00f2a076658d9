package io.faultline.harness.sim;

import io.faultline.history.Op;
import io.faultline.raft.ClientReply;
import io.faultline.raft.ClientRequest;
import io.faultline.raft.Command;
import io.faultline.raft.Wire;
import io.faultline.runtime.Random;
import java.util.List;

/**
 * The register workload's ops: read, write and cas on {@code keys} independent keys, one request each.
 * A cas usually expects the value this client last saw of the key, so that some succeed.
 */
final class RegisterOps implements SimClient.Ops {
  private final Schedule s;
  private final SimClient.Shared shared;
  private final Random rng;
  private final long[] lastSeen;
  private Command command;
  private long key;

  RegisterOps(Schedule s, SimClient.Shared shared, Random rng) {
    this.s = s;
    this.shared = shared;
    this.rng = rng;
    this.lastSeen = new long[s.keys()];
  }

  @Override
  public Op invoke(int process, SimClient.Session session) {
    key = rng.nextInt(s.keys());
    int roll = rng.nextInt(100);
    if (roll < s.readPct()) {
      command = new Command(Command.Kind.READ, 0, 0, key, 0, null);
      return Op.invoke(process, "read", key, null);
    }
    long v = shared.nextValue++;
    if (roll < s.readPct() + s.casPct() && lastSeen[(int) key] != 0) {
      long old = rng.chance(0.7) ? lastSeen[(int) key] : 1 + rng.nextInt((int) Math.max(1, shared.nextValue - 1));
      command = new Command(Command.Kind.CAS, session.clientId(), session.nextSeq(), key, v, old);
      return Op.invoke(process, "cas", key, List.of(old, v));
    }
    command = new Command(Command.Kind.WRITE, session.clientId(), session.nextSeq(), key, v, null);
    return Op.invoke(process, "write", key, v);
  }

  @Override
  public Wire request(long requestId) { return new ClientRequest(requestId, command); }

  @Override
  public boolean requestMayApply() { return command.kind() != Command.Kind.READ; }

  @Override
  public Op onReply(Op invocation, ClientReply r, boolean mayHaveApplied) {
    switch (r.status()) {
      case OK:
        if (command.kind() == Command.Kind.READ) {
          if (r.value() != null) lastSeen[(int) key] = (Long) r.value();
          return invocation.ok(r.value());
        }
        lastSeen[(int) key] = (Long) command.value();
        return invocation.ok(invocation.value());
      case CAS_FAILED:
        if (r.value() != null) lastSeen[(int) key] = (Long) r.value();
        return invocation.fail("cas: current value differs");
      default:
        return mayHaveApplied ? invocation.info("refused: " + r.value()) : invocation.fail("refused: " + r.value());
    }
  }
}
