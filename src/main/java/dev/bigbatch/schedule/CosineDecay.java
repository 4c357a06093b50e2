package dev.bigbatch.schedule;

/**
 * η·(1 + cos(π·x/T))/2, 0 for x ≥ T. Position 0 is the first of the decay: after a warmup of length M the recipe
 * runs it over the T = total − M after it ({@link LrCurve#from}). T in the caller's unit (steps or epochs).
 */
public record CosineDecay(double peakLr, double totalSteps) implements LrCurve {
  public CosineDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    if (!(totalSteps > 0) || Double.isInfinite(totalSteps)) {
      throw new IllegalArgumentException("total steps must be positive, got " + totalSteps);
    }
  }

  @Override
  public double lrAt(double x) {
    double t = Math.min(x, totalSteps) / totalSteps;
    return peakLr * 0.5 * (1 + Math.cos(Math.PI * t));
  }
}
