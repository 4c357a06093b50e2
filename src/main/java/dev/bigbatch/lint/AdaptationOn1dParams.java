package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.OptimizerSpec;
import java.util.Optional;

/**
 * LARS/LAMB layer-wise trust ratios on biases and BN γ/β. The LARS line of work excludes them: a bias'
 * norm is tiny or zero at init, so ||w||/||g|| gives it a vanishing (or, with ||w|| = 0, a fallback of 1)
 * learning rate unrelated to its layer. In bigbatch the same flag that decays 1-D parameters also
 * adapts them ({@code --decay-bias-and-norm}).
 */
public record AdaptationOn1dParams() implements Rule {
  @Override
  public String id() {
    return "layer-adaptation-on-bias-and-norm";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    JobSpec c = context.config();
    if (!c.optimizer().decayBiasAndNorm() || c.optimizer().kind() == OptimizerSpec.Kind.SGD) {
      return Optional.empty();
    }
    return Optional.of(new Warning(id(),
        c.optimizer().kind() + " trust ratios ||w||/||update|| are applied to biases and BN γ/β (--decay-bias-and-norm); "
            + "their norms are tiny or 0, so their step size follows the ratio, not the schedule (solo-learn#301)",
        "drop --decay-bias-and-norm (1-D parameters then get the plain update with λ=0)"));
  }
}
