package dev.bigbatch.lint;

import dev.bigbatch.schedule.Legw;
import dev.bigbatch.train.TrainConfig;

/** Warmup arithmetic shared by the warmup rules. */
final class Warmups {
  private Warmups() {}

  /** Warmup length in epochs the trainer uses (LEGW: m0·kn/B0; none: 0). */
  static double effectiveEpochs(TrainConfig c) {
    return switch (c.warmup()) {
      case NONE -> 0;
      case CONSTANT, GRADUAL -> c.warmupEpochs();
      case LEGW -> Legw.warmupEpochs(c.warmupEpochs(), c.globalBatch(), c.baseBatch());
    };
  }

  /** The {@code --warmup-epochs} value that gives {@code epochs} of warmup (LEGW's flag is at B0). */
  static double baseEpochsFor(TrainConfig c, double epochs) {
    return c.warmup() == TrainConfig.WarmupKind.LEGW ? epochs * c.baseBatch() / c.globalBatch() : epochs;
  }
}
