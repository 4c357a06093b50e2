package dev.bigbatch.optim;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * LAMB (You et al. 2020, Algorithm 2): Adam moments with bias correction, decoupled weight decay and
 * a per-layer trust ratio. Every parameter tensor is one layer. For weights w and gradient g (the mean
 * over the global batch), on the t-th call of {@link #step} (t = 1, 2, …) with learning rate η_t:
 *
 * <pre>
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²                    (element-wise)
 *   m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)
 *   r = m̂ / (sqrt(v̂) + ε) + λ·w              (λ: decoupled weight decay, not part of g)
 *   φ = ||w|| / ||r||                          (1 if ||w|| = 0 or ||r|| = 0)
 *   w = w − η_t·φ·r
 * </pre>
 *
 * The scaling function of the paper is the identity (φ(z) = z, no clipping). t counts updates made by
 * this optimizer (checkpointed in {@link #scalars()}); it is Adam's bias-correction exponent, not a
 * schedule input — the learning rate is still the caller's per step. A parameter whose gradient is
 * undefined in a step is left untouched (its moments too), but t advances for all.
 *
 * <p>With {@code decayBiasAndNorm} off (the default), parameters in {@link ParamGroup#BIAS_OR_NORM}
 * take λ = 0 and φ = 1, i.e. plain Adam with bias correction: w = w − η_t·m̂/(sqrt(v̂) + ε).
 */
public final class Lamb implements Optimizer {
  /**
   * @param beta1 first-moment decay in [0, 1) (0.9 in the paper)
   * @param beta2 second-moment decay in [0, 1) (0.999 in the paper)
   * @param eps added to sqrt(v̂) (1e-6 in the paper)
   * @param weightDecay decoupled λ ≥ 0 (0.01 in the paper)
   * @param decayBiasAndNorm biases and BN γ/β are treated like weights (decayed, trust ratio); off: they get no
   *     weight decay and no trust ratio
   */
  public record Options(double beta1, double beta2, double eps, double weightDecay, boolean decayBiasAndNorm) {
    public Options {
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
      }
      if (!(eps > 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("eps must be > 0, got " + eps);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
      }
    }

    /** The paper's settings: β1 = 0.9, β2 = 0.999, ε = 1e-6, biases and BN excluded. */
    public static Options defaults(double weightDecay) {
      return new Options(0.9, 0.999, 1e-6, weightDecay, false);
    }
  }

  private final List<ModelParameter> params;
  private final List<Tensor> firstMoment = new ArrayList<>();
  private final List<Tensor> secondMoment = new ArrayList<>();
  private final Options opts;
  private long updates;

  public Lamb(List<ModelParameter> params, Options opts) {
    this.params = List.copyOf(params);
    this.opts = opts;
    for (ModelParameter p : this.params) {
      firstMoment.add(Memory.keep(torch.zeros_like(p.value()).detach()));
      secondMoment.add(Memory.keep(torch.zeros_like(p.value()).detach()));
    }
  }

  @Override
  public void step(double lr) {
    updates++;
    double b1 = opts.beta1();
    double b2 = opts.beta2();
    Scalar beta1 = new Scalar(b1);
    Scalar oneMinusBeta1 = new Scalar(1 - b1);
    Scalar beta2 = new Scalar(b2);
    Scalar oneMinusBeta2 = new Scalar(1 - b2);
    Scalar biasCorrection1 = new Scalar(1 - Math.pow(b1, updates));
    Scalar biasCorrection2 = new Scalar(1 - Math.pow(b2, updates));
    Scalar eps = new Scalar(opts.eps());
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < params.size(); i++) {
        ModelParameter p = params.get(i);
        Tensor w = p.value();
        Tensor grad = w.grad();
        if (!grad.defined()) {
          continue;
        }
        Tensor m = firstMoment.get(i).mul_(beta1).add_(grad, oneMinusBeta1);
        Tensor v = secondMoment.get(i).mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
        Tensor denom = v.div(biasCorrection2).sqrt_().add_(eps);
        Tensor r = m.div(biasCorrection1).div_(denom);
        boolean adapt = p.group() == ParamGroup.WEIGHT || opts.decayBiasAndNorm();
        double trust = 1.0;
        if (adapt) {
          if (opts.weightDecay() != 0) {
            r.add_(w, new Scalar(opts.weightDecay()));
          }
          trust = trustRatio(w, r);
        }
        w.add_(r, new Scalar(-lr * trust));
      }
    }
  }

  /** φ = ||w|| / ||r||, or 1 when either norm is zero. */
  private static double trustRatio(Tensor w, Tensor r) {
    double wNorm = w.norm().item_double();
    double rNorm = r.norm().item_double();
    return (wNorm == 0 || rNorm == 0) ? 1.0 : wNorm / rNorm;
  }

  @Override
  public List<StateTensor> state() {
    List<StateTensor> out = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      out.add(new StateTensor("adam_m/" + params.get(i).name(), firstMoment.get(i)));
    }
    for (int i = 0; i < params.size(); i++) {
      out.add(new StateTensor("adam_v/" + params.get(i).name(), secondMoment.get(i)));
    }
    return out;
  }

  @Override
  public double[] scalars() {
    return new double[] {updates};
  }

  @Override
  public void restoreScalars(double[] values) {
    if (values.length != 1 || values[0] < 0 || values[0] != Math.rint(values[0])) {
      throw new IllegalArgumentException("LAMB state has 1 scalar (a non-negative update count), checkpoint has "
          + java.util.Arrays.toString(values));
    }
    updates = (long) values[0];
  }

  @Override
  public List<ModelParameter> params() {
    return params;
  }
}
