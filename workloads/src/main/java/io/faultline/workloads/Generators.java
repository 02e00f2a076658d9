package io.faultline.workloads;

import io.faultline.history.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Building blocks for generators (Jepsen's {@code jepsen.generator} as Java values). Every generator
 * here is immutable: asked in a {@link Context}, it answers a {@link Step} carrying its successor. All
 * randomness flows through a {@link SplitMix64} held in the value, so the same seed and the same
 * sequence of contexts yield the same ops. Nothing reads a clock: time is {@link Context#timeNs()}.
 *
 * <p>Leaves stamp each op with the asking context's process. Combinators pass {@link
 * Generator#update} on to the generators inside them.
 */
public final class Generators {
  private Generators() {}

  /**
   * How soon a worker that a generator has no op for (another thread's generator, see {@link
   * #onThreads}) asks again. Bounded so a runner that sleeps until the wait still notices the end.
   */
  public static final long OTHER_THREAD_POLL_NS = 10_000_000L;

  /** An op made from the context and a random stream of its own. */
  @FunctionalInterface
  public interface RandomOp {
    Op make(Context ctx, SplitMix64 rng);
  }

  /** Ops from a function of the context, forever (wrap in {@link #limit} or {@link #timeLimit}). */
  public static Generator repeat(Function<Context, Op> make) {
    Objects.requireNonNull(make, "make");
    return repeat(0, (ctx, rng) -> make.apply(ctx));
  }

  /** Ops from a seeded random function, forever; each call gets a fresh independent stream. */
  public static Generator repeat(long seed, RandomOp make) {
    return new Repeat(Objects.requireNonNull(make, "make"), SplitMix64.seeded(seed));
  }

  /** These ops, in order, once each, whichever worker asks. */
  public static Generator ops(List<Op> ops) {
    return new Sequence(List.copyOf(ops), 0);
  }

  /** A random choice among generators, equally weighted, for every op; an exhausted one drops out. */
  public static Generator mix(long seed, List<Generator> generators) {
    List<Double> weights = new ArrayList<>();
    for (int i = 0; i < generators.size(); i++) weights.add(1.0);
    return mix(seed, generators, weights);
  }

  /** A weighted random choice among generators for every op. */
  public static Generator mix(long seed, List<Generator> generators, List<Double> weights) {
    if (generators.size() != weights.size()) {
      throw new IllegalArgumentException("weights: " + weights.size() + " weights for " + generators.size() + " generators");
    }
    for (Double w : weights) {
      if (w == null || !(w >= 0) || w.isInfinite()) throw new IllegalArgumentException("weights: must be finite and >= 0, got " + w);
    }
    return new Mix(List.copyOf(generators), List.copyOf(weights), SplitMix64.seeded(seed));
  }

  /** At most {@code count} ops from {@code g}. */
  public static Generator limit(long count, Generator g) {
    if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
    return new Limit(count, Objects.requireNonNull(g, "g"));
  }

  /** Ops from {@code g} until {@code durationNs} after the first request. */
  public static Generator timeLimit(long durationNs, Generator g) {
    if (durationNs < 0) throw new IllegalArgumentException("durationNs must be >= 0, got " + durationNs);
    return new TimeLimit(durationNs, -1, Objects.requireNonNull(g, "g"));
  }

  /** At most {@code opsPerSecond} ops per second over all workers, evenly spaced. */
  public static Generator rate(double opsPerSecond, Generator g) {
    return new Stagger(intervalNs(opsPerSecond), false, -1, SplitMix64.seeded(0), Objects.requireNonNull(g, "g"));
  }

  /**
   * About {@code opsPerSecond} ops per second over all workers, each gap drawn uniformly from
   * {@code [0, 2/opsPerSecond)} (Jepsen's {@code stagger}).
   */
  public static Generator stagger(long seed, double opsPerSecond, Generator g) {
    return new Stagger(intervalNs(opsPerSecond), true, -1, SplitMix64.seeded(seed), Objects.requireNonNull(g, "g"));
  }

  /**
   * One generator after another: the next starts when the previous is exhausted. Ops of the previous
   * phase may still be in flight then (the runner, not the generator, waits for them).
   */
  public static Generator phases(List<Generator> generators) {
    return new Phases(List.copyOf(generators));
  }

  /** {@code g} for the worker threads in {@code threads} only; other workers are told to ask again later. */
  public static Generator onThreads(Set<Integer> threads, Generator g) {
    return new OnThreads(Set.copyOf(threads), Objects.requireNonNull(g, "g"));
  }

  /**
   * A copy of {@code g} for every worker thread (Jepsen's {@code each-thread}): each thread gets all
   * of {@code g}'s ops (with the same random draws); ends when every thread's copy has ended.
   */
  public static Generator eachThread(Generator g) {
    return new EachThread(Objects.requireNonNull(g, "g"), Map.of(), Set.of());
  }

  /** The first of these generators with an op for the asking worker (in list order); ends when all have. */
  public static Generator any(List<Generator> generators) {
    return new Any(List.copyOf(generators));
  }

  /** No ops for {@code durationNs} after the first request, then exhausted (a quiet period between phases). */
  public static Generator sleep(long durationNs) {
    if (durationNs < 0) throw new IllegalArgumentException("durationNs must be >= 0, got " + durationNs);
    return new Sleep(durationNs, -1);
  }

  private static long intervalNs(double opsPerSecond) {
    if (!(opsPerSecond > 0) || Double.isInfinite(opsPerSecond)) {
      throw new IllegalArgumentException("opsPerSecond must be positive and finite, got " + opsPerSecond);
    }
    return Math.max(1, Math.round(1e9 / opsPerSecond));
  }

  private static List<Generator> updateAll(List<Generator> gens, Context ctx, Op completion) {
    List<Generator> out = new ArrayList<>(gens.size());
    for (Generator g : gens) out.add(g.update(ctx, completion));
    return List.copyOf(out);
  }

  private static List<Generator> replaced(List<Generator> gens, int i, Generator g) {
    List<Generator> out = new ArrayList<>(gens);
    if (g == null) out.remove(i);
    else out.set(i, g);
    return List.copyOf(out);
  }

  private record Repeat(RandomOp make, SplitMix64 rng) implements Generator {
    @Override
    public Step next(Context ctx) {
      Op op = make.make(ctx, rng.fork());
      return Step.emit(op.withProcess(ctx.process()), new Repeat(make, rng.next()));
    }
  }

  private record Sequence(List<Op> ops, int position) implements Generator {
    @Override
    public Step next(Context ctx) {
      if (position >= ops.size()) return Step.exhausted();
      return Step.emit(ops.get(position).withProcess(ctx.process()), new Sequence(ops, position + 1));
    }
  }

  private record Mix(List<Generator> gens, List<Double> weights, SplitMix64 rng) implements Generator {
    @Override
    public Step next(Context ctx) {
      List<Generator> g = gens;
      List<Double> w = weights;
      SplitMix64 r = rng;
      while (!g.isEmpty()) {
        int i = pick(w, r);
        r = r.next();
        Step s = g.get(i).next(ctx);
        if (s.isExhausted()) {
          g = replaced(g, i, null);
          List<Double> nw = new ArrayList<>(w);
          nw.remove(i);
          w = List.copyOf(nw);
          continue;
        }
        List<Double> restWeights = w;
        if (s.rest() == null) {
          List<Double> nw = new ArrayList<>(w);
          nw.remove(i);
          restWeights = List.copyOf(nw);
        }
        List<Generator> restGens = replaced(g, i, s.rest());
        Generator rest = restGens.isEmpty() ? null : new Mix(restGens, restWeights, r);
        return s.op() != null ? Step.emit(s.op(), rest) : Step.waitUntil(s.waitUntilNs(), rest);
      }
      return Step.exhausted();
    }

    private static int pick(List<Double> w, SplitMix64 r) {
      double total = 0;
      for (double x : w) total += x;
      if (total <= 0) return (int) r.below(w.size());
      double u = r.unit() * total;
      for (int i = 0; i < w.size(); i++) {
        u -= w.get(i);
        if (u < 0) return i;
      }
      return w.size() - 1;
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return new Mix(updateAll(gens, ctx, completion), weights, rng);
    }
  }

  private record Limit(long remaining, Generator g) implements Generator {
    @Override
    public Step next(Context ctx) {
      if (remaining <= 0) return Step.exhausted();
      Step s = g.next(ctx);
      if (s.isExhausted()) return s;
      if (s.op() == null) return Step.waitUntil(s.waitUntilNs(), new Limit(remaining, s.rest()));
      return Step.emit(s.op(), s.rest() == null ? null : new Limit(remaining - 1, s.rest()));
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return new Limit(remaining, g.update(ctx, completion));
    }
  }

  private record TimeLimit(long durationNs, long deadlineNs, Generator g) implements Generator {
    @Override
    public Step next(Context ctx) {
      long deadline = deadlineNs >= 0 ? deadlineNs : ctx.timeNs() + durationNs;
      if (ctx.timeNs() >= deadline) return Step.exhausted();
      Step s = g.next(ctx);
      if (s.isExhausted()) return s;
      if (s.op() == null) {
        return Step.waitUntil(Math.min(s.waitUntilNs(), deadline), new TimeLimit(durationNs, deadline, s.rest()));
      }
      return Step.emit(s.op(), s.rest() == null ? null : new TimeLimit(durationNs, deadline, s.rest()));
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return new TimeLimit(durationNs, deadlineNs, g.update(ctx, completion));
    }
  }

  private record Stagger(long intervalNs, boolean jitter, long nextNs, SplitMix64 rng, Generator g) implements Generator {
    @Override
    public Step next(Context ctx) {
      if (ctx.timeNs() < nextNs) return Step.waitUntil(nextNs, this);
      Step s = g.next(ctx);
      if (s.isExhausted()) return s;
      if (s.op() == null) return Step.waitUntil(s.waitUntilNs(), new Stagger(intervalNs, jitter, nextNs, rng, s.rest()));
      long gap = jitter ? rng.below(2 * intervalNs) : intervalNs;
      long next = Math.max(nextNs, ctx.timeNs()) + gap;
      return Step.emit(s.op(), s.rest() == null ? null : new Stagger(intervalNs, jitter, next, rng.next(), s.rest()));
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return new Stagger(intervalNs, jitter, nextNs, rng, g.update(ctx, completion));
    }
  }

  private record Phases(List<Generator> gens) implements Generator {
    @Override
    public Step next(Context ctx) {
      List<Generator> g = gens;
      while (!g.isEmpty()) {
        Step s = g.get(0).next(ctx);
        if (s.isExhausted()) {
          g = g.subList(1, g.size());
          continue;
        }
        Generator rest = s.rest() == null && g.size() == 1 ? null : new Phases(replaced(g, 0, s.rest()));
        return s.op() != null ? Step.emit(s.op(), rest) : Step.waitUntil(s.waitUntilNs(), rest);
      }
      return Step.exhausted();
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return gens.isEmpty() ? this : new Phases(replaced(gens, 0, gens.get(0).update(ctx, completion)));
    }
  }

  private record OnThreads(Set<Integer> threads, Generator g) implements Generator {
    @Override
    public Step next(Context ctx) {
      if (!threads.contains(ctx.thread())) return Step.waitUntil(ctx.timeNs() + OTHER_THREAD_POLL_NS, this);
      Step s = g.next(ctx);
      if (s.isExhausted()) return s;
      Generator rest = s.rest() == null ? null : new OnThreads(threads, s.rest());
      return s.op() != null ? Step.emit(s.op(), rest) : Step.waitUntil(s.waitUntilNs(), rest);
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return threads.contains(ctx.thread()) ? new OnThreads(threads, g.update(ctx, completion)) : this;
    }
  }

  private record EachThread(Generator template, Map<Integer, Generator> copies, Set<Integer> done) implements Generator {
    @Override
    public Step next(Context ctx) {
      int t = ctx.thread();
      if (done.contains(t)) return waitOrEnd(ctx, this);
      Step s = copies.getOrDefault(t, template).next(ctx);
      if (s.isExhausted()) return waitOrEnd(ctx, with(t, null));
      EachThread rest = with(t, s.rest());
      return s.op() != null ? Step.emit(s.op(), rest) : Step.waitUntil(s.waitUntilNs(), rest);
    }

    private Step waitOrEnd(Context ctx, EachThread state) {
      return state.done.size() >= ctx.threadCount() ? Step.exhausted() : Step.waitUntil(ctx.timeNs() + OTHER_THREAD_POLL_NS, state);
    }

    /** This state with thread {@code t}'s copy replaced, or marked done when {@code g} is null. */
    private EachThread with(int t, Generator g) {
      Map<Integer, Generator> c = new HashMap<>(copies);
      Set<Integer> d = done;
      if (g == null) {
        c.remove(t);
        Set<Integer> nd = new HashSet<>(done);
        nd.add(t);
        d = Set.copyOf(nd);
      } else {
        c.put(t, g);
      }
      return new EachThread(template, Map.copyOf(c), d);
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      Generator mine = copies.get(ctx.thread());
      return mine == null ? this : with(ctx.thread(), mine.update(ctx, completion));
    }
  }

  private record Any(List<Generator> gens) implements Generator {
    @Override
    public Step next(Context ctx) {
      List<Generator> g = new ArrayList<>(gens);
      long wait = Long.MAX_VALUE;
      for (int i = 0; i < g.size(); ) {
        Step s = g.get(i).next(ctx);
        if (s.isExhausted()) {
          g.remove(i);
          continue;
        }
        if (s.op() != null) {
          if (s.rest() == null) g.remove(i);
          else g.set(i, s.rest());
          return Step.emit(s.op(), g.isEmpty() ? null : new Any(List.copyOf(g)));
        }
        g.set(i, s.rest());
        wait = Math.min(wait, s.waitUntilNs());
        i++;
      }
      return g.isEmpty() ? Step.exhausted() : Step.waitUntil(wait, new Any(List.copyOf(g)));
    }

    @Override
    public Generator update(Context ctx, Op completion) {
      return new Any(updateAll(gens, ctx, completion));
    }
  }

  private record Sleep(long durationNs, long untilNs) implements Generator {
    @Override
    public Step next(Context ctx) {
      long until = untilNs >= 0 ? untilNs : ctx.timeNs() + durationNs;
      return ctx.timeNs() >= until ? Step.exhausted() : Step.waitUntil(until, new Sleep(durationNs, until));
    }
  }
}
