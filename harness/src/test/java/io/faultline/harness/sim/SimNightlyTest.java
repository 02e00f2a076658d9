package io.faultline.harness.sim;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.faultline.raft.Bug;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Campaigns of thousands of seeds: only with -Dfaultline.nightly=true (the nightly profile). */
@EnabledIfSystemProperty(named = "faultline.nightly", matches = "true")
class SimNightlyTest {
  @Test
  void tenThousandSeedsPassEveryCheck() {
    for (long seed = 1; seed <= 10_000; seed++) {
      SimRun.Outcome o = new SimRun(Schedule.generate(seed, null), false).run();
      assertNull(o.failure(), "seed " + seed + " " + o.schedule().describeParams());
    }
  }

  @ParameterizedTest
  @EnumSource(Bug.class)
  void eachPlantedBugIsCaughtRepeatedlyInFiveThousandSeeds(Bug bug) {
    int caught = 0;
    for (long seed = 100_001; seed <= 105_000; seed++) {
      if (new SimRun(Schedule.generate(seed, bug), false).run().failed()) caught++;
    }
    System.out.println("sim nightly: " + bug.switchName() + " caught in " + caught + " of 5000 seeds");
    assertTrue(caught >= 3, bug.switchName() + " caught only " + caught + " times");
  }
}
