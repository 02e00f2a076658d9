package io.faultline.workloads;

import io.faultline.history.Op;
import io.faultline.sut.Capability;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jepsen's bank workload: transfers between accounts {@code 0..accountCount-1} and reads of every
 * balance; a snapshot-isolated system keeps the total constant in every read.
 *
 * <p>Vocabulary (maps keep this key order, so histories of one seed are byte-identical): {@code transfer} with value {@code {"from": a, "to": b, "amount": n}} (Longs, a ≠ b,
 * n in 1..amountMax), which the system refuses ({@code fail}) rather than overdraw {@code from};
 * {@code read} with value null, whose {@code ok} completion is a map from every account (as a
 * string, {@code "0"}, {@code "1"}, ...) to its balance (a Long).
 *
 * <p>Initial state, set up by the system: all of {@code total} on account 0, every other account at
 * 0 (as Jepsen's bank test does). The api has no bank capability; a system that runs transactions on
 * registers can run this, so it needs {@link Capability#TXN_RW_REGISTER}.
 *
 * <p>Final generator: one read.
 */
public final class BankWorkload {
  private BankWorkload() {}

  public static final String NAME = "bank";
  public static final String TRANSFER = "transfer";
  public static final String READ = "read";

  /**
   * The workload's settings, validated on construction. The system must be set up with the same
   * {@code accountCount} and {@code total}.
   *
   * @param accountCount accounts 0..accountCount-1
   * @param total        the sum of all balances, initially all on account 0
   * @param amountMax    transfers move 1..amountMax
   * @param readFraction probability that an op is a read, in [0, 1]
   */
  public record Options(int accountCount, long total, long amountMax, double readFraction) {
    public static final int ACCOUNT_COUNT_DEFAULT = 8;
    public static final long TOTAL_DEFAULT = 100;
    public static final long AMOUNT_MAX_DEFAULT = 5;
    public static final double READ_FRACTION_DEFAULT = 0.5;
    public static final int ACCOUNT_COUNT_MAX = 10_000;

    public Options {
      if (accountCount < 2 || accountCount > ACCOUNT_COUNT_MAX) {
        throw new IllegalArgumentException("accountCount must be 2.." + ACCOUNT_COUNT_MAX + ", got " + accountCount);
      }
      if (total < 0) throw new IllegalArgumentException("total must be >= 0, got " + total);
      if (amountMax < 1) throw new IllegalArgumentException("amountMax must be >= 1, got " + amountMax);
      if (!(readFraction >= 0 && readFraction <= 1)) {
        throw new IllegalArgumentException("readFraction must be in [0, 1], got " + readFraction);
      }
    }

    public static Options defaults() {
      return new Options(ACCOUNT_COUNT_DEFAULT, TOTAL_DEFAULT, AMOUNT_MAX_DEFAULT, READ_FRACTION_DEFAULT);
    }

    public Options withAccountCount(int v) { return new Options(v, total, amountMax, readFraction); }
    public Options withTotal(long v) { return new Options(accountCount, v, amountMax, readFraction); }
    public Options withAmountMax(long v) { return new Options(accountCount, total, v, readFraction); }
    public Options withReadFraction(double v) { return new Options(accountCount, total, amountMax, v); }

    /** One line per setting with its default, for {@code --help}. */
    public static List<String> defaultsHelp() {
      return List.of(
          "accountCount = " + ACCOUNT_COUNT_DEFAULT + "  accounts 0..accountCount-1",
          "total        = " + TOTAL_DEFAULT + "  sum of all balances, initially all on account 0",
          "amountMax    = " + AMOUNT_MAX_DEFAULT + "  transfers move 1..amountMax",
          "readFraction = " + READ_FRACTION_DEFAULT + "  probability that an op is a read of every balance");
    }
  }

  public static Workload create(long seed) {
    return create(seed, Options.defaults());
  }

  /** The workload: transfers and reads, a final read, needs TXN_RW_REGISTER. */
  public static Workload create(long seed, Options options) {
    return new Workload(NAME, generator(seed, options), Generators.ops(List.of(Op.invoke(0, READ, null, null))),
        Set.of(Capability.TXN_RW_REGISTER));
  }

  public static Generator generator(long seed, Options options) {
    return new BankGenerator(options, SplitMix64.seeded(seed));
  }

  private record BankGenerator(Options options, SplitMix64 rng) implements Generator {
    @Override
    public Step next(Context ctx) {
      SplitMix64 r = rng.fork();
      Op op;
      if (r.unit() < options.readFraction()) {
        op = Op.invoke(ctx.process(), READ, null, null);
      } else {
        r = r.next();
        long from = r.below(options.accountCount());
        r = r.next();
        long to = r.below(options.accountCount() - 1);
        if (to >= from) to++;
        r = r.next();
        long amount = r.between(1, options.amountMax());
        Map<String, Object> transfer = new LinkedHashMap<>();
        transfer.put("from", from);
        transfer.put("to", to);
        transfer.put("amount", amount);
        op = Op.invoke(ctx.process(), TRANSFER, null, Collections.unmodifiableMap(transfer));
      }
      return Step.emit(op, new BankGenerator(options, rng.next()));
    }
  }
}
