package dev.bigbatch.schedule;

/** A learning rate as a pure function of the 0-based global iteration. */
@FunctionalInterface
public interface LrSchedule {
  double lrAt(long step);

  /**
   * This schedule started at {@code firstStep}: step t gets this schedule's rate at max(0, t − firstStep). A
   * progress-based decay that should run over the iterations after a warmup of M steps is {@code decay.from(M)}.
   */
  default LrSchedule from(long firstStep) {
    return firstStep == 0 ? this : new Shifted(this, firstStep);
  }

  static LrSchedule constant(double lr) {
    requirePositive(lr, "learning rate");
    return step -> lr;
  }

  static void requirePositive(double v, String what) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a positive finite number, got " + v);
    }
  }

  /** {@code schedule} started at {@code firstStep} (see {@link LrSchedule#from}). */
  record Shifted(LrSchedule schedule, long firstStep) implements LrSchedule {
    public Shifted {
      if (firstStep < 0) {
        throw new IllegalArgumentException("first step must be >= 0, got " + firstStep);
      }
    }

    @Override
    public double lrAt(long step) {
      return schedule.lrAt(Math.max(0, step - firstStep));
    }
  }
}
