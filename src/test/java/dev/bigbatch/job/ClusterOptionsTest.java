package dev.bigbatch.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.AllreduceAlgorithm;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BIGBATCH_ALLREDUCE} picks the gradient allreduce algorithm of a launched rank. */
class ClusterOptionsTest {
  @Test
  void unsetOrAutoKeepsTheSizeRule() {
    assertEquals(AllreduceAlgorithm.AUTO, Cluster.options(Map.of(), 30).algorithm());
    assertEquals(AllreduceAlgorithm.AUTO, Cluster.options(Map.of("BIGBATCH_ALLREDUCE", "auto"), 30).algorithm());
    assertEquals(Duration.ofSeconds(30), Cluster.options(Map.of(), 30).timeout());
  }

  @Test
  void forcesRingOrHalvingDoubling() {
    assertEquals(AllreduceAlgorithm.RING, Cluster.options(Map.of("BIGBATCH_ALLREDUCE", "ring"), 30).algorithm());
    assertEquals(AllreduceAlgorithm.HALVING_DOUBLING,
        Cluster.options(Map.of("BIGBATCH_ALLREDUCE", "halving-doubling"), 30).algorithm());
    assertEquals(AllreduceAlgorithm.HALVING_DOUBLING, Cluster.options(Map.of("BIGBATCH_ALLREDUCE", "HD"), 30).algorithm());
  }

  @Test
  void rejectsOtherValuesNamingTheVariable() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cluster.options(Map.of("BIGBATCH_ALLREDUCE", "tree"), 30));
    assertTrue(e.getMessage().contains("BIGBATCH_ALLREDUCE") && e.getMessage().contains("tree"), e.getMessage());
  }
}
