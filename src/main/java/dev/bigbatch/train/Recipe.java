package dev.bigbatch.train;

import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.CosineDecay;
import dev.bigbatch.schedule.LrCurve;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.PolynomialDecay;
import dev.bigbatch.schedule.StepDecay;
import dev.bigbatch.schedule.Warmup;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.util.Locale;

/**
 * The one owner of the learning-rate schedule of the large-batch recipe (Goyal et al. 2017 §2.1–2.2, LEGW, LARS), for
 * both step plans: from the {@link LrSpec}, the epochs and the data, one builder ({@code curve}) places the recipe on the plan's
 * axis as one {@link LrCurve} (the {@code schedule} package's warmup and decays, the only implementation of them).
 *
 * <ul>
 *   <li>Fixed batch ({@link FixedBatchPlan}, {@link #schedule}): the axis counts steps, x = t (progress p = t/S
 *       epochs, times S), and epoch quantities become whole steps here, once, using the real steps per epoch S.
 *   <li>{@code --batch auto} ({@code autopilot.AutoBatchPlan}, {@link #overProgress}): the axis is progress p in
 *       epochs, lengths stay the configured epochs (a batch that changes has no whole number of steps per epoch),
 *       one step of the current kn covers kn/N epochs, and the curve is the current kn's: changing kn changes only
 *       the scaling-rule peak, never the warmup/decay position.
 * </ul>
 *
 * On whole steps at a fixed batch the two agree up to float rounding (the fixed axis rounds lengths to whole steps;
 * where they are whole, p·S = t and the formulas below are the same). The recipe:
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
   * The fixed-batch run's peak learning rate as known before it starts, or NaN when the schedule finds it while
   * training ({@code --schedule autowu}: it is in the schedule-switch event). Listeners read it from the plan
   * ({@link StepPlan#rates}), which knows the batch.
   */
  public static double knownPeakLr(JobSpec c) {
    return c.lr().schedule() == LrSpec.Schedule.AUTOWU ? Double.NaN : peakLr(c);
  }

  /**
   * The step → lr schedule of a fixed batch (see the class comment); a new, stateful {@link AutoWu} under
   * {@code --schedule autowu}.
   *
   * @throws IllegalArgumentException when a warmup that would ramp rounds to zero iterations at this batch
   */
  public static LrSchedule schedule(JobSpec c, int stepsPerEpoch) {
    if (c.lr().schedule() == LrSpec.Schedule.AUTOWU) {
      return autoWu(c, stepsPerEpoch);
    }
    long warm = warmupSteps(c, stepsPerEpoch);
    if (warm == 0 && warmupRamps(c)) {
      double iterations = warmupEpochs(c) * stepsPerEpoch;
      double oneStep = c.lr().warmup() == LrSpec.Warmup.LEGW
          ? c.lr().baseBatch() / (double) c.batch().global() / stepsPerEpoch : 1.0 / stepsPerEpoch;
      throw new IllegalArgumentException(String.format(Locale.ROOT, "warmup of %.4g epochs is %.3g iterations at %d "
          + "steps/epoch (kn=%d): it rounds to no warmup at all; lengthen --warmup-epochs to at least %.4g (one "
          + "iteration) or say --warmup none", warmupEpochs(c), iterations, stepsPerEpoch, c.batch().global(), oneStep));
    }
    return curve(c.lr(), c.batch().global(), Axis.steps(stepsPerEpoch, totalSteps(c, stepsPerEpoch)));
  }

  /**
   * The learning rate of {@code --batch auto}: a function of (progress p in epochs, current global batch kn), the
   * recipe's curve at kn on the epoch axis (see the class comment). {@code --schedule autowu} and LEGW are refused
   * with {@code --batch auto} by {@link JobSpec}.
   *
   * @param examplesPerEpoch N, the training examples (the epochs one step covers, kn/N, place the warmup's last step)
   */
  public static OverProgress overProgress(JobSpec c, int examplesPerEpoch) {
    return new OverProgress(c.lr(), c.epochs(), examplesPerEpoch);
  }

  /**
   * {@link #overProgress}: lr(p, kn) = the recipe's curve at kn on the epoch axis, at p. The peak follows kn by the rule;
   * the warmup ramps from its start to the current kn's peak, reached at the warmup's last step, which starts at
   * m − kn/N (Goyal §2.2 on the epoch axis); cosine and poly decay over the epochs after the warmup, step decay at
   * absolute epochs. Within a stretch of constant kn the rate is continuous after the warmup (apart from the decay's
   * own jumps), and changing kn at p multiplies it by exactly peak(kn')/peak(kn) after the warmup.
   *
   * @param examplesPerEpoch N
   */
  public record OverProgress(LrSpec lr, double epochs, int examplesPerEpoch) {
    public OverProgress {
      LrSchedule.requirePositive(examplesPerEpoch, "examples per epoch");
      if (lr.warmup() == LrSpec.Warmup.LEGW) {
        throw new IllegalArgumentException("--warmup legw has no --batch auto schedule (JobSpec refuses the "
            + "combination)");
      }
    }

    /** The peak rate the scaling rule gives the global batch {@code globalBatch}. */
    public double peakLr(long globalBatch) {
      return lr.peak(globalBatch);
    }

    /** The learning rate of a step that starts at {@code progressEpochs} with global batch {@code globalBatch}. */
    public double lrAt(double progressEpochs, long globalBatch) {
      if (!(progressEpochs >= 0)) {
        throw new IllegalArgumentException("progress must be >= 0 epochs, got " + progressEpochs);
      }
      return curve(lr, globalBatch, Axis.epochs(globalBatch / (double) examplesPerEpoch, epochs)).lrAt(progressEpochs);
    }
  }

  /**
   * How a plan lays the recipe's epochs on its axis.
   *
   * @param perEpoch axis units per epoch (steps per epoch S, or 1 on the epoch axis)
   * @param wholeSteps lengths rounded to whole steps (a fixed batch), else kept as configured
   * @param stepLength the axis length of one step at the curve's batch (1, or kn/N epochs)
   * @param total the run's length on the axis
   */
  private record Axis(double perEpoch, boolean wholeSteps, double stepLength, double total) {
    static Axis steps(int stepsPerEpoch, long totalSteps) {
      return new Axis(stepsPerEpoch, true, 1, totalSteps);
    }

    static Axis epochs(double epochsPerStep, double epochs) {
      return new Axis(1, false, epochsPerStep, epochs);
    }

    /** {@code epochs} on this axis: round(e·S) whole steps, or e itself. */
    double length(double epochs) {
      return wholeSteps ? Math.round(epochs * perEpoch) : epochs;
    }

    /** What is left after the warmup for cosine/poly: at least one step, or positive on the epoch axis. */
    double decaySpan(double warm) {
      if (wholeSteps) {
        return Math.max(1, total - warm);
      }
      LrSchedule.requirePositive(total - warm, "epochs of decay after the warmup");
      return total - warm;
    }
  }

  /** The recipe's rate at global batch kn on {@code axis}: warmup around a decay, all from {@link LrSpec}. */
  private static LrCurve curve(LrSpec lr, long globalBatch, Axis axis) {
    double peak = lr.peak(globalBatch);
    double warm = axis.length(lr.effectiveWarmupEpochs(globalBatch));
    LrCurve main = switch (lr.decay()) {
      case NONE -> LrSchedule.constant(peak);
      case STEP -> {
        double[] epochs = lr.decayEpochs();
        double[] at = new double[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
          at[i] = axis.length(epochs[i]);
        }
        yield new StepDecay(peak, at, lr.decayFactor());
      }
      case POLY -> new PolynomialDecay(peak, axis.decaySpan(warm), lr.decayPower()).from(warm);
      case COSINE -> new CosineDecay(peak, axis.decaySpan(warm)).from(warm);
    };
    return switch (lr.warmup()) {
      case NONE -> main;
      case CONSTANT -> new Warmup(main, Warmup.Kind.CONSTANT, warm, axis.stepLength(), lr.warmupStartLr(), peak);
      case GRADUAL, LEGW -> new Warmup(main, Warmup.Kind.GRADUAL, warm, axis.stepLength(), lr.warmupStartLr(), peak);
    };
  }
}
