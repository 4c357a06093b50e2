package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void autoPicksHalvingDoublingForSmallBuffersAndOverridesWin() {
    CommOptions auto = CommOptions.defaults();
    int threshold = auto.autoThresholdBytes();
    assertEquals(AllreduceAlgorithm.HALVING_DOUBLING,
        TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, threshold - 4, 4));
    assertEquals(AllreduceAlgorithm.RING, TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, threshold, 4));
    CommOptions ring = auto.withAlgorithm(AllreduceAlgorithm.RING);
    assertEquals(AllreduceAlgorithm.RING, TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, ring, 4, 4));
    assertEquals(AllreduceAlgorithm.HALVING_DOUBLING,
        TransportCommunicator.resolve(AllreduceAlgorithm.HALVING_DOUBLING, ring, 1 << 30, 3));
  }

  @Test
  void autoTakesHalvingDoublingOnlyWhereItNeedsFewerLatencyRounds() {
    CommOptions auto = CommOptions.defaults();
    // rounds: ring 2(N-1); hd 2*log2(p) + 2 if N != p.  N: 2 -> 2 vs 2, 3 -> 4 vs 4, 4 -> 6 vs 4,
    // 5 -> 8 vs 6, 6 -> 10 vs 6, 8 -> 14 vs 6, 9 -> 16 vs 8.
    int[] ringSizes = {1, 2, 3};
    int[] hdSizes = {4, 5, 6, 7, 8, 9, 16};
    for (int n : ringSizes) {
      assertEquals(AllreduceAlgorithm.RING, TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, 4, n), "N=" + n);
    }
    for (int n : hdSizes) {
      assertEquals(AllreduceAlgorithm.HALVING_DOUBLING,
          TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, 4, n), "N=" + n);
    }
  }

  @Test
  void optionsAreValidated() {
    CommOptions d = CommOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ofMillis(5)));
    assertThrows(IllegalArgumentException.class, () -> d.withChunkBytes(10));
    assertThrows(IllegalArgumentException.class, () -> d.withOperationTimeout(Duration.ZERO));
    assertThrows(NullPointerException.class, () -> d.withListenHost(null));
    assertEquals(Duration.ofSeconds(3), d.withTimeout(Duration.ofSeconds(3)).timeout());
  }
}
