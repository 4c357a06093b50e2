package dev.bigbatch.schedule;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A learning rate as a pure function of training progress p (in epochs, fractional) and the global
 * batch kn of the step, for runs whose batch changes (the noise-scale autopilot). With a fixed batch
 * it is the usual recipe with step counts replaced by epochs; when kn changes, only the scaling-rule
 * factor changes and the warmup/decay position stays where the data says it is:
 *
 * <pre>
 *   peak(kn) = rule(η0, kn, B0)                         (linear: η0·kn/B0, sqrt: η0·sqrt(kn/B0), none: η0)
 *   main(p, kn) = peak(kn) · decay(p)                   (decay(0) = 1; cosine (1 + cos(π·p/E))/2, poly (1 − p/E)^q,
 *                                                         step factor^#{milestones ≤ p}, none 1)
 *   lr(p, kn) = main(p, kn)                              for p ≥ m (or no warmup)
 *   lr(p, kn) = start                                    for p &lt; m, constant warmup
 *   lr(p, kn) = start + (main(m, kn) − start) · p / m    for p &lt; m, gradual warmup (Goyal: linear ramp)
 * </pre>
 *
 * So within a stretch of constant kn the rate is continuous (apart from the jumps the decay itself
 * makes), and changing kn at progress p multiplies it by exactly peak(kn')/peak(kn) after warmup. The
 * decay therefore never jumps when the batch does: steps would (a step at a larger batch covers more
 * of the epoch), epochs do not.
 */
public final class ProgressSchedule {
  private final ScalingRule rule;
  private final double baseLr;
  private final int baseBatch;
  private final Warmup.Kind warmup;
  private final double warmupEpochs;
  private final double warmupStartLr;
  private final DoubleUnaryOperator decay;

  /**
   * @param warmup null for no warmup
   * @param decay factor of the peak rate as a function of progress in epochs, 1 at 0 (see the factories)
   */
  public ProgressSchedule(ScalingRule rule, double baseLr, int baseBatch, Warmup.Kind warmup, double warmupEpochs,
      double warmupStartLr, DoubleUnaryOperator decay) {
    LrSchedule.requirePositive(baseLr, "base learning rate");
    LrSchedule.requirePositive(baseBatch, "base batch");
    if (warmup != null) {
      LrSchedule.requirePositive(warmupStartLr, "warmup start learning rate");
      if (!(warmupEpochs >= 0 && Double.isFinite(warmupEpochs))) {
        throw new IllegalArgumentException("warmup epochs must be >= 0, got " + warmupEpochs);
      }
    }
    this.rule = rule;
    this.baseLr = baseLr;
    this.baseBatch = baseBatch;
    this.warmup = warmupEpochs > 0 ? warmup : null;
    this.warmupEpochs = warmupEpochs;
    this.warmupStartLr = warmupStartLr;
    this.decay = decay;
  }

  /** The peak rate the scaling rule gives the global batch {@code globalBatch}. */
  public double peakLr(long globalBatch) {
    return rule.scale(baseLr, globalBatch, baseBatch);
  }

  /** The learning rate of a step that starts at {@code progressEpochs} with global batch {@code globalBatch}. */
  public double lrAt(double progressEpochs, long globalBatch) {
    if (!(progressEpochs >= 0)) {
      throw new IllegalArgumentException("progress must be >= 0 epochs, got " + progressEpochs);
    }
    double peak = peakLr(globalBatch);
    if (warmup == null || progressEpochs >= warmupEpochs) {
      return peak * decay.applyAsDouble(progressEpochs);
    }
    return switch (warmup) {
      case CONSTANT -> warmupStartLr;
      case GRADUAL -> {
        double target = peak * decay.applyAsDouble(warmupEpochs);
        yield warmupStartLr + (target - warmupStartLr) * progressEpochs / warmupEpochs;
      }
    };
  }

  public static DoubleUnaryOperator noDecay() {
    return p -> 1;
  }

  /** (1 + cos(π·min(p, E)/E))/2. */
  public static DoubleUnaryOperator cosine(double totalEpochs) {
    LrSchedule.requirePositive(totalEpochs, "total epochs");
    return p -> 0.5 * (1 + Math.cos(Math.PI * Math.min(p, totalEpochs) / totalEpochs));
  }

  /** (1 − min(p, E)/E)^power. */
  public static DoubleUnaryOperator polynomial(double totalEpochs, double power) {
    LrSchedule.requirePositive(totalEpochs, "total epochs");
    LrSchedule.requirePositive(power, "polynomial power");
    return p -> Math.pow(1 - Math.min(p, totalEpochs) / totalEpochs, power);
  }

  /** factor^(number of milestones ≤ p); milestones in epochs, ascending. */
  public static DoubleUnaryOperator step(double[] milestoneEpochs, double factor) {
    double[] m = milestoneEpochs.clone();
    for (int i = 1; i < m.length; i++) {
      if (m[i] < m[i - 1]) {
        throw new IllegalArgumentException("decay milestones must be ascending: " + Arrays.toString(m));
      }
    }
    return p -> {
      int passed = 0;
      while (passed < m.length && m[passed] <= p) {
        passed++;
      }
      return Math.pow(factor, passed);
    };
  }
}
