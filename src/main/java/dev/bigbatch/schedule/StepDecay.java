package dev.bigbatch.schedule;

import java.util.Arrays;

/**
 * η·factor^(number of milestones ≤ step); milestones are global steps, sorted ascending. Goyal's decay is on
 * absolute epochs (η ÷ 10 at epochs 30, 60 and 80 of 90, counted from the start of training, warmup included), so
 * the recipe does not shift it after the warmup.
 */
public record StepDecay(double peakLr, long[] milestoneSteps, double factor) implements LrSchedule {
  public StepDecay {
    LrSchedule.requirePositive(peakLr, "peak learning rate");
    milestoneSteps = milestoneSteps.clone();
    for (int i = 1; i < milestoneSteps.length; i++) {
      if (milestoneSteps[i] < milestoneSteps[i - 1]) {
        throw new IllegalArgumentException("decay milestones must be ascending: " + Arrays.toString(milestoneSteps));
      }
    }
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("decay factor must be in (0, 1], got " + factor);
    }
  }

  @Override
  public double lrAt(long step) {
    int passed = 0;
    while (passed < milestoneSteps.length && milestoneSteps[passed] <= step) {
      passed++;
    }
    return peakLr * Math.pow(factor, passed);
  }

  @Override
  public long[] milestoneSteps() {
    return milestoneSteps.clone();
  }
}
