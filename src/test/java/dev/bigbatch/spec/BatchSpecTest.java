package dev.bigbatch.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@code --accumulate A} with k workers of n is k·A virtual workers of n, processed at most k at a time: the global
 * batch, the LR scaling and the sampler shards follow from k·A; bad values are refused naming the flag.
 */
class BatchSpecTest {
  /** k = 2 workers of n = 4 in chunks of 8, as {@code train -k 2 -n 4 --workers-per-chunk 8 --accumulate a}. */
  private static BatchSpec.Builder twoWorkers(int a) {
    BatchSpec.Builder b = new BatchSpec.Builder();
    b.perWorker = 4;
    b.workers = 2;
    b.workersPerChunk = 8;
    b.accumulate = a;
    return b;
  }

  @Test
  void mapsToKTimesAVirtualWorkersWithChunksOfK() {
    BatchSpec four = twoWorkers(4).build();
    assertEquals(8, four.virtualWorkers());
    assertEquals(2, four.chunkWorkers());
    assertEquals(32, four.global());
    BatchSpec one = twoWorkers(1).build();
    assertEquals(2, one.virtualWorkers());
    assertEquals(8, one.chunkWorkers());
    assertEquals(8, one.global());
  }

  @Test
  void theLearningRateScalesWithTheVirtualWorkers() {
    JobSpec.Builder b = JobSpec.builder();
    b.batch = twoWorkers(4);
    b.lr.base = 0.05;
    b.lr.baseBatch = 16;
    JobSpec c = b.build();
    assertEquals(0.1, c.lr().peak(c.batch().global()), 1e-12); // linear rule at k·A·n = 32, B0 = 16
  }

  @Test
  void badValuesAreRefusedNamingTheFlag() {
    assertEquals("--accumulate must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> twoWorkers(0).build()).getMessage());
    BatchSpec.Builder huge = twoWorkers(1 << 30);
    assertEquals("--workers 2 × --accumulate 1073741824 × --batch-per-worker 4 is too large",
        assertThrows(IllegalArgumentException.class, huge::build).getMessage());
    BatchSpec.Builder auto = twoWorkers(2);
    auto.mode = BatchSpec.Mode.AUTO;
    assertEquals("--accumulate cannot be combined with --batch auto (it changes k itself)",
        assertThrows(IllegalArgumentException.class, auto::build).getMessage());
    BatchSpec.Builder stray = twoWorkers(1);
    stray.maxBatch = 64;
    assertEquals("--max-batch only applies with --batch auto",
        assertThrows(IllegalArgumentException.class, stray::build).getMessage());
    BatchSpec.Builder none = twoWorkers(1);
    none.workers = 0;
    assertEquals("--workers must be > 0, got 0", assertThrows(IllegalArgumentException.class, none::build).getMessage());
  }
}
