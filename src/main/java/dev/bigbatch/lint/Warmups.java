package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.util.Optional;
import java.util.OptionalInt;

/** Warmup arithmetic shared by the warmup rules. */
final class Warmups {
  private Warmups() {}

  /**
   * Warmup length in epochs the trainer uses (LEGW: m0·kn/B0; none: 0; {@link LrSpec#effectiveWarmupEpochs}). Under
   * {@code --schedule autowu} the warmup flags are ignored (AutoWU picks its own length), so there is no fixed warmup
   * to check: 0.
   */
  static double effectiveEpochs(JobSpec c) {
    return c.lr().effectiveWarmupEpochs(c.batch().global());
  }

  /**
   * A fixed warmup as the trainer will run it: {@code epochs} effective warmup epochs m (see
   * {@link #effectiveEpochs}) and {@code iterations} = m·S at S steps per epoch, before rounding.
   */
  record Span(JobSpec config, int stepsPerEpoch, double epochs, double iterations) {}

  /** The run's warmup span; empty without a fixed warmup or when the steps per epoch are not known. */
  static Optional<Span> span(LintContext context) {
    JobSpec c = context.config();
    OptionalInt spe = context.stepsPerEpoch();
    double epochs = effectiveEpochs(c);
    if (spe.isEmpty() || epochs == 0) {
      return Optional.empty();
    }
    return Optional.of(new Span(c, spe.getAsInt(), epochs, epochs * spe.getAsInt()));
  }

  /** The schedule finds its own warmup ({@code --schedule autowu}): the warmup rules do not apply. */
  static boolean adaptive(JobSpec c) {
    return c.lr().schedule() == LrSpec.Schedule.AUTOWU;
  }

  /** A user-given number as written: 5e-4 → "0.0005", 0.1 → "0.1", 5.0 → "5". */
  static String num(double v) {
    return new java.math.BigDecimal(String.format(java.util.Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
  }

  /** Appended to a fix that proposes a warmup of {@code epochs}: the run must be longer than its warmup. */
  static String mustFit(JobSpec c, double epochs) {
    return epochs < c.epochs() ? "" : String.format(java.util.Locale.ROOT,
        " (longer than --epochs %s: train longer too, or use a smaller global batch)", num(c.epochs()));
  }

  /** The {@code --warmup-epochs} value that gives {@code epochs} of warmup (LEGW's flag is at B0). */
  static double baseEpochsFor(JobSpec c, double epochs) {
    return c.lr().warmup() == LrSpec.Warmup.LEGW ? epochs * c.lr().baseBatch() / c.batch().global() : epochs;
  }
}
