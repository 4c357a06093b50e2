package dev.bigbatch.schedule;

/**
 * Wraps a main schedule for its first {@code warmupSteps} iterations M (Goyal et al. 2017, §2.2). The main
 * schedule starts at {@code peakLr} (the scaled peak kη) and keeps its own step axis: a progress-based decay
 * (poly, cosine) is built to start after the warmup ({@link LrSchedule#from}), Goyal's step decay counts its
 * milestones from step 0, warmup included.
 *
 * <ul>
 *   <li>{@code GRADUAL} — Goyal §2.2: "we start from a learning rate of η and increment it by a constant amount
 *       at each iteration such that it reaches η̂ = kη after 5 epochs". Iteration t &lt; M runs at
 *       start + (peak − start)·t/(M − 1): {@code startLr} at t = 0, {@code peakLr} exactly at the last warmup
 *       iteration t = M − 1, a constant increment in between. With M = 1 the only warmup iteration runs at
 *       {@code startLr} (there is no room for a ramp; the peak comes at the next step).
 *   <li>{@code CONSTANT} — Goyal §2.2: "a low constant learning rate for the first few epochs of training":
 *       η = {@code startLr} for t &lt; M, then the main schedule (a jump to kη).
 * </ul>
 *
 * <p>A warmup only ramps up. When {@code startLr} ≥ {@code peakLr} (kn ≤ B0 with the default start η, i.e.
 * k ≤ 1 in Goyal's terms; or no scaling) there is nothing to warm up to: every step runs at the main
 * schedule's rate, so the warmup iterations hold the peak (the lint rule {@code warmup-without-ramp} says so).
 */
public record Warmup(LrSchedule main, Kind kind, long warmupSteps, double startLr, double peakLr) implements LrSchedule {
  public enum Kind { CONSTANT, GRADUAL }

  public Warmup {
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    }
    LrSchedule.requirePositive(startLr, "warmup start learning rate");
    LrSchedule.requirePositive(peakLr, "peak learning rate");
  }

  /** True when the warmup changes the rate at all: it starts below the peak (k &gt; 1 in Goyal's terms). */
  public boolean ramps() {
    return startLr < peakLr;
  }

  @Override
  public double lrAt(long step) {
    if (step >= warmupSteps || !ramps()) {
      return main.lrAt(step);
    }
    return switch (kind) {
      case CONSTANT -> startLr;
      case GRADUAL -> warmupSteps == 1 ? startLr : startLr + (peakLr - startLr) * step / (warmupSteps - 1);
    };
  }
}
