package dev.bigbatch.train;

import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.CosineDecay;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.PolynomialDecay;
import dev.bigbatch.schedule.StepDecay;
import dev.bigbatch.schedule.Warmup;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.util.Locale;

/**
 * Turns a config into the learning-rate schedule of the large-batch recipe (Goyal et al. 2017 §2.1–2.2, LEGW,
 * LARS). Epoch quantities become steps here, once, using the real steps per epoch S:
 *
 * <ul>
 *   <li>Peak kη = rule(η0, kn, B0) ({@link #peakLr}; the sqrt rule under LEGW).
 *   <li>Warmup of M = round(m·S) iterations ({@link #warmupSteps}; LEGW: m = m0·kn/B0) from the start rate
 *       ({@link LrSpec#warmupStartLr}: the base rate η unless --warmup-start-lr says otherwise) up to kη, which the
 *       gradual ramp reaches exactly at its last iteration ({@link Warmup}). It only ramps up: at kn ≤ B0 (k ≤ 1)
 *       the warmup iterations hold the peak. A warmup that would ramp but rounds to zero iterations is an error.
 *   <li>Decay: cosine and poly run over the T − M iterations after the warmup (the LARS paper's polynomial decay
 *       follows the warmup); Goyal's step decay stays on absolute epochs (milestones round(e·S), warmup included).
 * </ul>
 */
public final class Recipe {
  private Recipe() {}

  /** Peak learning rate η = rule(η0, kn, B0) at the run's global batch; LEGW uses the sqrt rule ({@link LrSpec#peak}). */
  public static double peakLr(JobSpec c) {
    return c.lr().peak(c.batch().global());
  }

  /**
   * Warmup length in epochs m at the run's global batch (LEGW: m0·kn/B0; none and AutoWU: 0;
   * {@link LrSpec#effectiveWarmupEpochs}).
   */
  public static double warmupEpochs(JobSpec c) {
    return c.lr().effectiveWarmupEpochs(c.batch().global());
  }

  /** Warmup length in iterations M = round(m·S) (LEGW: m = m0·kn/B0 epochs). */
  public static long warmupSteps(JobSpec c, int stepsPerEpoch) {
    return Math.round(warmupEpochs(c) * stepsPerEpoch);
  }

  /**
   * True when the warmup changes the rate: it starts below the peak (kn &gt; B0 with the default start);
   * {@link LrSpec#warmupRamps}.
   */
  public static boolean warmupRamps(JobSpec c) {
    return c.lr().warmupRamps(c.batch().global());
  }

  public static long totalSteps(JobSpec c, int stepsPerEpoch) {
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
  public static AutoWu autoWu(JobSpec c, int stepsPerEpoch) {
    double max = autoWuMaxLr(c);
    if (!(max > c.lr().warmupStartLr())) {
      throw new IllegalArgumentException("--warmup-start-lr " + c.lr().warmupStartLr() + " is not below AutoWU's maximum "
          + max + " (10x the scaled peak); lower it or set --autowu-max-lr");
    }
    int testEvery = Math.max(1, (stepsPerEpoch + AUTOWU_TESTS_PER_EPOCH - 1) / AUTOWU_TESTS_PER_EPOCH);
    AutoWu.Decay decay = c.lr().decay() == LrSpec.Decay.POLY ? AutoWu.Decay.POLY : AutoWu.Decay.COSINE;
    LrSpec lr = c.lr();
    return new AutoWu(new AutoWu.Options(lr.warmupStartLr(), max, lr.autoWuMaxWarmup(), decay, lr.decayPower(),
        AutoWu.Options.PAPER_CONFIDENCE, lr.autoWuPatience(), testEvery), totalSteps(c, stepsPerEpoch));
  }

  /** The highest learning rate AutoWU's exponential search may reach: --autowu-max-lr, or 10× the scaled peak. */
  public static double autoWuMaxLr(JobSpec c) {
    return c.lr().autoWuMaxLr() > 0 ? c.lr().autoWuMaxLr() : AUTOWU_AUTO_MAX_LR_FACTOR * peakLr(c);
  }

  /**
   * The run's peak learning rate as known before it starts, or NaN when the schedule finds it while training
   * ({@code --schedule autowu}: it is in the schedule-switch event).
   */
  public static double knownPeakLr(JobSpec c) {
    return c.lr().schedule() == LrSpec.Schedule.AUTOWU ? Double.NaN : peakLr(c);
  }

  /**
   * The step → lr schedule (see the class comment); a new, stateful {@link AutoWu} under {@code --schedule autowu}.
   *
   * @throws IllegalArgumentException when a warmup that would ramp rounds to zero iterations at this batch
   */
  public static LrSchedule schedule(JobSpec c, int stepsPerEpoch) {
    if (c.lr().schedule() == LrSpec.Schedule.AUTOWU) {
      return autoWu(c, stepsPerEpoch);
    }
    double peak = peakLr(c);
    long total = totalSteps(c, stepsPerEpoch);
    long warm = warmupSteps(c, stepsPerEpoch);
    if (warm == 0 && warmupRamps(c)) {
      double iterations = warmupEpochs(c) * stepsPerEpoch;
      double oneStep = c.lr().warmup() == LrSpec.Warmup.LEGW
          ? c.lr().baseBatch() / (double) c.batch().global() / stepsPerEpoch : 1.0 / stepsPerEpoch;
      throw new IllegalArgumentException(String.format(Locale.ROOT, "warmup of %.4g epochs is %.3g iterations at %d "
          + "steps/epoch (kn=%d): it rounds to no warmup at all; lengthen --warmup-epochs to at least %.4g (one "
          + "iteration) or say --warmup none", warmupEpochs(c), iterations, stepsPerEpoch, c.batch().global(), oneStep));
    }
    long decaySteps = Math.max(1, total - warm);
    LrSchedule main = switch (c.lr().decay()) {
      case NONE -> LrSchedule.constant(peak);
      case STEP -> {
        double[] epochs = c.lr().decayEpochs();
        long[] steps = new long[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
          steps[i] = Math.round(epochs[i] * stepsPerEpoch);
        }
        yield new StepDecay(peak, steps, c.lr().decayFactor());
      }
      case POLY -> new PolynomialDecay(peak, decaySteps, c.lr().decayPower()).from(warm);
      case COSINE -> new CosineDecay(peak, decaySteps).from(warm);
    };
    return switch (c.lr().warmup()) {
      case NONE -> main;
      case CONSTANT -> new Warmup(main, Warmup.Kind.CONSTANT, warm, c.lr().warmupStartLr(), peak);
      case GRADUAL, LEGW -> new Warmup(main, Warmup.Kind.GRADUAL, warm, c.lr().warmupStartLr(), peak);
    };
  }
}
