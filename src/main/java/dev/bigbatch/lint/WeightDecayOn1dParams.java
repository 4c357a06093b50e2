package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * Weight decay on biases and BN γ/β ({@code --decay-bias-and-norm} with λ &gt; 0). Goyal et al. apply
 * λ = 1e-4 to weights only; decaying γ/β and biases pulls the normalisation's scale and shift towards
 * 0, which hurts most at the large learning rates of big batches (solo-learn#301).
 */
public record WeightDecayOn1dParams() implements Rule {
  @Override
  public String id() {
    return "weight-decay-on-bias-and-norm";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    JobSpec c = context.config();
    if (!c.optimizer().decayBiasAndNorm() || c.optimizer().weightDecay() == 0) {
      return Optional.empty();
    }
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "weight decay λ=%s is applied to biases and BN γ/β (--decay-bias-and-norm); Goyal et al. decay weights only, "
            + "and decayed γ/β shrink the normalisation at large learning rates", Warmups.num(c.optimizer().weightDecay())),
        "drop --decay-bias-and-norm (1-D parameters then get λ=0)"));
  }
}
