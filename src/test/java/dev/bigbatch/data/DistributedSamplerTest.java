package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DistributedSamplerTest {

  @ParameterizedTest(name = "N={0} k={1} n={2}")
  @CsvSource({"100,1,1", "100,3,7", "1000,4,32", "97,9,10", "64,8,8", "10,1,10", "11,2,5"})
  void everyExampleAtMostOncePerEpochAndShardsAreSlices(int size, int k, int n) {
    DistributedSampler s = new DistributedSampler(size, k, n, 1234);
    int steps = size / (k * n);
    assertEquals(steps, s.stepsPerEpoch());
    assertEquals(size - steps * k * n, s.droppedPerEpoch());
    for (long epoch = 0; epoch < 3; epoch++) {
      BitSet seen = new BitSet(size);
      for (int step = 0; step < steps; step++) {
        int[] global = s.globalBatch(epoch, step);
        assertEquals(k * n, global.length);
        for (int w = 0; w < k; w++) {
          int[] shard = s.shard(epoch, step, w);
          assertArrayEquals(Arrays.copyOfRange(global, w * n, (w + 1) * n), shard);
          for (int index : shard) {
            assertTrue(index >= 0 && index < size, "index " + index);
            assertFalse(seen.get(index), "index " + index + " seen twice in epoch " + epoch);
            seen.set(index);
          }
        }
      }
      assertEquals(steps * k * n, seen.cardinality()); // shards disjoint, batches disjoint
    }
  }

  @Test
  void sameSeedAndEpochSameOrderAcrossInstances() {
    // Two "workers" construct their own sampler: no communication, same order.
    DistributedSampler a = new DistributedSampler(5000, 4, 16, 99);
    DistributedSampler b = new DistributedSampler(5000, 4, 16, 99);
    for (long epoch : new long[] {0, 1, 7, 1, 0}) { // revisiting an epoch gives the same order again
      for (int step : new int[] {0, 3, a.stepsPerEpoch() - 1}) {
        assertArrayEquals(a.globalBatch(epoch, step), b.globalBatch(epoch, step));
      }
      assertArrayEquals(a.permutation(epoch), b.permutation(epoch));
    }
  }

  @Test
  void differentEpochOrSeedDifferentOrder() {
    DistributedSampler s = new DistributedSampler(5000, 2, 50, 5);
    assertFalse(Arrays.equals(s.permutation(0), s.permutation(1)), "epoch must change the order");
    assertFalse(Arrays.equals(s.permutation(1), s.permutation(2)));
    DistributedSampler other = new DistributedSampler(5000, 2, 50, 6);
    assertFalse(Arrays.equals(s.permutation(0), other.permutation(0)), "seed must change the order");
    // And it is a shuffle, not the identity.
    int fixedPoints = 0;
    int[] p = s.permutation(0);
    for (int i = 0; i < p.length; i++) {
      fixedPoints += p[i] == i ? 1 : 0;
    }
    assertTrue(fixedPoints < 20, "fixed points " + fixedPoints);
  }

  @Test
  void permutationIsAPermutation() {
    int[] p = new DistributedSampler(1001, 1, 1, 3).permutation(4);
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
  }

  @Test
  void sameGlobalBatchForAnyWorkerCountAtTheSameKn() {
    // The global batch depends on (seed, epoch, kn), not on how kn is split: 8x4 == 2x16 == 1x32.
    DistributedSampler a = new DistributedSampler(1000, 8, 4, 17);
    DistributedSampler b = new DistributedSampler(1000, 2, 16, 17);
    DistributedSampler c = new DistributedSampler(1000, 1, 32, 17);
    for (int step = 0; step < a.stepsPerEpoch(); step++) {
      assertArrayEquals(a.globalBatch(2, step), b.globalBatch(2, step));
      assertArrayEquals(a.globalBatch(2, step), c.globalBatch(2, step));
    }
  }

  @Test
  void iteratorsWalkEpochsAndResumeMidEpoch() {
    DistributedSampler s = new DistributedSampler(50, 2, 5, 8); // 5 steps per epoch
    Iterator<IndexBatch> all = s.shards(1, 0, 0, 3);
    IndexBatch[] seen = new IndexBatch[15];
    for (int i = 0; i < 15; i++) {
      seen[i] = all.next();
      assertEquals(i / 5, seen[i].epoch());
      assertEquals(i % 5, seen[i].stepInEpoch());
      assertArrayEquals(s.shard(i / 5, i % 5, 1), seen[i].indices());
    }
    assertFalse(all.hasNext());
    Iterator<IndexBatch> resumed = s.shards(1, 1, 3, 3);
    for (int i = 8; i < 15; i++) {
      IndexBatch r = resumed.next();
      assertEquals(seen[i].epoch(), r.epoch());
      assertEquals(seen[i].stepInEpoch(), r.stepInEpoch());
      assertArrayEquals(seen[i].indices(), r.indices());
    }
    assertFalse(resumed.hasNext());
    Iterator<IndexBatch> global = s.globalBatches(2, 4, 3);
    assertArrayEquals(s.globalBatch(2, 4), global.next().indices());
    assertFalse(global.hasNext());
  }

  @Test
  void rejectsImpossibleConfigurations() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DistributedSampler(100, 4, 32, 0));
    assertTrue(e.getMessage().contains("128"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(0, 1, 1, 0));
    DistributedSampler s = new DistributedSampler(100, 2, 10, 0);
    assertThrows(IllegalArgumentException.class, () -> s.globalBatch(0, 5));
    assertThrows(IllegalArgumentException.class, () -> s.shard(0, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> s.globalBatch(-1, 0));
  }
}
