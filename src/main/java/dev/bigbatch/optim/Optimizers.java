package dev.bigbatch.optim;

import dev.bigbatch.model.Param;
import java.util.List;

/**
 * Builds the optimizer a run asks for, so that the single-process and the distributed trainer make
 * it the same way. All three use momentum correction / bias correction as documented on each class.
 */
public final class Optimizers {
  private Optimizers() {}

  public enum Kind { SGD, LARS, LAMB }

  /**
   * Everything any of the optimizers reads; each takes the fields it needs.
   *
   * @param momentum m (SGD, LARS)
   * @param weightDecay λ (all; decoupled for LAMB)
   * @param nesterov SGD only
   * @param treatBiasAndNormAsWeights SGD: weight decay on biases and BN γ/β too; LARS/LAMB: also
   *     layer-wise adaptation, i.e. no exclusion (off by default everywhere)
   * @param trustCoefficient τ (LARS)
   * @param beta1 β1 (LAMB)
   * @param beta2 β2 (LAMB)
   * @param eps ε (LAMB)
   */
  public record Settings(Kind kind, double momentum, double weightDecay, boolean nesterov,
      boolean treatBiasAndNormAsWeights, double trustCoefficient, double beta1, double beta2, double eps) {}

  public static Optimizer create(Settings s, List<Param> params) {
    return switch (s.kind()) {
      case SGD -> new Sgd(params, new Sgd.Options(s.momentum(), s.weightDecay(), s.nesterov(),
          s.treatBiasAndNormAsWeights(), true));
      case LARS -> new Lars(params, new Lars.Options(s.momentum(), s.weightDecay(), s.trustCoefficient(),
          !s.treatBiasAndNormAsWeights(), true));
      case LAMB -> new Lamb(params, new Lamb.Options(s.beta1(), s.beta2(), s.eps(), s.weightDecay(),
          !s.treatBiasAndNormAsWeights()));
    };
  }
}
