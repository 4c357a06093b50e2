package dev.bigbatch.autopilot;

import dev.bigbatch.schedule.ProgressSchedule;
import dev.bigbatch.schedule.Warmup;
import dev.bigbatch.spec.JobSpec;
import java.util.function.DoubleUnaryOperator;

/**
 * The learning-rate schedule of {@code --batch auto}: the run's recipe (scaling rule, warmup, decay,
 * all lengths in epochs) as a {@link ProgressSchedule}, i.e. a function of (progress in epochs, current
 * k·n). The same semantics as {@link dev.bigbatch.train.Recipe} for a fixed batch: the warmup starts at
 * --warmup-start-lr (default the base rate η0) and reaches the current batch's scaled peak at its last step,
 * ramps only up (none where kn ≤ B0), cosine and poly decay over the epochs after the warmup, step decay on
 * absolute epochs. LEGW is refused ({@link JobSpec} rejects it with {@code --batch auto}) because its warmup length
 * depends on the batch, which here changes during the warmup.
 */
public final class AutoRecipe {
  private AutoRecipe() {}

  /** @param examplesPerEpoch N, the training examples (the epochs one step covers, kn/N, place the warmup's last step) */
  public static ProgressSchedule schedule(JobSpec c, int examplesPerEpoch) {
    Warmup.Kind warmup = switch (c.lr().warmup()) {
      case NONE -> null;
      case LEGW -> throw new IllegalArgumentException("--warmup legw has no --batch auto schedule (JobSpec refuses the "
          + "combination)");
      case CONSTANT -> Warmup.Kind.CONSTANT;
      case GRADUAL -> Warmup.Kind.GRADUAL;
    };
    double decayStart = warmup == null ? 0 : c.lr().warmupEpochs();
    DoubleUnaryOperator decay = switch (c.lr().decay()) {
      case NONE -> ProgressSchedule.noDecay();
      case STEP -> ProgressSchedule.step(c.lr().decayEpochs(), c.lr().decayFactor());
      case POLY -> ProgressSchedule.polynomial(decayStart, c.epochs(), c.lr().decayPower());
      case COSINE -> ProgressSchedule.cosine(decayStart, c.epochs());
    };
    return new ProgressSchedule(c.lr().scaling(), c.lr().base(), c.lr().baseBatch(), warmup, c.lr().warmupEpochs(),
        c.lr().warmupStartLr(),
        decay, examplesPerEpoch);
  }
}
