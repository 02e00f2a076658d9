package io.faultline.checkers;

import io.faultline.history.History;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks Jepsen's bank invariant: transfers move money between a fixed set of accounts, so every
 * read, which returns the balance of every account, must show all accounts, no other key, no
 * negative balance, and the same total.
 *
 * <p>Vocabulary: {@code {"f":"transfer","value":{"from":a,"to":b,"amount":n}}} and
 * {@code {"f":"read"}} whose ok value is a map account → balance. Only ok reads are judged (a read
 * that failed or crashed says nothing); transfers are counted, not judged, since their effect is only
 * visible through reads. Account keys are compared by their text, as JSON map keys are strings.
 *
 * <p>Anomalies, named as in Jepsen's {@code jepsen.tests.bank}: {@code wrong-total},
 * {@code negative-value}, {@code unexpected-key} (a key that is no account), {@code nil-balance} (an
 * account missing from the read, or with a nil or non-integer balance). Each names the read's
 * completion as witness. No ok read at all is {@link Validity#UNKNOWN}: nothing was checked.
 */
public final class BankChecker implements Checker {
  /** Reported anomalies per type; all are counted in {@code anomaly_counts}. */
  static final int ANOMALIES_PER_TYPE_MAX = 32;

  /**
   * The bank's fixed parameters.
   *
   * @param total    the sum of all balances, constant
   * @param accounts the account ids (Long or String), at least one, no duplicates
   */
  public record Options(long total, List<Object> accounts) {
    public Options {
      if (accounts == null || accounts.isEmpty()) {
        throw new IllegalArgumentException("accounts must not be empty, got " + accounts);
      }
      Set<String> seen = new LinkedHashSet<>();
      for (Object a : accounts) {
        if (a == null) throw new IllegalArgumentException("accounts must not contain null: " + accounts);
        if (!seen.add(String.valueOf(Models.normalise(a)))) {
          throw new IllegalArgumentException("accounts must be distinct, " + a + " appears twice in " + accounts);
        }
      }
      accounts = List.copyOf(accounts);
    }
  }

  private final Options options;
  private final Set<String> accountNames = new LinkedHashSet<>();

  public BankChecker(Options options) {
    if (options == null) throw new IllegalArgumentException("options must not be null");
    this.options = options;
    for (Object a : options.accounts()) accountNames.add(String.valueOf(Models.normalise(a)));
  }

  @Override
  public String name() { return "bank"; }

  @Override
  public CheckResult check(History history) {
    long startNs = System.nanoTime();
    List<Anomaly> anomalies = new ArrayList<>();
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, Integer> transfers = new LinkedHashMap<>();
    int reads = 0;
    for (int p = 0; p < history.size(); p++) {
      Op op = history.get(p);
      if (!op.isClient() || !op.isInvoke()) continue;
      OpType outcome = history.outcomeOf(p);
      if (op.f().equals("transfer")) transfers.merge(outcome.label(), 1, Integer::sum);
      if (!op.f().equals("read") || outcome != OpType.OK) continue;
      reads++;
      Op done = history.get(history.completionOf(p));
      for (Anomaly a : judgeRead(done)) {
        if (counts.merge(a.type(), 1, Integer::sum) <= ANOMALIES_PER_TYPE_MAX) anomalies.add(a);
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("reads", reads);
    details.put("transfers", transfers);
    details.put("total", options.total());
    details.put("anomaly_types", new ArrayList<>(counts.keySet()));
    details.put("anomaly_counts", counts);
    details.put("ms", (System.nanoTime() - startNs) / 1_000_000);
    if (!anomalies.isEmpty()) return new CheckResult(name(), Validity.FALSE, anomalies, details);
    if (reads == 0) {
      details.put("unknown_reason", "no read completed ok, so the invariant was never observed");
      return new CheckResult(name(), Validity.UNKNOWN, List.of(), details);
    }
    return new CheckResult(name(), Validity.TRUE, List.of(), details);
  }

  private List<Anomaly> judgeRead(Op read) {
    List<Anomaly> out = new ArrayList<>();
    List<Long> witness = List.of(read.index());
    String where = "read (op " + read.index() + ", process " + read.process() + ") returned " + read.value();
    if (!(read.value() instanceof Map)) {
      out.add(new Anomaly("nil-balance", witness, where + ", which is not a map of account to balance"));
      return out;
    }
    Map<String, Object> balances = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) read.value()).entrySet()) {
      balances.put(String.valueOf(Models.normalise(e.getKey())), Models.normalise(e.getValue()));
    }
    List<String> unexpected = new ArrayList<>();
    for (String k : balances.keySet()) if (!accountNames.contains(k)) unexpected.add(k);
    if (!unexpected.isEmpty()) {
      out.add(new Anomaly("unexpected-key", witness, where + ": " + unexpected + " are no accounts (accounts: "
          + accountNames + ")"));
    }
    List<String> missing = new ArrayList<>();
    List<String> negative = new ArrayList<>();
    long sum = 0;
    for (String account : accountNames) {
      Object balance = balances.get(account);
      if (!(balance instanceof Long)) {
        missing.add(account + (balance == null ? "" : " = " + balance));
        continue;
      }
      long b = (Long) balance;
      if (b < 0) negative.add(account + " = " + b);
      sum += b;
    }
    if (!missing.isEmpty()) {
      out.add(new Anomaly("nil-balance", witness, where + ": accounts " + missing
          + " have no integer balance, but every read must show every account"));
    }
    if (!negative.isEmpty()) out.add(new Anomaly("negative-value", witness, where + ": negative balances " + negative));
    if (missing.isEmpty() && sum != options.total()) {
      out.add(new Anomaly("wrong-total", witness, where + ": the balances sum to " + sum + ", but the total is always "
          + options.total() + " (off by " + (sum - options.total()) + ")"));
    }
    return out;
  }
}
