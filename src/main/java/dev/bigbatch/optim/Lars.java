package dev.bigbatch.optim;

import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Layer-wise Adaptive Rate Scaling (You, Gitman, Ginsburg 2017). Every parameter tensor is one
 * "layer" l. For its weights w and gradient g (the mean over the global batch), at step t with
 * global learning rate η_t, momentum m, weight decay β and trust coefficient τ:
 *
 * <pre>
 *   λ_l     = τ·||w|| / (||g|| + β·||w||)        local learning rate; λ_l = 1 if ||w|| = 0 or ||g|| = 0
 *   d       = g + β·w
 *   v_{t+1} = m·(η_{t+1}/η_t)·v_t + η_{t+1}·λ_l·d  (η_{t+1}/η_t: momentum correction, as in {@link Sgd})
 *   w       = w − v_{t+1}
 * </pre>
 *
 * Without momentum correction this is the paper's rule as printed (v = m·v + η·λ_l·d). With it, v
 * equals η·u for u ← m·u + λ_l·d, w ← w − η·u, i.e. the learning rate sits outside the momentum,
 * exactly as in {@link Sgd}; the two agree whenever η is constant, and on the first step (v = 0).
 * The norms are Frobenius norms over the whole tensor (a conv kernel, a linear matrix, a bias).
 *
 * <p>With {@code decayBiasAndNorm} off (the default; common practice in the LARS line of work, cf.
 * solo-learn#301), parameters in {@link ParamGroup#BIAS_OR_NORM} take plain momentum SGD with the
 * global rate and no weight decay: λ_l = 1, β = 0, so v = m·(η_{t+1}/η_t)·v + η_{t+1}·g. With it on,
 * every parameter is adapted and decayed.
 */
public final class Lars extends MomentumOptimizer {
  /**
   * @param momentum m in [0, 1) (0.9 in the paper)
   * @param weightDecay β ≥ 0; it enters both the update and the local learning rate's denominator
   * @param trustCoefficient τ &gt; 0 (0.001 in the paper)
   * @param decayBiasAndNorm biases and BN γ/β are treated like weights (adapted and decayed); off: they get plain
   *     momentum SGD (no adaptation, no decay)
   * @param momentumCorrection scale the velocity by η_{t+1}/η_t when the learning rate changes
   */
  public record Options(double momentum, double weightDecay, double trustCoefficient, boolean decayBiasAndNorm,
      boolean momentumCorrection) {
    public static final double DEFAULT_TRUST_COEFFICIENT = 0.001;

    public Options {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
      }
      if (!(trustCoefficient > 0) || Double.isInfinite(trustCoefficient)) {
        throw new IllegalArgumentException("trust coefficient must be > 0, got " + trustCoefficient);
      }
    }

    /** The paper's settings: m = 0.9, τ = 0.001, biases and BN excluded, with momentum correction. */
    public static Options defaults(double weightDecay) {
      return new Options(0.9, weightDecay, DEFAULT_TRUST_COEFFICIENT, false, true);
    }
  }

  private final Options opts;

  public Lars(List<ModelParameter> params, Options opts) {
    super("LARS", params);
    this.opts = opts;
  }

  @Override
  public void step(double lr) {
    double correction = momentum.correction(lr, opts.momentumCorrection());
    List<ModelParameter> params = momentum.params();
    Scalar decayMomentum = new Scalar(opts.momentum() * correction);
    Scalar minusOne = new Scalar(-1.0);
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < params.size(); i++) {
        ModelParameter p = params.get(i);
        Tensor w = p.value();
        Tensor grad = w.grad();
        if (!grad.defined()) {
          continue;
        }
        boolean adapt = isAdapted(p);
        double beta = adapt ? opts.weightDecay() : 0.0;
        double local = adapt ? localLr(w, grad, beta) : 1.0;
        Tensor d = beta == 0 ? grad : grad.add(w, new Scalar(beta));
        momentum.velocity(i).mul_(decayMomentum).add_(d, new Scalar(lr * local));
        w.add_(momentum.velocity(i), minusOne);
      }
    }
    momentum.stepped(lr);
  }

  /** λ_l = τ·||w|| / (||g|| + β·||w||), or 1 when either norm is zero. */
  private double localLr(Tensor w, Tensor grad, double beta) {
    double wNorm = w.norm().item_double();
    double gNorm = grad.norm().item_double();
    if (wNorm == 0 || gNorm == 0) {
      return 1.0;
    }
    return opts.trustCoefficient() * wNorm / (gNorm + beta * wNorm);
  }

  private boolean isAdapted(ModelParameter p) {
    return p.group() == ParamGroup.WEIGHT || opts.decayBiasAndNorm();
  }
}
