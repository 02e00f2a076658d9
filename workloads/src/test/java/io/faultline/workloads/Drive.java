package io.faultline.workloads;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.List;

/** Asks a generator for ops the way a runner would: workers in turn, a fake clock moving forward. */
final class Drive {
  private Drive() {}

  /** Ops (with the asking thread in {@code threadOf}) until exhausted or {@code requestsMax} requests. */
  static List<Op> ops(Generator g, int threads, int requestsMax, long stepNs, List<Integer> threadOf) {
    List<Op> out = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < requestsMax && g != null; i++) {
      int thread = i % threads;
      Step s = g.next(new Context(t, thread, 100 + thread, threads));
      if (s.isExhausted()) break;
      if (s.op() != null) {
        out.add(s.op());
        if (threadOf != null) threadOf.add(thread);
      } else {
        t = Math.max(t, s.waitUntilNs());
      }
      g = s.rest();
      t += stepNs;
    }
    return out;
  }

  static List<Op> ops(Generator g, int threads, int requestsMax) {
    return ops(g, threads, requestsMax, 1_000_000L, null);
  }
}
