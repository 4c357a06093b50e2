package dev.bigbatch.schedule;

/**
 * Wraps a main curve for its first {@code warmupSteps} M (Goyal et al. 2017, §2.2). The main curve starts at
 * {@code peakLr} (the scaled peak kη) and keeps its own axis: a progress-based decay (poly, cosine) is built to start
 * after the warmup ({@link LrCurve#from}), Goyal's step decay counts its milestones from 0, warmup included.
 *
 * <p>The axis is the caller's ({@link LrCurve}): whole steps for a fixed batch ({@code stepLength} = 1), epochs for
 * the autopilot's variable batch ({@code stepLength} = kn/N, the epochs one step of the current batch covers). The
 * warmup's last step starts at L = M − {@code stepLength}.
 *
 * <ul>
 *   <li>{@code GRADUAL} — Goyal §2.2: "we start from a learning rate of η and increment it by a constant amount
 *       at each iteration such that it reaches η̂ = kη after 5 epochs". Position x &lt; M runs at
 *       start + (peak − start)·min(x, L)/L: {@code startLr} at x = 0, {@code peakLr} at the last warmup step; on
 *       whole steps, iteration t &lt; M runs at start + (peak − start)·t/(M − 1), a constant increment. With L ≤ 0
 *       (a one-step warmup) the only warmup step runs at {@code startLr} (there is no room for a ramp; the peak
 *       comes at the next step).
 *   <li>{@code CONSTANT} — Goyal §2.2: "a low constant learning rate for the first few epochs of training":
 *       η = {@code startLr} for x &lt; M, then the main curve (a jump to kη).
 * </ul>
 *
 * <p>A warmup only ramps up. When {@code startLr} ≥ {@code peakLr} (kn ≤ B0 with the default start η, i.e.
 * k ≤ 1 in Goyal's terms; or no scaling) there is nothing to warm up to: every position runs at the main
 * curve's rate, so the warmup holds the peak (the lint rule {@code warmup-without-ramp} says so).
 */
public record Warmup(LrCurve main, Kind kind, double warmupSteps, double stepLength, double startLr, double peakLr)
    implements LrCurve {
  public enum Kind { CONSTANT, GRADUAL }

  public Warmup {
    if (!(warmupSteps >= 0) || Double.isInfinite(warmupSteps)) {
      throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    }
    LrSchedule.requirePositive(stepLength, "step length");
    LrSchedule.requirePositive(startLr, "warmup start learning rate");
    LrSchedule.requirePositive(peakLr, "peak learning rate");
  }

  /** A warmup of {@code warmupSteps} whole steps (the axis counts steps). */
  public Warmup(LrCurve main, Kind kind, long warmupSteps, double startLr, double peakLr) {
    this(main, kind, warmupSteps, 1, startLr, peakLr);
  }

  /** True when the warmup changes the rate at all: it starts below the peak (k &gt; 1 in Goyal's terms). */
  public boolean ramps() {
    return startLr < peakLr;
  }

  @Override
  public double lrAt(double x) {
    if (x >= warmupSteps || !ramps()) {
      return main.lrAt(x);
    }
    return switch (kind) {
      case CONSTANT -> startLr;
      case GRADUAL -> {
        double lastStepStart = warmupSteps - stepLength;
        yield lastStepStart <= 0 ? startLr : startLr + (peakLr - startLr) * Math.min(x, lastStepStart) / lastStepStart;
      }
    };
  }
}
