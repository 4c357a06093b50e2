package dev.bigbatch.schedule;

/**
 * Linear-Epoch Gradual Warmup (You et al. 2019): when the batch grows by a factor s = kn/B0, the
 * warmup length in epochs grows by s too (m = m0·s) and the peak learning rate follows the sqrt rule
 * (η = η0·sqrt(s)).
 */
public final class Legw {
  private Legw() {}

  /** Warmup length in epochs for global batch kn, given m0 epochs at the base batch B0. */
  public static double warmupEpochs(double baseWarmupEpochs, long globalBatch, long baseBatch) {
    if (baseWarmupEpochs < 0) {
      throw new IllegalArgumentException("base warmup epochs must be >= 0, got " + baseWarmupEpochs);
    }
    if (globalBatch <= 0 || baseBatch <= 0) {
      throw new IllegalArgumentException("batch sizes must be positive: global=" + globalBatch + " base=" + baseBatch);
    }
    return baseWarmupEpochs * globalBatch / (double) baseBatch;
  }

  /** Peak learning rate under LEGW: the sqrt scaling rule. */
  public static double peakLr(double baseLr, long globalBatch, long baseBatch) {
    return ScalingRule.SQRT.scale(baseLr, globalBatch, baseBatch);
  }
}
