package dev.bigbatch.schedule;

/**
 * η·(1 − step/T)^p, clamped at 0 for step ≥ T (the LARS paper uses p = 2). Step 0 is the first step of the decay:
 * after a warmup of M steps the recipe runs it over the T = total − M iterations after it ({@link LrSchedule#from}).
 */
public record PolynomialDecay(double peakLr, long totalSteps, double power) implements LrSchedule {
  public PolynomialDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    if (totalSteps <= 0) {
      throw new IllegalArgumentException("total steps must be positive, got " + totalSteps);
    }
    LrSchedule.requirePositive(power, "polynomial power");
  }

  @Override
  public double lrAt(long step) {
    double remaining = 1.0 - Math.min(step, totalSteps) / (double) totalSteps;
    return peakLr * Math.pow(remaining, power);
  }
}
