package dev.bigbatch.optim;

import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Momentum SGD as written by Goyal et al. (2017, eq. 10) with momentum correction. For every
 * parameter w with gradient g (the mean over the global batch), at step t with learning rate η_t:
 *
 * <pre>
 *   d       = g + λ·w                         (λ = 0 for biases and BN γ/β unless decayBiasAndNorm)
 *   v_{t+1} = m·(η_{t+1}/η_t)·v_t + η_{t+1}·d  (the factor η_{t+1}/η_t is the momentum correction)
 *   w       = w − v_{t+1}                      (plain)
 *   w       = w − (η_{t+1}·d + m·v_{t+1})      (Nesterov)
 * </pre>
 *
 * With the correction, v = η·u and the update equals the form with the learning rate outside the
 * momentum (Goyal eq. 9: u ← m·u + d, w ← w − η·u) for any schedule; without it (eq. 10 as is) the
 * two differ whenever η changes. On the first step v = 0, so the ratio is irrelevant. Weight decay is
 * λ·w in the update, never scaled with the loss or the batch (Goyal remark 1).
 */
public final class Sgd extends MomentumOptimizer {
  /** @param momentum m in [0, 1); 0.9 in Goyal. @param weightDecay λ; 1e-4 in Goyal. */
  public record Options(double momentum, double weightDecay, boolean nesterov, boolean decayBiasAndNorm,
      boolean momentumCorrection) {
    public Options {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
      }
    }

    /** Goyal et al.'s settings: Nesterov m = 0.9, λ = 1e-4 not on BN/bias, momentum correction. */
    public static Options goyal() {
      return new Options(0.9, 1e-4, true, false, true);
    }
  }

  private final Options opts;

  public Sgd(List<ModelParameter> params, Options opts) {
    super("SGD", params);
    this.opts = opts;
  }

  @Override
  public void step(double lr) {
    double correction = momentum.correction(lr, opts.momentumCorrection());
    List<ModelParameter> params = momentum.params();
    Scalar decayMomentum = new Scalar(opts.momentum() * correction);
    Scalar lrScalar = new Scalar(lr);
    Scalar m = new Scalar(opts.momentum());
    Scalar minusOne = new Scalar(-1.0);
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < params.size(); i++) {
        ModelParameter p = params.get(i);
        Tensor w = p.value();
        Tensor grad = w.grad();
        if (!grad.defined()) {
          continue;
        }
        double lambda = decayFor(p);
        Tensor d = lambda == 0 ? grad : grad.add(w, new Scalar(lambda));
        Tensor v = momentum.velocity(i);
        v.mul_(decayMomentum).add_(d, lrScalar);
        if (opts.nesterov()) {
          w.sub_(d, lrScalar).sub_(v, m);
        } else {
          w.add_(v, minusOne);
        }
      }
    }
    momentum.stepped(lr);
  }

  private double decayFor(ModelParameter p) {
    return (p.group() == ParamGroup.WEIGHT || opts.decayBiasAndNorm()) ? opts.weightDecay() : 0.0;
  }
}
