package dev.bigbatch.schedule;

import java.util.Arrays;

/**
 * η·factor^(number of milestones ≤ x); milestones are global positions (steps or epochs, the caller's unit), sorted
 * ascending. Goyal's decay is on absolute epochs (η ÷ 10 at epochs 30, 60 and 80 of 90, counted from the start of
 * training, warmup included), so the recipe does not shift it after the warmup.
 */
public record StepDecay(double peakLr, double[] milestoneSteps, double factor) implements LrCurve {
  public StepDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    milestoneSteps = milestoneSteps.clone();
    for (int i = 1; i < milestoneSteps.length; i++) {
      if (milestoneSteps[i] < milestoneSteps[i - 1]) {
        throw new IllegalArgumentException("decay milestones must be ascending: " + Arrays.stream(milestoneSteps)
            .mapToObj(StepDecay::format).toList());
      }
    }
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("decay factor must be in (0, 1], got " + factor);
    }
  }

  @Override
  public double lrAt(double x) {
    int passed = 0;
    while (passed < milestoneSteps.length && milestoneSteps[passed] <= x) {
      passed++;
    }
    return peakLr * Math.pow(factor, passed);
  }

  /** Whole steps as integers (420, not 420.0), as a fixed batch's milestones are. */
  private static String format(double milestone) {
    return milestone == Math.rint(milestone) && Math.abs(milestone) < 1e15 ? Long.toString((long) milestone)
        : Double.toString(milestone);
  }

  @Override
  public double[] milestoneSteps() {
    return milestoneSteps.clone();
  }
}
