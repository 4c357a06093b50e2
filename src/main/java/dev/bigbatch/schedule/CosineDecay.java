package dev.bigbatch.schedule;

/**
 * η·(1 + cos(π·step/T))/2, 0 for step ≥ T. Step 0 is the first step of the decay: after a warmup of M steps the
 * recipe runs it over the T = total − M iterations after it ({@link LrSchedule#from}).
 */
public record CosineDecay(double peakLr, long totalSteps) implements LrSchedule {
  public CosineDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    if (totalSteps <= 0) {
      throw new IllegalArgumentException("total steps must be positive, got " + totalSteps);
    }
  }

  @Override
  public double lrAt(long step) {
    double t = Math.min(step, totalSteps) / (double) totalSteps;
    return peakLr * 0.5 * (1 + Math.cos(Math.PI * t));
  }
}
