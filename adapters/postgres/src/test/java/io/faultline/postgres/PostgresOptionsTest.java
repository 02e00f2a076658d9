package io.faultline.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.containers.Deploy;
import io.faultline.containers.DockerEngine;
import io.faultline.sut.Capability;
import io.faultline.sut.ClusterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresOptionsTest {
  @Test
  void noOptions_meanSerializableListAppend_andEightAccountsOfOneHundred() {
    PostgresOptions o = PostgresOptions.from(Map.of("other.system.key", "x"));
    assertEquals(PostgresOptions.defaults(), o);
    assertEquals(PostgresOptions.Isolation.SERIALIZABLE, o.isolation());
    assertEquals(Connection.TRANSACTION_SERIALIZABLE, o.isolation().jdbcLevel());
    assertEquals(8, o.bankAccounts());
    assertEquals(100, o.bankTotal());
  }

  @Test
  void eachIsolationWord_parses() {
    assertEquals(PostgresOptions.Isolation.REPEATABLE_READ, PostgresOptions.from(Map.of("isolation", "repeatable-read")).isolation());
    assertEquals(PostgresOptions.Isolation.READ_COMMITTED, PostgresOptions.from(Map.of("isolation", "read-committed")).isolation());
    assertEquals(PostgresOptions.TxnReads.RW_REGISTER, PostgresOptions.from(Map.of("workload", "rw-register")).txnReads());
    PostgresOptions bank = PostgresOptions.from(Map.of("bank.accounts", "5", "bank.total", "50"));
    assertEquals(5, bank.bankAccounts());
    assertEquals(50, bank.bankTotal());
  }

  @Test
  void badValues_areRefusedNamingTheOption() {
    assertEquals("option 'isolation' must be one of serializable | repeatable-read | read-committed, got 'SERIALIZABLE'",
        assertThrows(IllegalArgumentException.class, () -> PostgresOptions.from(Map.of("isolation", "SERIALIZABLE"))).getMessage());
    assertEquals("option 'workload' must be one of list-append | rw-register | bank, got 'register'",
        assertThrows(IllegalArgumentException.class, () -> PostgresOptions.from(Map.of("workload", "register"))).getMessage());
    assertEquals("option 'bank.accounts' must be 2..10000, got 1",
        assertThrows(IllegalArgumentException.class, () -> PostgresOptions.from(Map.of("bank.accounts", "1"))).getMessage());
    assertEquals("option 'bank.total' must be an integer, got 'lots'",
        assertThrows(IllegalArgumentException.class, () -> PostgresOptions.from(Map.of("bank.total", "lots"))).getMessage());
  }

  @Test
  void deploy_isLocalFromTheDefaultImage_unlessContainersOrAnotherImageIsAsked() {
    PostgresOptions dflt = PostgresOptions.from(Map.of());
    assertEquals(Deploy.LOCAL, dflt.deploy());
    assertEquals("postgres:16-alpine", dflt.image());
    PostgresOptions c = PostgresOptions.from(Map.of("deploy", "containers", "image.postgres", "mirror.local/postgres:15", "image.kafka", "k:1"));
    assertEquals(Deploy.CONTAINERS, c.deploy());
    assertEquals("mirror.local/postgres:15", c.image());
    assertTrue(PostgresOptions.KEYS.containsAll(Set.of("deploy", "image.postgres")));
  }

  @Test
  void badDeployOrImage_isRefusedNamingTheOption() {
    assertEquals("option 'deploy' must be one of local | containers, got 'docker'",
        assertThrows(IllegalArgumentException.class, () -> PostgresOptions.from(Map.of("deploy", "docker"))).getMessage());
    String bad = assertThrows(IllegalArgumentException.class,
        () -> PostgresOptions.from(Map.of("deploy", "containers", "image.postgres", "Not An Image"))).getMessage();
    assertTrue(bad.startsWith("option 'image.postgres': 'Not An Image' is not a valid image name"), bad);
  }

  @Test
  void containersWithoutDocker_isAnErrorSayingWhy_andStartsNothing(@TempDir Path runDir) {
    Assumptions.assumeFalse(DockerEngine.available(), "a Docker engine answers here: PostgresContainerTest covers it");
    IOException e = assertThrows(IOException.class,
        () -> new PostgresSystem().start(new ClusterSpec(1, runDir, 1, Set.of(), Map.of("deploy", "containers"))));
    assertTrue(e.getMessage().contains("needs a Docker engine"), e.getMessage());
    assertFalse(Files.exists(runDir.resolve("nodes/n1/data")), "no local server was started instead");
  }

  @Test
  void system_offersListAppendAndRwRegister_andNoBugs() {
    PostgresSystem system = new PostgresSystem();
    assertEquals("postgres", system.name());
    assertEquals(Set.of(Capability.TXN_LIST_APPEND, Capability.TXN_RW_REGISTER), system.capabilities());
    assertEquals(Set.of(), system.bugs());
  }
}
