package io.faultline.checkers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker against the definition: brute force over every order of small random histories. */
class LinearizabilityCheckerRandomTest {
  private static final int HISTORIES = 3000;
  private static final long SEED = 20261125L;

  @Test
  void agreesWithBruteForceOnSmallRandomCasRegisterHistories() {
    Random random = new Random(SEED);
    Model model = Models.byName("cas-register");
    int invalid = 0;
    for (int h = 0; h < HISTORIES; h++) {
      History history = randomHistory(random);
      boolean expected = bruteForce(model, history);
      CheckResult r = new LinearizabilityChecker(model).check(history);
      assertEquals(expected ? Validity.TRUE : Validity.FALSE, r.valid(), () -> "history " + history.ops() + "\n" + r.toJson());
      if (!expected) {
        invalid++;
        Anomaly a = r.anomalies().get(0);
        long failing = a.witness().get(0);
        assertTrue(history.get((int) failing).isOk(), "the witness starts with an ok completion");
      }
    }
    int invalidCount = invalid;
    assertTrue(invalidCount > HISTORIES / 10 && invalidCount < HISTORIES * 9 / 10, () -> "a useful mix: " + invalidCount + " invalid");
  }

  /** Up to 3 processes, 2–7 ops, values 0..2, outcomes mostly ok with some info, fail and dangling. */
  private static History randomHistory(Random random) {
    int processes = 1 + random.nextInt(3);
    int opsLeft = 2 + random.nextInt(6);
    List<Op> ops = new ArrayList<>();
    Op[] pending = new Op[processes];
    int[] processId = new int[processes];
    for (int p = 0; p < processes; p++) processId[p] = p;
    int nextProcess = processes;
    while (opsLeft > 0 || java.util.Arrays.stream(pending).anyMatch(java.util.Objects::nonNull)) {
      int p = random.nextInt(processes);
      if (pending[p] == null) {
        if (opsLeft == 0) continue;
        opsLeft--;
        int kind = random.nextInt(3);
        Op inv = kind == 0 ? Op.invoke(processId[p], "read", null, null)
            : kind == 1 ? Op.invoke(processId[p], "write", null, (long) random.nextInt(3))
            : Op.invoke(processId[p], "cas", null, List.of((long) random.nextInt(3), (long) random.nextInt(3)));
        ops.add(inv);
        pending[p] = inv;
      } else {
        Op inv = pending[p];
        pending[p] = null;
        int outcome = random.nextInt(10);
        if (outcome == 0 && opsLeft == 0) continue; // dangling
        if (outcome <= 1) {
          ops.add(inv.info("timeout"));
          processId[p] = nextProcess++;
        } else if (outcome == 2 && !inv.f().equals("read")) {
          ops.add(inv.fail("refused"));
        } else if (inv.f().equals("read")) {
          int v = random.nextInt(4);
          ops.add(inv.ok(v == 3 ? null : (Object) (long) v));
        } else {
          ops.add(inv.ok(inv.value()));
        }
      }
    }
    return History.of(ops);
  }

  /** Linearizable iff some order of the ops, respecting real time, satisfies the model; info ops optional. */
  private static boolean bruteForce(Model model, History h) {
    List<Integer> invocations = new ArrayList<>();
    for (int p = 0; p < h.size(); p++) {
      if (h.get(p).isInvoke() && h.outcomeOf(p) != OpType.FAIL) invocations.add(p);
    }
    return search(model, h, invocations, new boolean[invocations.size()], model.init());
  }

  private static boolean search(Model model, History h, List<Integer> inv, boolean[] placed, Object state) {
    boolean allOkPlaced = true;
    for (int i = 0; i < inv.size(); i++) if (!placed[i] && h.outcomeOf(inv.get(i)) == OpType.OK) allOkPlaced = false;
    if (allOkPlaced) return true;
    for (int i = 0; i < inv.size(); i++) {
      if (placed[i] || !minimal(h, inv, placed, i)) continue;
      int c = h.completionOf(inv.get(i));
      Op completion = c >= 0 && h.get(c).isOk() ? h.get(c) : null;
      Object next = model.step(state, h.get(inv.get(i)), completion);
      if (next == Model.INCONSISTENT) continue;
      placed[i] = true;
      boolean found = search(model, h, inv, placed, next);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  }

  /** No unplaced ok op completed before op i was invoked. */
  private static boolean minimal(History h, List<Integer> inv, boolean[] placed, int i) {
    for (int j = 0; j < inv.size(); j++) {
      if (j == i || placed[j] || h.outcomeOf(inv.get(j)) != OpType.OK) continue;
      if (h.completionOf(inv.get(j)) < inv.get(i)) return false;
    }
    return true;
  }
}
