package io.faultline.postgres;

import io.faultline.containers.Deploy;
import io.faultline.containers.PeerImages;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * PostgreSQL settings of one run, read from {@code ClusterSpec.options()} and validated once.
 *
 * <p>Keys: {@value #ISOLATION} ({@code serializable} | {@code repeatable-read} | {@code
 * read-committed}, default serializable); {@value #WORKLOAD} ({@code list-append} | {@code
 * rw-register} | {@code bank}, default list-append), which decides what a read-only transaction's
 * {@code r} micro-ops read: a list or a register (a transaction with an {@code append} or a {@code w}
 * says so itself); {@value #BANK_ACCOUNTS} and {@value #BANK_TOTAL} (defaults 8 and 100, as
 * {@code BankWorkload}), the accounts created at start, all of the total on account 0; {@value
 * #DEPLOY} ({@code local}, default: zonky's binaries as a child process, or {@code containers}: a
 * container of {@value #IMAGE}, default {@code postgres:16-alpine}, where a Docker engine answers).
 *
 * @param isolation    the isolation level of every client transaction
 * @param txnReads     the table a read-only transaction's reads go to
 * @param bankAccounts accounts 0..bankAccounts-1
 * @param bankTotal    the sum of all balances, initially on account 0
 * @param deploy       where the server runs
 * @param image        the image the server runs from under {@code deploy=containers}
 */
public record PostgresOptions(Isolation isolation, TxnReads txnReads, int bankAccounts, long bankTotal, Deploy deploy, String image) {
  public static final String ISOLATION = "isolation";
  public static final String WORKLOAD = "workload";
  public static final String BANK_ACCOUNTS = "bank.accounts";
  public static final String BANK_TOTAL = "bank.total";
  /** The Toxiproxy server of {@code network=toxiproxy}: accepted as other systems accept it; one server has no links. */
  public static final String TOXIPROXY = "toxiproxy";
  public static final String DEPLOY = Deploy.OPTION;
  public static final String IMAGE = PeerImages.PREFIX + PostgresSystem.NAME;
  public static final Set<String> KEYS = Set.of(ISOLATION, WORKLOAD, BANK_ACCOUNTS, BANK_TOTAL, TOXIPROXY, DEPLOY, IMAGE);
  public static final Isolation ISOLATION_DEFAULT = Isolation.SERIALIZABLE;
  public static final int BANK_ACCOUNTS_DEFAULT = 8;
  public static final long BANK_TOTAL_DEFAULT = 100;
  public static final int BANK_ACCOUNTS_MAX = 10_000;

  /** A transaction isolation level, by its option word. */
  public enum Isolation {
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE),
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED);

    private final int jdbcLevel;

    Isolation(int jdbcLevel) { this.jdbcLevel = jdbcLevel; }

    int jdbcLevel() { return jdbcLevel; }

    /** {@code serializable}, {@code repeatable-read} or {@code read-committed}. */
    public String word() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    public static Isolation parse(String word) {
      for (Isolation i : values()) if (i.word().equals(word)) return i;
      throw new IllegalArgumentException("option '" + ISOLATION + "' must be one of " + words(values()) + ", got '" + word + "'");
    }
  }

  /** Where a read-only transaction's reads go, by the workload's name. */
  public enum TxnReads {
    LIST_APPEND, RW_REGISTER, BANK;

    public String word() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    public static TxnReads parse(String word) {
      for (TxnReads t : values()) if (t.word().equals(word)) return t;
      throw new IllegalArgumentException("option '" + WORKLOAD + "' must be one of " + words(values()) + ", got '" + word + "'");
    }
  }

  public PostgresOptions {
    if (isolation == null) throw new IllegalArgumentException("option '" + ISOLATION + "' must not be null");
    if (txnReads == null) throw new IllegalArgumentException("option '" + WORKLOAD + "' must not be null");
    if (bankAccounts < 2 || bankAccounts > BANK_ACCOUNTS_MAX) {
      throw new IllegalArgumentException("option '" + BANK_ACCOUNTS + "' must be 2.." + BANK_ACCOUNTS_MAX + ", got " + bankAccounts);
    }
    if (bankTotal < 0) throw new IllegalArgumentException("option '" + BANK_TOTAL + "' must be >= 0, got " + bankTotal);
    if (deploy == null) throw new IllegalArgumentException("option '" + DEPLOY + "' must not be null");
    try {
      PeerImages.requireValid(image);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option '" + IMAGE + "': " + e.getMessage(), e);
    }
  }

  public static PostgresOptions defaults() {
    return new PostgresOptions(ISOLATION_DEFAULT, TxnReads.LIST_APPEND, BANK_ACCOUNTS_DEFAULT, BANK_TOTAL_DEFAULT, Deploy.LOCAL,
        PeerImages.DEFAULTS.postgres());
  }

  /** The options from a cluster spec's map; keys other systems use are ignored. */
  public static PostgresOptions from(Map<String, String> options) {
    String isolation = options.get(ISOLATION);
    String workload = options.get(WORKLOAD);
    return new PostgresOptions(
        isolation == null ? ISOLATION_DEFAULT : Isolation.parse(isolation),
        workload == null ? TxnReads.LIST_APPEND : TxnReads.parse(workload),
        (int) parseLong(options, BANK_ACCOUNTS, BANK_ACCOUNTS_DEFAULT),
        parseLong(options, BANK_TOTAL, BANK_TOTAL_DEFAULT),
        Deploy.from(options),
        options.getOrDefault(IMAGE, PeerImages.DEFAULTS.postgres()));
  }

  /** One line per option with its default, for {@code --help}. */
  public static List<String> defaultsHelp() {
    return List.of(
        ISOLATION + "     = " + ISOLATION_DEFAULT.word() + "  one of " + words(Isolation.values()),
        WORKLOAD + "      = " + TxnReads.LIST_APPEND.word() + "  what read-only txns read: one of " + words(TxnReads.values()),
        BANK_ACCOUNTS + " = " + BANK_ACCOUNTS_DEFAULT + "  bank accounts created at start",
        BANK_TOTAL + "    = " + BANK_TOTAL_DEFAULT + "  bank total, all on account 0 at start",
        DEPLOY + "        = " + Deploy.LOCAL.word() + "  where the server runs: local | containers (needs a Docker engine)",
        IMAGE + " = " + PeerImages.DEFAULTS.postgres() + "  the server's image under deploy=containers");
  }

  private static long parseLong(Map<String, String> options, String key, long dflt) {
    String v = options.get(key);
    if (v == null) return dflt;
    try {
      long parsed = Long.parseLong(v.trim());
      if (key.equals(BANK_ACCOUNTS) && (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE)) {
        throw new IllegalArgumentException("option '" + key + "' must be 2.." + BANK_ACCOUNTS_MAX + ", got " + v);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option '" + key + "' must be an integer, got '" + v + "'", e);
    }
  }

  private static String words(Enum<?>[] values) {
    List<String> out = new ArrayList<>();
    for (Enum<?> e : values) out.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    return String.join(" | ", out);
  }
}
