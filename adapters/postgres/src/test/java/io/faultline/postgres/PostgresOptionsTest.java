package io.faultline.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.faultline.sut.Capability;
import java.sql.Connection;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
  void system_offersListAppendAndRwRegister_andNoBugs() {
    PostgresSystem system = new PostgresSystem();
    assertEquals("postgres", system.name());
    assertEquals(Set.of(Capability.TXN_LIST_APPEND, Capability.TXN_RW_REGISTER), system.capabilities());
    assertEquals(Set.of(), system.bugs());
  }
}
