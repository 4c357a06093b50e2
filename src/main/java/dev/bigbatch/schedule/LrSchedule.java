package dev.bigbatch.schedule;

/** A learning rate as a pure function of the 0-based global iteration. */
@FunctionalInterface
public interface LrSchedule {
  double lrAt(long step);

  static LrSchedule constant(double lr) {
    requirePositive(lr, "learning rate");
    return step -> lr;
  }

  static void requirePositive(double v, String what) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a positive finite number, got " + v);
    }
  }
}
