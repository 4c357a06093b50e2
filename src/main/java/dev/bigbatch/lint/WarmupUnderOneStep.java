package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Recipe;
import java.util.Locale;
import java.util.Optional;

/**
 * A warmup given in epochs that is shorter than one iteration at this global batch. What is checked:
 * warmup iterations m·S (S = floor(D/kn) steps per epoch, m the effective warmup epochs, LEGW's m0·kn/B0
 * included) are &gt; 0 but &lt; 1. {@link Recipe#warmupSteps} rounds that to 0 or 1 step, so there is no ramp:
 * rounded to 0, {@code train} refuses a warmup that would have ramped ({@link Recipe#schedule}); rounded to 1,
 * the one warmup step runs at the start rate and the next at the peak. Typical when a warmup tuned at a small
 * batch (0.1 epoch = 23 steps at kn=256 on 60k examples) is kept at kn=16k (3 steps per epoch).
 */
public record WarmupUnderOneStep() implements Rule {
  @Override
  public String id() {
    return "warmup-under-one-step";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    return Warmups.span(context).filter(w -> w.iterations() < 1).map(this::warning);
  }

  private Warning warning(Warmups.Span w) {
    JobSpec c = w.config();
    int spe = w.stepsPerEpoch();
    long rounded = Recipe.warmupSteps(c, spe);
    String outcome = rounded == 1 ? "it rounds to 1 step at the start rate, then the peak: no ramp"
        : Recipe.warmupRamps(c) ? "it rounds to 0 steps, and train refuses a warmup that vanishes"
        : "it rounds to 0 steps";
    return new Warning(id(), String.format(Locale.ROOT,
        "warmup of %.4g epochs is %.3g iterations at %d steps/epoch (kn=%d); %s",
        w.epochs(), w.iterations(), spe, c.batch().global(), outcome),
        String.format(Locale.ROOT, "lengthen --warmup-epochs to at least %.4g (10 iterations), or use --warmup legw",
            Warmups.baseEpochsFor(c, 10.0 / spe)) + Warmups.mustFit(c, 10.0 / spe));
  }
}
