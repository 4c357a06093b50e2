package dev.bigbatch.optim;

import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.spec.OptimizerSpec;
import java.util.List;

/**
 * Builds the optimizer a run asks for, so that the single-process and the distributed trainer make
 * it the same way. All three use momentum correction / bias correction as documented on each class.
 */
public final class Optimizers {
  private Optimizers() {}

  /**
   * The optimizer {@code s} describes; each reads the fields it needs. {@link OptimizerSpec#decayBiasAndNorm()}: SGD
   * decays biases and BN γ/β too; LARS/LAMB also adapt them layer-wise (off by default everywhere).
   */
  public static Optimizer create(OptimizerSpec s, List<ModelParameter> params) {
    return switch (s.kind()) {
      case SGD -> new Sgd(params, new Sgd.Options(s.momentum(), s.weightDecay(), s.nesterov(),
          s.decayBiasAndNorm(), true));
      case LARS -> new Lars(params, new Lars.Options(s.momentum(), s.weightDecay(), s.trustCoefficient(),
          s.decayBiasAndNorm(), true));
      case LAMB -> new Lamb(params, new Lamb.Options(s.beta1(), s.beta2(), s.eps(), s.weightDecay(),
          s.decayBiasAndNorm()));
    };
  }
}
