package dev.bigbatch.lint;

import dev.bigbatch.train.Recipe;
import dev.bigbatch.train.TrainConfig;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A warmup in epochs that is not a whole number of iterations. What is checked: m·S (effective warmup
 * epochs × steps per epoch) is at least 1 and more than 1e-6 away from an integer. The trainer rounds it
 * ({@link Recipe#warmupSteps}), so the warmup actually run differs from the one written down — a silent
 * difference when comparing runs at different batch sizes, where S changes.
 */
public record WarmupNotWholeSteps() implements Rule {
  @Override
  public String id() {
    return "warmup-not-whole-steps";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    TrainConfig c = context.config();
    OptionalInt spe = context.stepsPerEpoch();
    double epochs = Warmups.effectiveEpochs(c);
    if (spe.isEmpty() || epochs == 0) {
      return Optional.empty();
    }
    double iterations = epochs * spe.getAsInt();
    if (iterations < 1 || Math.abs(iterations - Math.rint(iterations)) <= 1e-6) {
      return Optional.empty();
    }
    long rounded = Recipe.warmupSteps(c, spe.getAsInt());
    double actualEpochs = rounded / (double) spe.getAsInt();
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "warmup of %.4g epochs is %.4g iterations at %d steps/epoch (kn=%d); the trainer runs %d, i.e. %.4g epochs",
        epochs, iterations, spe.getAsInt(), c.globalBatch(), rounded, actualEpochs),
        String.format(Locale.ROOT, "write the warmup you get: --warmup-epochs %.6g", Warmups.baseEpochsFor(c, actualEpochs))));
  }
}
