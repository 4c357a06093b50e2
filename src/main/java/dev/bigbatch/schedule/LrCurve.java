package dev.bigbatch.schedule;

/**
 * A learning rate as a pure function of the training position x on a continuous axis: the one form of the recipe's
 * warmups and decays ({@link Warmup}, {@link CosineDecay}, {@link PolynomialDecay}, {@link StepDecay}), shared by
 * both step plans. The unit of x and of the lengths is the caller's: a fixed batch counts steps (x = t, lengths whole
 * steps), the autopilot's variable batch counts epochs (lengths as configured; a step of kn covers kn/N of them).
 * As an {@link LrSchedule}, step t is x = t; with whole-number lengths that is exactly the arithmetic of a schedule
 * written on integer steps (every integer below 2^53 is a double).
 */
@FunctionalInterface
public interface LrCurve extends LrSchedule {
  /** The rate at position x &ge; 0. */
  double lrAt(double x);

  @Override
  default double lrAt(long step) {
    return lrAt((double) step);
  }

  /**
   * This curve started at {@code start}: x gets this curve's rate at max(0, x − start). A progress-based decay that
   * should run over the positions after a warmup of length M is {@code decay.from(M)}.
   */
  default LrCurve from(double start) {
    return start == 0 ? this : new Shifted(this, start);
  }

  /** {@code curve} started at {@code start} (see {@link LrCurve#from}). */
  record Shifted(LrCurve curve, double start) implements LrCurve {
    public Shifted {
      if (!(start >= 0) || Double.isInfinite(start)) {
        throw new IllegalArgumentException("first step must be >= 0, got " + start);
      }
    }

    @Override
    public double lrAt(double x) {
      return curve.lrAt(Math.max(0, x - start));
    }
  }
}
