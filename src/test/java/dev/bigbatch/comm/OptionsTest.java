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
                TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, threshold - 4));
        assertEquals(AllreduceAlgorithm.RING, TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, auto, threshold));
        CommOptions ring = auto.withAlgorithm(AllreduceAlgorithm.RING);
        assertEquals(AllreduceAlgorithm.RING, TransportCommunicator.resolve(AllreduceAlgorithm.AUTO, ring, 4));
        assertEquals(AllreduceAlgorithm.HALVING_DOUBLING,
                TransportCommunicator.resolve(AllreduceAlgorithm.HALVING_DOUBLING, ring, 1 << 30));
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
