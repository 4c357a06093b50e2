package dev.bigbatch.train;

import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.CosineDecay;
import dev.bigbatch.schedule.Legw;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.PolynomialDecay;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.schedule.StepDecay;
import dev.bigbatch.schedule.Warmup;

/**
 * Turns a config into the learning-rate schedule of the large-batch recipe: the peak rate from the
 * scaling rule (sqrt under LEGW), the decay on the absolute step axis, and the warmup wrapped
 * around it. Epoch quantities become steps here, once, using the real steps per epoch.
 */
public final class Recipe {
  private Recipe() {}

  /** Peak learning rate η = rule(η0, kn, B0); LEGW always uses the sqrt rule. */
  public static double peakLr(TrainConfig c) {
    ScalingRule rule = c.warmup() == TrainConfig.WarmupKind.LEGW ? ScalingRule.SQRT : c.lrScaling();
    return rule.scale(c.baseLr(), c.globalBatch(), c.baseBatch());
  }

  /** Warmup length in iterations (LEGW: m0·kn/B0 epochs). */
  public static long warmupSteps(TrainConfig c, int stepsPerEpoch) {
    double epochs = switch (c.warmup()) {
      case NONE -> 0;
      case CONSTANT, GRADUAL -> c.warmupEpochs();
      case LEGW -> Legw.warmupEpochs(c.warmupEpochs(), c.globalBatch(), c.baseBatch());
    };
    return Math.round(epochs * stepsPerEpoch);
  }

  public static long totalSteps(TrainConfig c, int stepsPerEpoch) {
    return Math.max(1, Math.round(c.epochs() * stepsPerEpoch));
  }

  /** AutoWU tests for the loss minimum this many times per epoch (the paper: once; see {@link AutoWu}). */
  public static final int AUTOWU_TESTS_PER_EPOCH = 8;
  /** --autowu-max-lr 0 (auto) means this multiple of the scaling rule's peak rate. */
  public static final double AUTOWU_AUTO_MAX_LR_FACTOR = 10;

  /**
   * {@code --schedule autowu}: exponential warmup from --warmup-start-lr towards --autowu-max-lr (auto: 10× the
   * scaling rule's peak, so the search reaches well past the linear rule), capped at --autowu-max-warmup of the
   * steps, minimum confirmed by --autowu-patience tests (the paper's 3) at the paper's confidence 0.95, tested
   * {@value #AUTOWU_TESTS_PER_EPOCH} times per epoch; then --decay (cosine or poly) to zero. A new, stateful
   * schedule per call.
   */
  public static AutoWu autoWu(TrainConfig c, int stepsPerEpoch) {
    double max = autoWuMaxLr(c);
    if (!(max > c.warmupStartLr())) {
      throw new IllegalArgumentException("--warmup-start-lr " + c.warmupStartLr() + " is not below AutoWU's maximum "
          + max + " (10x the scaled peak); lower it or set --autowu-max-lr");
    }
    int testEvery = Math.max(1, (stepsPerEpoch + AUTOWU_TESTS_PER_EPOCH - 1) / AUTOWU_TESTS_PER_EPOCH);
    AutoWu.Decay decay = c.decay() == TrainConfig.DecayKind.POLY ? AutoWu.Decay.POLY : AutoWu.Decay.COSINE;
    return new AutoWu(new AutoWu.Options(c.warmupStartLr(), max, c.autoWuMaxWarmup(), decay, c.decayPower(),
        AutoWu.Options.PAPER_CONFIDENCE, c.autoWuPatience(), testEvery), totalSteps(c, stepsPerEpoch));
  }

  /** The highest learning rate AutoWU's exponential search may reach: --autowu-max-lr, or 10× the scaled peak. */
  public static double autoWuMaxLr(TrainConfig c) {
    return c.autoWuMaxLr() > 0 ? c.autoWuMaxLr() : AUTOWU_AUTO_MAX_LR_FACTOR * peakLr(c);
  }

  /**
   * The run's peak learning rate as known before it starts, or NaN when the schedule finds it while training
   * ({@code --schedule autowu}: it is in the schedule-switch event).
   */
  public static double knownPeakLr(TrainConfig c) {
    return c.schedule() == TrainConfig.ScheduleKind.AUTOWU ? Double.NaN : peakLr(c);
  }

  public static LrSchedule schedule(TrainConfig c, int stepsPerEpoch) {
    if (c.schedule() == TrainConfig.ScheduleKind.AUTOWU) {
      return autoWu(c, stepsPerEpoch);
    }
    double peak = peakLr(c);
    long total = totalSteps(c, stepsPerEpoch);
    LrSchedule main = switch (c.decay()) {
      case NONE -> LrSchedule.constant(peak);
      case STEP -> {
        double[] epochs = c.decayEpochs();
        long[] steps = new long[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
          steps[i] = Math.round(epochs[i] * stepsPerEpoch);
        }
        yield new StepDecay(peak, steps, c.decayFactor());
      }
      case POLY -> new PolynomialDecay(peak, total, c.decayPower());
      case COSINE -> new CosineDecay(peak, total);
    };
    long warm = warmupSteps(c, stepsPerEpoch);
    return switch (c.warmup()) {
      case NONE -> main;
      case CONSTANT -> new Warmup(main, Warmup.Kind.CONSTANT, warm, c.warmupStartLr());
      case GRADUAL, LEGW -> new Warmup(main, Warmup.Kind.GRADUAL, warm, c.warmupStartLr());
    };
  }
}
