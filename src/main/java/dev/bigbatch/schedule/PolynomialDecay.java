package dev.bigbatch.schedule;

/**
 * η·(1 − x/T)^p, clamped at 0 for x ≥ T (the LARS paper uses p = 2). Position 0 is the first of the decay: after a
 * warmup of length M the recipe runs it over the T = total − M after it ({@link LrCurve#from}). T in the caller's
 * unit (steps or epochs).
 */
public record PolynomialDecay(double peakLr, double totalSteps, double power) implements LrCurve {
  public PolynomialDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    if (!(totalSteps > 0) || Double.isInfinite(totalSteps)) {
      throw new IllegalArgumentException("total steps must be positive, got " + totalSteps);
    }
    LrSchedule.requirePositive(power, "polynomial power");
  }

  @Override
  public double lrAt(double x) {
    double remaining = 1.0 - Math.min(x, totalSteps) / totalSteps;
    return peakLr * Math.pow(remaining, power);
  }
}
