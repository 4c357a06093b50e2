package dev.bigbatch.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bigbatch.diag.CostModel.Algorithm;
import org.junit.jupiter.api.Test;

/** The α-β formulas against values worked out by hand (α = 10 µs, β = 1 GB/s). */
class CostModelTest {
  private static final CostModel NET = new CostModel(1e-5, 1e9);
  private static final long MB100 = 100_000_000;

  @Test
  void ringAndHalvingDoublingAtAPowerOfTwo() {
    // N = 4, S = 100 MB: bandwidth term 2·3/4·0.1 s = 0.15 s for both.
    // ring: 2·3·1e-5 = 6e-5 → 0.15006; hd: 2·log2(4)·1e-5 = 4e-5 → 0.15004.
    assertEquals(0.15006, NET.allreduceSeconds(Algorithm.RING, 4, MB100), 1e-12);
    assertEquals(0.15004, NET.allreduceSeconds(Algorithm.HALVING_DOUBLING, 4, MB100), 1e-12);
  }

  @Test
  void halvingDoublingAtANonPowerOfTwoPaysTheFold() {
    // N = 6 = 4 + 2: 2·2·1e-5 + 2·3/4·0.1 + 2·(1e-5 + 0.1) = 4e-5 + 0.15 + 0.20002 = 0.35006.
    assertEquals(0.35006, NET.allreduceSeconds(Algorithm.HALVING_DOUBLING, 6, MB100), 1e-12);
    // ring: 2·5·1e-5 + 2·5/6·0.1 = 1e-4 + 0.1666…
    assertEquals(1e-4 + 1.0 / 6, NET.allreduceSeconds(Algorithm.RING, 6, MB100), 1e-12);
    assertEquals(Algorithm.RING, NET.choose(6, MB100, MB100));
  }

  @Test
  void smallBuffersOnManyMachinesPreferHalvingDoubling() {
    // N = 64, S = 1 kB: ring latency 126·1e-5 = 1.26 ms vs hd 12·1e-5 = 0.12 ms; bandwidth ≈ 2 µs for both.
    assertEquals(126e-5 + 2.0 * 63 / 64 * 1e-6, NET.allreduceSeconds(Algorithm.RING, 64, 1000), 1e-12);
    assertEquals(12e-5 + 2.0 * 63 / 64 * 1e-6, NET.allreduceSeconds(Algorithm.HALVING_DOUBLING, 64, 1000), 1e-12);
    assertEquals(Algorithm.HALVING_DOUBLING, NET.choose(64, 1000, 1 << 20));
  }

  @Test
  void bucketsPayLatencyEachButBandwidthOnce() {
    // 100 MB in 25 MB buckets on N = 4 with ring: 4·6e-5 + 0.15 = 0.15024.
    assertEquals(0.15024, NET.bucketedSeconds(Algorithm.RING, 4, MB100, 25_000_000), 1e-12);
    assertEquals(0, NET.allreduceSeconds(Algorithm.RING, 1, MB100));
  }

  @Test
  void stepTimeEfficiencyAndTimeToTrain() {
    // c = 1 ms/example, n = 32 → 32 ms compute. S = 100 MB in 4 buckets on N = 4 (hd: 4·4e-5 + 0.15 = 0.15016).
    CostModel.Workload noOverlap = new CostModel.Workload(1e-3, 32, MB100, 25_000_000, false, 60_000, 2);
    CostModel.Prediction p = NET.predict(noOverlap, 4);
    assertEquals(Algorithm.HALVING_DOUBLING, p.algorithm());
    assertEquals(0.15016, p.exposedCommSeconds(), 1e-12);
    assertEquals(0.032 + 0.15016, p.stepSeconds(), 1e-12);
    assertEquals(0.032 / (0.032 + 0.15016), p.efficiency(), 1e-12);
    assertEquals(468, p.stepsPerEpoch()); // floor(60000 / 128)
    assertEquals(2 * 468 * (0.032 + 0.15016), p.trainSeconds(), 1e-9);

    // Overlap hides up to 2/3 of compute (21.33 ms) but never the last 25 MB bucket (4e-5 + 0.0375 s).
    CostModel.Workload overlap = new CostModel.Workload(1e-3, 32, MB100, 25_000_000, true, 60_000, 2);
    assertEquals(0.15016 - 2.0 / 3 * 0.032, NET.predict(overlap, 4).exposedCommSeconds(), 1e-12);
    CostModel.Workload longCompute = new CostModel.Workload(1.0, 32, MB100, 25_000_000, true, 60_000, 2);
    assertEquals(4e-5 + 1.5 * 0.025, NET.predict(longCompute, 4).exposedCommSeconds(), 1e-12);

    CostModel.Prediction one = NET.predict(noOverlap, 1);
    assertEquals(1.0, one.efficiency(), 1e-12);
    assertEquals(1875, one.stepsPerEpoch());
  }

  @Test
  void unevenBucketsAsTrainCutsThem() {
    // S = 100 MB in 3 buckets, the last (filled last by backward) 10 MB, N = 2 (ring = hd: 2α per bucket, S/β).
    // T_comm = 3·2e-5 + 0.1 = 0.10006 s; the last bucket alone 2e-5 + 0.01 = 0.01002 s.
    CostModel.Workload longCompute = new CostModel.Workload(1.0, 32, MB100, 3, 10_000_000, true, 60_000, 1);
    assertEquals(0.10006, NET.predict(longCompute, 2).ringSeconds(), 1e-12);
    assertEquals(0.01002, NET.predict(longCompute, 2).exposedCommSeconds(), 1e-12);
    // 32 ms compute hides 2/3·32 ms of the 100.06 ms.
    CostModel.Workload shortCompute = new CostModel.Workload(1e-3, 32, MB100, 3, 10_000_000, true, 60_000, 1);
    assertEquals(0.10006 - 2.0 / 3 * 0.032, NET.predict(shortCompute, 2).exposedCommSeconds(), 1e-12);
    // The equal-bucket constructor is ceil(S/bucket) buckets with the last one min(S, bucket).
    CostModel.Workload equal = new CostModel.Workload(1e-3, 32, MB100, 30_000_000, true, 60_000, 1);
    assertEquals(4, equal.buckets());
    assertEquals(30_000_000, equal.lastBucketBytes());
    assertThrows(IllegalArgumentException.class, () -> new CostModel.Workload(1e-3, 32, 100, 1, 101, true, 60_000, 1));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new CostModel(-1, 1e9));
    assertThrows(IllegalArgumentException.class, () -> new CostModel(1e-5, 0));
    assertThrows(IllegalArgumentException.class, () -> NET.allreduceSeconds(Algorithm.RING, 0, 1));
  }
}
