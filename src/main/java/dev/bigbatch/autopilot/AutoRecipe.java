package dev.bigbatch.autopilot;

import dev.bigbatch.schedule.ProgressSchedule;
import dev.bigbatch.schedule.Warmup;
import dev.bigbatch.train.TrainConfig;
import java.util.function.DoubleUnaryOperator;

/**
 * The learning-rate schedule of {@code --batch auto}: the run's recipe (scaling rule, warmup, decay,
 * all lengths in epochs) as a {@link ProgressSchedule}, i.e. a function of (progress in epochs, current
 * k·n). The same semantics as {@link dev.bigbatch.train.Recipe} for a fixed batch: the warmup starts at
 * --warmup-start-lr (default the base rate η0) and reaches the current batch's scaled peak at its last step,
 * ramps only up (none where kn ≤ B0), cosine and poly decay over the epochs after the warmup, step decay on
 * absolute epochs. LEGW is refused because its warmup length depends on the batch, which here changes during
 * the warmup.
 */
public final class AutoRecipe {
  private AutoRecipe() {}

  /** Checks that the config can run under {@code --batch auto}; one-line errors naming the flag. */
  public static void validate(TrainConfig c) {
    if (c.warmup() == TrainConfig.WarmupKind.LEGW) {
      throw new IllegalArgumentException("--warmup legw cannot be used with --batch auto: its warmup length scales with "
          + "the batch, which the autopilot changes; use --warmup gradual with --lr-scaling sqrt");
    }
  }

  /** @param examplesPerEpoch N, the training examples (the epochs one step covers, kn/N, place the warmup's last step) */
  public static ProgressSchedule schedule(TrainConfig c, int examplesPerEpoch) {
    validate(c);
    Warmup.Kind warmup = switch (c.warmup()) {
      case NONE, LEGW -> null;
      case CONSTANT -> Warmup.Kind.CONSTANT;
      case GRADUAL -> Warmup.Kind.GRADUAL;
    };
    double decayStart = warmup == null ? 0 : c.warmupEpochs();
    DoubleUnaryOperator decay = switch (c.decay()) {
      case NONE -> ProgressSchedule.noDecay();
      case STEP -> ProgressSchedule.step(c.decayEpochs(), c.decayFactor());
      case POLY -> ProgressSchedule.polynomial(decayStart, c.epochs(), c.decayPower());
      case COSINE -> ProgressSchedule.cosine(decayStart, c.epochs());
    };
    return new ProgressSchedule(c.lrScaling(), c.baseLr(), c.baseBatch(), warmup, c.warmupEpochs(), c.warmupStartLr(),
        decay, examplesPerEpoch);
  }
}
