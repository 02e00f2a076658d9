package io.faultline.harness;

import io.faultline.checkers.Checker;
import io.faultline.checkers.LinearizabilityChecker;
import io.faultline.checkers.Models;
import io.faultline.checkers.StatsChecker;
import io.faultline.faults.FaultSchedule;
import io.faultline.faults.Nemesis;
import io.faultline.faults.CompositeNemesis;
import io.faultline.faults.ScheduledFault;
import io.faultline.history.Op;
import io.faultline.postgres.PostgresSystem;
import io.faultline.ratis.RatisSystem;
import io.faultline.raftadapter.RaftSystem;
import io.faultline.sut.Capability;
import io.faultline.checkers.TxnCheckers;
import io.faultline.checkers.TxnCheckerOptions;
import io.faultline.workloads.ListAppendWorkload;
import io.faultline.workloads.BankWorkload;
import io.faultline.checkers.BankChecker;
import io.faultline.workloads.RwRegisterWorkload;
import io.faultline.sut.Cluster;
import io.faultline.sut.SystemUnderTest;
import io.faultline.workloads.RegisterWorkload;
import io.faultline.workloads.Workload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The names a user types, resolved to parts: systems, workloads (with the checkers that judge them)
 * and nemeses. Every unknown name is refused with the list of known ones.
 */
final class Catalog {
  private Catalog() {}

  private static final Map<String, Supplier<SystemUnderTest>> SYSTEMS = new LinkedHashMap<>();
  static {
    SYSTEMS.put("ratis", RatisSystem::new);
    SYSTEMS.put("postgres", PostgresSystem::new);
    SYSTEMS.put("raft", RaftSystem::new);
  }

  static final List<String> WORKLOADS = List.of(RegisterWorkload.NAME, ListAppendWorkload.NAME, RwRegisterWorkload.NAME, BankWorkload.NAME,
      io.faultline.workloads.BackupRestoreWorkload.NAME);
  /** Systems whose clusters can be backed up and restored ({@code io.faultline.sut.Backups}), for the backup-restore workload. */
  static final java.util.Set<String> BACKUP_SYSTEMS = java.util.Set.of("raft");
  static final List<String> NEMESES = FaultSchedule.names();
  static final List<String> CHECKERS = List.of("linearizable", "list-append", "rw-register");

  static SystemUnderTest system(String name) {
    Supplier<SystemUnderTest> s = SYSTEMS.get(name);
    if (s == null) throw new IllegalArgumentException("option --system: '" + name + "' is not a known system; known: " + String.join(", ", SYSTEMS.keySet()));
    return s.get();
  }

  /** The systems that run in containers under --deploy containers: those whose server publishes an image. */
  static final Set<String> CONTAINER_SYSTEMS = Set.of(PostgresSystem.NAME);

  /** Why {@code system} cannot take --deploy containers, or null when it can. */
  static String containersRefusal(String system) {
    if (CONTAINER_SYSTEMS.contains(system)) return null;
    return "--deploy containers: system " + system + " cannot run in containers (it publishes no image); systems that can: "
        + String.join(", ", new TreeSet<>(CONTAINER_SYSTEMS)) + "; use --deploy local";
  }

  /** The cluster size when --nodes is not given: one server for postgres (no replication), else 3. */
  static int defaultNodeCount(String system) {
    return system.equals("postgres") ? 1 : 3;
  }

  static RunParts parts(RunSpec spec) {
    return parts(spec, system(spec.system()));
  }

