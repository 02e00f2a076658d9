package io.faultline.checkers;

import io.faultline.history.Op;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The built-in {@link Model}s, by name. Each speaks the vocabulary our workloads and clients produce.
 *
 * <p>Values from files may be Long, Integer, integral Double or String (EDN keywords become strings);
 * they are compared with {@code equals} after {@link #normalise} turns integral numbers into Long.
 * {@code nil} (null) is a real value: it is the register's initial state, and a read of nil says the
 * register was never written.
 */
public final class Models {
  private Models() {}

  private static final Map<String, Supplier<Model>> BY_NAME = new TreeMap<>();

  static {
    BY_NAME.put("register", () -> new RegisterModel("register", false, false));
    BY_NAME.put("cas-register", () -> new RegisterModel("cas-register", true, false));
    BY_NAME.put("kv", () -> new RegisterModel("kv", true, true));
    BY_NAME.put("counter", CounterModel::new);
    BY_NAME.put("set", SetModel::new);
    BY_NAME.put("fifo-queue", FifoQueueModel::new);
  }

  /** The names {@link #byName} knows, sorted. */
  public static Set<String> names() { return Collections.unmodifiableSet(BY_NAME.keySet()); }

  /**
   * The model called {@code name}.
   *
   * @throws IllegalArgumentException listing the valid names when there is none by that name
   */
  public static Model byName(String name) {
    Supplier<Model> s = BY_NAME.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'; valid models: " + String.join(", ", BY_NAME.keySet()));
    }
    return s.get();
  }

  /** Integral numbers as Long, lists element-wise; everything else unchanged. */
  public static Object normalise(Object v) {
    if (v instanceof Long || v == null || v instanceof String) return v;
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) <= 0x1p53) return (long) d;
      return v;
    }
    if (v instanceof BigInteger && ((BigInteger) v).bitLength() < 64) return ((BigInteger) v).longValue();
    if (v instanceof List) {
      List<Object> out = new ArrayList<>(((List<?>) v).size());
      for (Object o : (List<?>) v) out.add(normalise(o));
      return Collections.unmodifiableList(out);
    }
    return v;
  }

  static String show(Object v) {
    if (v == null) return "nil";
    if (v instanceof String) return "\"" + v + "\"";
    if (v instanceof List) {
      StringBuilder sb = new StringBuilder("[");
      for (Object o : (List<?>) v) sb.append(sb.length() > 1 ? " " : "").append(show(o));
      return sb.append(']').toString();
    }
    return String.valueOf(v);
  }

  static IllegalArgumentException reject(Model m, Op invocation, String why) {
    return new IllegalArgumentException(m.name() + " model: op " + invocation.index() + " (" + invocation.f() + " "
        + show(invocation.value()) + "): " + why);
  }

  /**
   * A register: {@code read} (ok value = the value, nil if never written), {@code write v}, and for
   * cas-register and kv {@code cas [old new]} (ok = applied). The state is the value itself.
   */
  static final class RegisterModel implements Model {
    private final String name;
    private final boolean cas;
    private final boolean keyRequired;

    RegisterModel(String name, boolean cas, boolean keyRequired) {
      this.name = name;
      this.cas = cas;
      this.keyRequired = keyRequired;
    }

    @Override public String name() { return name; }
    @Override public Object init() { return null; }
    @Override public String describe(Object state) { return show(state); }

    @Override
    public Object step(Object state, Op invocation, Op completion) {
      if (keyRequired && invocation.key() == null) throw reject(this, invocation, "has no key (every kv op names its key)");
      switch (invocation.f()) {
        case "read":
          if (completion == null) return state;
          return java.util.Objects.equals(state, normalise(completion.value())) ? state : INCONSISTENT;
        case "write":
          return normalise(invocation.value());
        case "cas":
          if (!cas) throw reject(this, invocation, "cas needs the cas-register model");
          Object v = normalise(invocation.value());
          if (!(v instanceof List) || ((List<?>) v).size() != 2) throw reject(this, invocation, "cas value must be [old new]");
          List<?> oldNew = (List<?>) v;
          if (java.util.Objects.equals(state, oldNew.get(0))) return oldNew.get(1);
          return completion == null ? state : INCONSISTENT;
        default:
          throw reject(this, invocation, "unknown f (expected read, write" + (cas ? ", cas)" : ")"));
      }
    }
  }

  /** A counter starting at 0: {@code add n}, {@code read} (ok value = n). */
  static final class CounterModel implements Model {
    @Override public String name() { return "counter"; }
    @Override public Object init() { return 0L; }
    @Override public String describe(Object state) { return show(state); }

    @Override
    public Object step(Object state, Op invocation, Op completion) {
      switch (invocation.f()) {
        case "add":
          Object n = normalise(invocation.value());
          if (!(n instanceof Long)) throw reject(this, invocation, "add needs an integer");
          return (Long) state + (Long) n;
        case "read":
          if (completion == null) return state;
          return state.equals(normalise(completion.value())) ? state : INCONSISTENT;
        default:
          throw reject(this, invocation, "unknown f (expected add, read)");
      }
    }
  }

  /** A grow-only set: {@code add x}, {@code read} (ok value = every element, in any order). */
  static final class SetModel implements Model {
    @Override public String name() { return "set"; }
    @Override public Object init() { return Set.of(); }

    @Override
    public String describe(Object state) {
      StringBuilder sb = new StringBuilder("#{");
      for (Object o : (Set<?>) state) sb.append(sb.length() > 2 ? " " : "").append(show(o));
      return sb.append('}').toString();
    }

    @Override
    public Object step(Object state, Op invocation, Op completion) {
      Set<?> s = (Set<?>) state;
      switch (invocation.f()) {
        case "add":
          Object x = normalise(invocation.value());
          if (s.contains(x)) return s;
          Set<Object> next = new LinkedHashSet<>(s);
          next.add(x);
          return Collections.unmodifiableSet(next);
        case "read":
          if (completion == null) return state;
          Object v = normalise(completion.value());
          if (!(v instanceof List)) throw reject(this, invocation, "read must return a list of elements");
          return s.equals(new LinkedHashSet<>((List<?>) v)) ? state : INCONSISTENT;
        default:
          throw reject(this, invocation, "unknown f (expected add, read)");
      }
    }
  }

  /** A FIFO queue: {@code enqueue x}, {@code dequeue} (ok value = the head, or nil when empty). */
  static final class FifoQueueModel implements Model {
    @Override public String name() { return "fifo-queue"; }
    @Override public Object init() { return List.of(); }
    @Override public String describe(Object state) { return show(state); }

    @Override
    public Object step(Object state, Op invocation, Op completion) {
      List<?> q = (List<?>) state;
      switch (invocation.f()) {
        case "enqueue":
          List<Object> next = new ArrayList<>(q.size() + 1);
          next.addAll(q);
          next.add(normalise(invocation.value()));
          return Collections.unmodifiableList(next);
        case "dequeue":
          if (completion != null) {
            Object v = normalise(completion.value());
            if (q.isEmpty()) return v == null ? q : INCONSISTENT;
            if (!java.util.Objects.equals(q.get(0), v)) return INCONSISTENT;
          }
          return q.isEmpty() ? q : Collections.unmodifiableList(new ArrayList<>(q.subList(1, q.size())));
        default:
          throw reject(this, invocation, "unknown f (expected enqueue, dequeue)");
      }
    }
  }
}
