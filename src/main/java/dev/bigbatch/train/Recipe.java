package dev.bigbatch.train;

import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.CosineDecay;
import dev.bigbatch.schedule.Legw;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.PolynomialDecay;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.schedule.StepDecay;
import dev.bigbatch.schedule.Warmup;
import java.util.Locale;

/**
 * Turns a config into the learning-rate schedule of the large-batch recipe (Goyal et al. 2017 §2.1–2.2, LEGW,
 * LARS). Epoch quantities become steps here, once, using the real steps per epoch S:
 *
 * <ul>
 *   <li>Peak kη = rule(η0, kn, B0) ({@link #peakLr}; the sqrt rule under LEGW).
 *   <li>Warmup of M = round(m·S) iterations ({@link #warmupSteps}; LEGW: m = m0·kn/B0) from the start rate
 *       ({@link TrainConfig#warmupStartLr}: the base rate η unless --warmup-start-lr says otherwise) up to kη, which the
 *       gradual ramp reaches exactly at its last iteration ({@link Warmup}). It only ramps up: at kn ≤ B0 (k ≤ 1)
 *       the warmup iterations hold the peak. A warmup that would ramp but rounds to zero iterations is an error.
 *   <li>Decay: cosine and poly run over the T − M iterations after the warmup (the LARS paper's polynomial decay
 *       follows the warmup); Goyal's step decay stays on absolute epochs (milestones round(e·S), warmup included).
 * </ul>
 */
public final class Recipe {
  private Recipe() {}

  /** Peak learning rate η = rule(η0, kn, B0); LEGW always uses the sqrt rule. */
  public static double peakLr(TrainConfig c) {
    ScalingRule rule = c.warmup() == TrainConfig.WarmupKind.LEGW ? ScalingRule.SQRT : c.lrScaling();
    return rule.scale(c.baseLr(), c.globalBatch(), c.baseBatch());
  }

  /** Warmup length in epochs m (LEGW: m0·kn/B0; none: 0). */
  public static double warmupEpochs(TrainConfig c) {
    return switch (c.warmup()) {
      case NONE -> 0;
      case CONSTANT, GRADUAL -> c.warmupEpochs();
      case LEGW -> Legw.warmupEpochs(c.warmupEpochs(), c.globalBatch(), c.baseBatch());
    };
  }

  /** Warmup length in iterations M = round(m·S) (LEGW: m = m0·kn/B0 epochs). */
  public static long warmupSteps(TrainConfig c, int stepsPerEpoch) {
    return Math.round(warmupEpochs(c) * stepsPerEpoch);
  }

  /** True when the warmup changes the rate: it starts below the peak (kn &gt; B0 with the default start). */
  public static boolean warmupRamps(TrainConfig c) {
    return c.warmup() != TrainConfig.WarmupKind.NONE && c.warmupEpochs() > 0 && c.warmupStartLr() < peakLr(c);
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

  /**
   * The step → lr schedule (see the class comment); a new, stateful {@link AutoWu} under {@code --schedule autowu}.
   *
   * @throws IllegalArgumentException when a warmup that would ramp rounds to zero iterations at this batch
   */
  public static LrSchedule schedule(TrainConfig c, int stepsPerEpoch) {
    if (c.schedule() == TrainConfig.ScheduleKind.AUTOWU) {
      return autoWu(c, stepsPerEpoch);
    }
    double peak = peakLr(c);
    long total = totalSteps(c, stepsPerEpoch);
    long warm = warmupSteps(c, stepsPerEpoch);
    if (warm == 0 && warmupRamps(c)) {
      double iterations = warmupEpochs(c) * stepsPerEpoch;
      double oneStep = c.warmup() == TrainConfig.WarmupKind.LEGW ? c.baseBatch() / (double) c.globalBatch() / stepsPerEpoch
          : 1.0 / stepsPerEpoch;
      throw new IllegalArgumentException(String.format(Locale.ROOT, "warmup of %.4g epochs is %.3g iterations at %d "
          + "steps/epoch (kn=%d): it rounds to no warmup at all; lengthen --warmup-epochs to at least %.4g (one "
          + "iteration) or say --warmup none", warmupEpochs(c), iterations, stepsPerEpoch, c.globalBatch(), oneStep));
    }
    long decaySteps = Math.max(1, total - warm);
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
      case POLY -> new PolynomialDecay(peak, decaySteps, c.decayPower()).from(warm);
      case COSINE -> new CosineDecay(peak, decaySteps).from(warm);
    };
    return switch (c.warmup()) {
      case NONE -> main;
      case CONSTANT -> new Warmup(main, Warmup.Kind.CONSTANT, warm, c.warmupStartLr(), peak);
      case GRADUAL, LEGW -> new Warmup(main, Warmup.Kind.GRADUAL, warm, c.warmupStartLr(), peak);
    };
  }
}
