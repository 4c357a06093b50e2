package dev.bigbatch.schedule;

/**
 * A learning rate as a pure function of the 0-based global iteration. The recipe's warmups and decays are
 * {@link LrCurve}s (defined between whole steps too, for the autopilot's variable batch); AutoWU is a schedule of
 * whole steps only.
 */
@FunctionalInterface
public interface LrSchedule {
  double lrAt(long step);

  static LrCurve constant(double lr) {
    requirePositive(lr, "learning rate");
    return x -> lr;
  }

  static void requirePositive(double v, String what) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a positive finite number, got " + v);
    }
  }
}
