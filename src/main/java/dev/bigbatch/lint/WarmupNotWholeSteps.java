package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Recipe;
import java.util.Locale;
import java.util.Optional;

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
    return Warmups.span(context)
        .filter(w -> w.iterations() >= 1 && Math.abs(w.iterations() - Math.rint(w.iterations())) > 1e-6)
        .map(this::warning);
  }

  private Warning warning(Warmups.Span w) {
    JobSpec c = w.config();
    long rounded = Recipe.warmupSteps(c, w.stepsPerEpoch());
    double actualEpochs = rounded / (double) w.stepsPerEpoch();
    return new Warning(id(), String.format(Locale.ROOT,
        "warmup of %.4g epochs is %.4g iterations at %d steps/epoch (kn=%d); the trainer runs %d, i.e. %.4g epochs",
        w.epochs(), w.iterations(), w.stepsPerEpoch(), c.batch().global(), rounded, actualEpochs),
        String.format(Locale.ROOT, "write the warmup you get: --warmup-epochs %.6g", Warmups.baseEpochsFor(c, actualEpochs)));
  }
}
