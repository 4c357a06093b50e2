package dev.bigbatch.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who decides the intra-op thread count of a train process (issue 18: the default was LibTorch's 1 of 2 cores). */
class IntraOpThreadsTest {
  @Test
  void aSingleProcessUsesEveryCoreUnlessToldOtherwise() {
    assertEquals(6, Cluster.intraOpThreads(0, Map.of(), 6));
    assertEquals(3, Cluster.intraOpThreads(3, Map.of(), 6));
  }

  @Test
  void aLaunchedWorkerTakesTheLaunchersShareAndTheFlagStillWins() {
    Map<String, String> launched = Map.of("BIGBATCH_RANK", "1", Cluster.THREADS_ENV, "2");
    assertEquals(2, Cluster.intraOpThreads(0, launched, 8));
    assertEquals(1, Cluster.intraOpThreads(1, launched, 8));
  }

  @Test
  void aRankOfMpirunOrSrunKeepsLibTorchsChoice() {
    assertEquals(0, Cluster.intraOpThreads(0, Map.of("OMPI_COMM_WORLD_RANK", "0"), 8));
    assertEquals(0, Cluster.intraOpThreads(0, Map.of("SLURM_PROCID", "3"), 8));
  }

  @Test
  void aBadLauncherShareNamesTheVariable() {
    for (String bad : new String[] {"abc", "0", "-1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Cluster.intraOpThreads(0, Map.of(Cluster.THREADS_ENV, bad), 2));
      assertTrue(e.getMessage().startsWith("BIGBATCH_THREADS") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
