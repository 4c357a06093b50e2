package dev.bigbatch.lint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bigbatch.data.DistributedSampler;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Why {@link NoEpochReshuffle} cannot fire: the sampler reshuffles the whole dataset every epoch, with
 * the same order on every worker, and each epoch visits each example once.
 */
class NoEpochReshuffleTest {
  @Test
  void everyEpochIsANewPermutationOfTheWholeDataset() {
    DistributedSampler s = new DistributedSampler(1000, 4, 16, 7);
    int[] identity = IntStream.range(0, 1000).toArray();
    int[] previous = null;
    for (long epoch = 0; epoch < 5; epoch++) {
      int[] p = s.permutation(epoch);
      int[] sorted = p.clone();
      Arrays.sort(sorted);
      assertArrayEquals(identity, sorted, "epoch " + epoch + " is a permutation");
      assertFalse(Arrays.equals(identity, p), "epoch " + epoch + " is shuffled");
      if (previous != null) {
        assertFalse(Arrays.equals(previous, p), "epoch " + epoch + " differs from the one before");
      }
      previous = p;
      // Same order on every worker: another sampler with the same seed agrees.
      assertArrayEquals(p, new DistributedSampler(1000, 4, 16, 7).permutation(epoch));
    }
  }
}
