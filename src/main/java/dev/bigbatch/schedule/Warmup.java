package dev.bigbatch.schedule;

/**
 * Wraps a main schedule for its first {@code warmupSteps} iterations (Goyal §2.2). The main schedule
 * keeps its own absolute time axis, so decay milestones count from step 0, warmup included.
 *
 * <ul>
 *   <li>{@code CONSTANT}: η = startLr for step &lt; m, then the main schedule (a jump).
 *   <li>{@code GRADUAL}: η ramps linearly <em>per iteration</em> from startLr at step 0 to the main
 *       schedule's value at step m, adding a constant each iteration.
 * </ul>
 */
public record Warmup(LrSchedule main, Kind kind, long warmupSteps, double startLr) implements LrSchedule {
  public enum Kind { CONSTANT, GRADUAL }

  public Warmup {
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    }
    LrSchedule.requirePositive(startLr, "warmup start learning rate");
  }

  @Override
  public double lrAt(long step) {
    if (step >= warmupSteps) {
      return main.lrAt(step);
    }
    return switch (kind) {
      case CONSTANT -> startLr;
      case GRADUAL -> {
        double target = main.lrAt(warmupSteps);
        yield startLr + (target - startLr) * step / warmupSteps;
      }
    };
  }
}
