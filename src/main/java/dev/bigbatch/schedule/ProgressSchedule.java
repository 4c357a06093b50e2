package dev.bigbatch.schedule;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A learning rate as a pure function of training progress p (in epochs, fractional) and the global
 * batch kn of the step, for runs whose batch changes (the noise-scale autopilot). With a fixed batch
 * it is the step recipe ({@link Warmup} around a decay) with step counts replaced by epochs; when kn changes,
 * only the scaling-rule factor changes and the warmup/decay position stays where the data says it is:
 *
 * <pre>
 *   peak(kn) = rule(η0, kn, B0)             (linear: η0·kn/B0, sqrt: η0·sqrt(kn/B0), none: η0)
 *   main(p, kn) = peak(kn) · decay(p)       (decay = 1 up to the warmup's end m, then: cosine (1 + cos(π·u))/2,
 *                                             poly (1 − u)^q with u = (p − m)/(E − m), i.e. over the epochs after
 *                                             the warmup; step factor^#{milestones ≤ p} on absolute epochs; none 1)
 *   δ(kn) = kn/N                            (the epochs one step of kn covers, N examples per epoch)
 *   lr(p, kn) = main(p, kn)                 for p ≥ m, no warmup, or start ≥ peak(kn) (nothing to ramp: kn ≤ B0)
 *   lr(p, kn) = start                       for p &lt; m, constant warmup
 *   lr(p, kn) = start + (peak(kn) − start) · min(1, p/(m − δ))
 *                                           for p &lt; m, gradual warmup (start when m ≤ δ: a one-step warmup)
 * </pre>
 *
 * The steps with p &lt; m are the warmup's; the last of them starts at p ≥ m − δ, so the gradual ramp reaches
 * the scaled peak exactly at the warmup's last iteration, as in Goyal §2.2 ("we start from a learning rate of η
 * and increment it by a constant amount at each iteration such that it reaches η̂ = kη after 5 epochs"). With a
 * fixed batch, N = S·kn and m a whole number M of steps, step t (p = t/S) gets start + (peak − start)·t/(M − 1),
 * the {@link Warmup} formula. start is the base rate η0 unless --warmup-start-lr says otherwise.
 *
 * <p>Within a stretch of constant kn the rate is continuous after the warmup (apart from the jumps the decay
 * itself makes), and changing kn at progress p multiplies it by exactly peak(kn')/peak(kn) after warmup. The
 * decay therefore never jumps when the batch does: steps would (a step at a larger batch covers more of the
 * epoch), epochs do not.
 */
public final class ProgressSchedule {
  private final ScalingRule rule;
  private final double baseLr;
  private final int baseBatch;
  private final Warmup.Kind warmup;
  private final double warmupEpochs;
  private final double warmupStartLr;
  private final DoubleUnaryOperator decay;
  private final int examplesPerEpoch;

  /**
   * @param warmup null for no warmup
   * @param decay factor of the peak rate as a function of progress in epochs, 1 at 0 (see the factories)
   * @param examplesPerEpoch N, the training examples (a step of kn covers kn/N epochs)
   */
  public ProgressSchedule(ScalingRule rule, double baseLr, int baseBatch, Warmup.Kind warmup, double warmupEpochs,
      double warmupStartLr, DoubleUnaryOperator decay, int examplesPerEpoch) {
    LrSchedule.requirePositive(baseLr, "base learning rate");
    LrSchedule.requirePositive(baseBatch, "base batch");
    LrSchedule.requirePositive(examplesPerEpoch, "examples per epoch");
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
    this.examplesPerEpoch = examplesPerEpoch;
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
    if (warmup == null || progressEpochs >= warmupEpochs || !(warmupStartLr < peak)) {
      return peak * decay.applyAsDouble(progressEpochs);
    }
    return switch (warmup) {
      case CONSTANT -> warmupStartLr;
      case GRADUAL -> {
        double lastStepStart = warmupEpochs - globalBatch / (double) examplesPerEpoch;
        yield lastStepStart <= 0 ? warmupStartLr
            : warmupStartLr + (peak - warmupStartLr) * Math.min(1, progressEpochs / lastStepStart);
      }
    };
  }

  public static DoubleUnaryOperator noDecay() {
    return p -> 1;
  }

  /** 1 up to {@code startEpochs}, then (1 + cos(π·u))/2 with u = min(p − s, E − s)/(E − s): over the epochs after a warmup. */
  public static DoubleUnaryOperator cosine(double startEpochs, double totalEpochs) {
    double span = decaySpan(startEpochs, totalEpochs);
    return p -> 0.5 * (1 + Math.cos(Math.PI * Math.min(Math.max(0, p - startEpochs), span) / span));
  }

  /** 1 up to {@code startEpochs}, then (1 − u)^power with u = min(p − s, E − s)/(E − s): over the epochs after a warmup. */
  public static DoubleUnaryOperator polynomial(double startEpochs, double totalEpochs, double power) {
    double span = decaySpan(startEpochs, totalEpochs);
    LrSchedule.requirePositive(power, "polynomial power");
    return p -> Math.pow(1 - Math.min(Math.max(0, p - startEpochs), span) / span, power);
  }

  private static double decaySpan(double startEpochs, double totalEpochs) {
    if (!(startEpochs >= 0)) {
      throw new IllegalArgumentException("decay start must be >= 0 epochs, got " + startEpochs);
    }
    LrSchedule.requirePositive(totalEpochs - startEpochs, "epochs of decay after the warmup");
    return totalEpochs - startEpochs;
  }

  /** factor^(number of milestones ≤ p); milestones in epochs, ascending, counted from the start (Goyal's step decay). */
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