  /** Resolves everything but the system, which the caller gives (tests give a double). */
  static RunParts parts(RunSpec spec, SystemUnderTest sut) {
    for (String bug : spec.bugs()) {
      if (!sut.bugs().contains(bug)) {
        throw new IllegalArgumentException("option --bug: '" + bug + "' is not a planted bug of " + sut.name() + "; it has: "
            + (sut.bugs().isEmpty() ? "none" : String.join(", ", new TreeSet<>(sut.bugs()))));
      }
    }
    Workload workload;
    List<Checker> checkers = new ArrayList<>();
    switch (spec.workload()) {
      case RegisterWorkload.NAME:
        RegisterWorkload.Options o = RegisterWorkload.Options.defaults()
            .withOpsPerKey(spec.opsPerKey())
            .withKeyChoice(RegisterWorkload.KeyChoice.parse(spec.keyDistribution()));
        workload = RegisterWorkload.create(spec.seed(), o);
        checkers.add(new LinearizabilityChecker(Models.byName("cas-register")));
        checkers.add(new StatsChecker());
        break;
      case ListAppendWorkload.NAME:
        workload = ListAppendWorkload.create(spec.seed());
        checkers.add(TxnCheckers.byName(ListAppendWorkload.NAME, spec.consistencyModels()));
        checkers.add(new StatsChecker());
        break;
      case RwRegisterWorkload.NAME:
        workload = RwRegisterWorkload.create(spec.seed());
        checkers.add(TxnCheckers.byName(RwRegisterWorkload.NAME, spec.consistencyModels()));
        checkers.add(new StatsChecker());
        break;
      case BankWorkload.NAME:
        BankWorkload.Options bank = BankWorkload.Options.defaults();
        workload = BankWorkload.create(spec.seed(), bank);
        List<Object> accounts = new ArrayList<>();
        for (long a = 0; a < bank.accountCount(); a++) accounts.add(a);
        checkers.add(new BankChecker(new BankChecker.Options(bank.total(), accounts)));
        checkers.add(new StatsChecker());
        break;
      case io.faultline.workloads.BackupRestoreWorkload.NAME:
        if (!BACKUP_SYSTEMS.contains(sut.name())) {
          throw new IllegalArgumentException("option --workload: '" + spec.workload() + "' needs a system that can be backed up and restored: "
              + BACKUP_SYSTEMS + "; " + sut.name() + " cannot");
        }
        workload = io.faultline.workloads.BackupRestoreWorkload.create(spec.seed());
        checkers.add(new io.faultline.checkers.BackupRestoreChecker(io.faultline.workloads.BackupRestoreWorkload.BACKUP,
            io.faultline.workloads.BackupRestoreWorkload.RESTORE));
        checkers.add(new StatsChecker());
        break;
      default:
        throw new IllegalArgumentException("option --workload: '" + spec.workload() + "' is not a known workload; known: " + String.join(", ", WORKLOADS));
    }
    if (!sut.capabilities().containsAll(workload.needs())) {
      throw new IllegalArgumentException("system " + sut.name() + " cannot run workload " + workload.name() + ": it needs "
          + workload.needs() + " and the system offers " + sut.capabilities());
    }
    List<ScheduledFault> schedule = spec.nemeses().isEmpty() ? List.of()
        : schedule(spec.nemeses(), spec.targets(), spec.nemesisIntervalMs(), spec.timeMs(), spec.seed(), spec.combined());
    Function<Cluster, Nemesis> nemesis = spec.nemeses().isEmpty() ? c -> NoNemesis.INSTANCE
        : c -> CompositeNemesis.standard(c, spec.seed(), spec.partitionClients());
    return new RunParts(sut, workload, checkers, nemesis, schedule, systemOptions(spec, sut));
  }

  static List<ScheduledFault> schedule(List<String> nemeses, String targets, long intervalMs, long timeMs, long seed, boolean combined) {
    for (String n : nemeses) {
      if (!NEMESES.contains(n)) throw new IllegalArgumentException("option --nemesis: '" + n + "' is not a known fault family; known: " + String.join(", ", NEMESES) + ", or none");
    }
    return FaultSchedule.generate(nemeses, targets, intervalMs, timeMs, seed, FaultSchedule.Options.defaults(), combined);
  }

  /**
   * The options a system is started with. Transactional systems are told the isolation level and which
   * workload's tables a read-only txn reads; other systems take no isolation level.
   */
  static Map<String, String> systemOptions(RunSpec spec, SystemUnderTest sut) {
    if (spec.deploy().equals("containers") && containersRefusal(sut.name()) != null) {
      throw new IllegalArgumentException("option " + containersRefusal(sut.name()));
    }
    Map<String, String> m = new LinkedHashMap<>(spec.systemOptions());
    boolean transactional = sut.capabilities().contains(Capability.TXN_LIST_APPEND) || sut.capabilities().contains(Capability.TXN_RW_REGISTER);
    if (transactional) {
      m.put("workload", spec.workload());
    } else if (spec.isolation() != null) {
      throw new IllegalArgumentException("option --isolation: " + sut.name() + " is not transactional; only postgres takes an isolation level");
    }
    return m;
  }

  static Checker checker(String name, String model, TxnCheckerOptions txnOptions, long timeLimitMs) {
    if (!CHECKERS.contains(name)) throw new IllegalArgumentException("option --checker: '" + name + "' is not a known checker; known: " + String.join(", ", CHECKERS));
    if (name.equals("linearizable")) {
      return new LinearizabilityChecker(Models.byName(model), timeLimitMs, LinearizabilityChecker.CONFIGS_MAX_DEFAULT);
    }
    return TxnCheckers.byName(name, txnOptions.withCycleSearchTimeoutMs(timeLimitMs));
  }

  /** The nemesis of a quiet run: does nothing, heals nothing. */
  enum NoNemesis implements Nemesis {
    INSTANCE;

    @Override
    public Op invoke(Op invocation) {
      return invocation.info("no nemesis in this run");
    }

    @Override
    public List<Op> healOps() {
      return List.of();
    }
  }

  /** For picocli's ${COMPLETION-CANDIDATES}. */
  static final class SystemNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() { return Set.copyOf(SYSTEMS.keySet()).iterator(); }
  }

  static final class WorkloadNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() { return WORKLOADS.iterator(); }
  }

  static final class CheckerNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() { return CHECKERS.iterator(); }
  }
}
