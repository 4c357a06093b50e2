package dev.bigbatch.autopilot;

import dev.bigbatch.spec.BatchSpec;

/**
 * Settings of {@code --batch auto}, validated with messages that name the flag.
 *
 * @param minGlobalBatch {@code --min-batch}: the smallest global batch k·n it may choose (0: two workers' worth)
 * @param maxGlobalBatch {@code --max-batch}: the largest global batch k·n the autopilot may choose
 * @param measureSteps {@code --auto-measure-steps}: steps per measurement window (EMA of the two norms)
 * @param emaDecay {@code --auto-ema}: EMA decay per step of the |G|² and tr(Σ) estimates
 * @param grow {@code --auto-grow}: re-measure at the start of every epoch and grow the batch (never shrink)
 */
public record AutoBatchSettings(int minGlobalBatch, int maxGlobalBatch, int measureSteps, double emaDecay, boolean grow) {
  public AutoBatchSettings {
    if (minGlobalBatch < 0) {
      throw new IllegalArgumentException("--min-batch must be >= 0, got " + minGlobalBatch);
    }
    if (maxGlobalBatch <= 0) {
      throw new IllegalArgumentException("--max-batch must be > 0, got " + maxGlobalBatch);
    }
    if (minGlobalBatch > maxGlobalBatch) {
      throw new IllegalArgumentException("--min-batch " + minGlobalBatch + " exceeds --max-batch " + maxGlobalBatch);
    }
    if (measureSteps < 1) {
      throw new IllegalArgumentException("--auto-measure-steps must be >= 1, got " + measureSteps);
    }
    if (!(emaDecay >= 0 && emaDecay < 1)) {
      throw new IllegalArgumentException("--auto-ema must be in [0, 1), got " + emaDecay);
    }
  }

  /** The autopilot settings of {@code b}, its defaults resolved; null unless {@code b} is {@code --batch auto}. */
  public static AutoBatchSettings of(BatchSpec b) {
    return b.auto() ? new AutoBatchSettings(b.minGlobalBatch(), b.maxGlobalBatch(), b.measureStepsOrDefault(),
        b.emaDecay(), b.grow()) : null;
  }
}
