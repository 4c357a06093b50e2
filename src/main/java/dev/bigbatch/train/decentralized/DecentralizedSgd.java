package dev.bigbatch.train.decentralized;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.SyncSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Decentralized momentum SGD: every replica i keeps its own parameters x_i and momentum m_i and
 * averages only with its neighbours through the mixing matrix W of a {@link Mixer} (one gossip round
 * per step). Notation of Yuan et al. 2021, "DecentLaM: Decentralized Momentum SGD for Large-batch Deep
 * Training" (ICCV), with γ the step's learning rate from the schedule and β the momentum:
 *
 * <pre>
 *   d_i = g_i + λ·x_i          local gradient: mean over the replica's own k/P·n examples, plus weight
 *                              decay (λ = 0 for biases and BN γ/β unless decayBiasAndNorm), as in Sgd
 *
 *   DmSGD (the paper's baseline; adapt, then combine):
 *     m_i ← β·m_i + d_i
 *     x_i ← Σ_j w_ij (x_j − γ·m_j)
 *
 *   DecentLaM:
 *     g̃_i = (x_i − Σ_j w_ij (x_j − γ·d_j)) / γ    the "decentralized gradient"
 *     m_i ← β·m_i + g̃_i
 *     x_i ← x_i − γ·m_i
 * </pre>
 *
 * Why DecentLaM: at a fixed point of DmSGD, m_i = d_i/(1−β), so the replicas' inconsistency bias is
 * that of plain decentralized SGD with step γ/(1−β) — momentum amplifies it, and the more so at large
 * batch where the gradient noise no longer hides it. DecentLaM puts the momentum on g̃, whose fixed point
 * needs m = 0, i.e. x = W(x − γ d): the bias of plain decentralized SGD with step γ, independent of β.
 * (Checked against that closed-form fixed point on a quadratic in DecentralizedSgdTest.)
 *
 * <p>Choices the paper leaves open, and what this class does:
 * <ul>
 *   <li><b>Nesterov</b> (our CLI's default; the recursions above are heavy ball): the direction applied is
 *       d + β·m (DmSGD) or g̃ + β·m (DecentLaM) instead of m, exactly as in {@link dev.bigbatch.optim.Sgd}.
 *       With {@code nesterov = false} the update is the paper's.</li>
 *   <li><b>Learning-rate schedule</b>: m is the momentum of Goyal's eq. 9 form (lr outside the
 *       momentum), so a changing γ_t needs no momentum correction; this equals our Sgd with correction.</li>
 *   <li><b>Reduction</b>: with W = 11ᵀ/P and equal x_i both methods are synchronous momentum SGD on the
 *       mean gradient (DecentLaM: g̃ = mean d; DmSGD: the replicas' momenta differ but only their mean
 *       enters x). Tested against the synchronous trainer.</li>
 *   <li>Parameters without a gradient use d = 0 (no weight decay) but are still mixed.</li>
 * </ul>
 * The parameters of all replicas are packed into one flat float32 vector per step, so a step is one
 * gossip round of |x| floats per out-neighbour.
 *
 * <p>Known behaviour (docs/RESULTS-decentlam.md, finding 2): DecentLaM's momentum also acts on the
 * consensus correction, so the replicas' disagreement decays at about √β per step whatever the graph
 * (DmSGD: multiplied by W each step), and with the learning rate outside the momentum each drop of γ
 * cuts the consensus velocity γ·m and makes the disagreement jump before it decays again.
 */
public final class DecentralizedSgd implements Optimizer {
  /** @param momentum β in [0, 1). @param weightDecay λ. */
  public record Options(SyncSpec.Method method, double momentum, double weightDecay, boolean nesterov,
      boolean decayBiasAndNorm) {
    public Options {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
      }
    }
  }

  private final List<ModelParameter> params;
  private final Options opts;
  private final Mixer mixer;
  private final List<Tensor> momentum = new ArrayList<>();
  private final Tensor sendFlat;
  private final Tensor mixedFlat;
  private final List<Tensor> sendSlices = new ArrayList<>();
  private final List<Tensor> mixedSlices = new ArrayList<>();
  private final FloatBuffer sendView;
  private final FloatBuffer mixedView;

  public DecentralizedSgd(List<ModelParameter> params, Options opts, Mixer mixer) {
    this.params = List.copyOf(params);
    this.opts = opts;
    this.mixer = mixer;
    long total = 0;
    for (ModelParameter p : this.params) {
      total += p.numel();
    }
    this.sendFlat = Memory.keep(torch.zeros(total)); // float32, the default dtype
    this.mixedFlat = Memory.keep(torch.zeros(total));
    long off = 0;
    for (ModelParameter p : this.params) {
      momentum.add(Memory.keep(torch.zeros_like(p.value()).detach()));
      long[] shape = Tensors.shape(p.value());
      sendSlices.add(Memory.keep(sendFlat.narrow(0, off, p.numel()).view(shape)));
      mixedSlices.add(Memory.keep(mixedFlat.narrow(0, off, p.numel()).view(shape)));
      off += p.numel();
    }
    this.sendView = Tensors.view(sendFlat);
    this.mixedView = Tensors.view(mixedFlat);
  }

  public Mixer mixer() {
    return mixer;
  }

  @Override
  public void step(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalStateException("decentralized SGD needs a positive finite learning rate, got " + lr
          + " (DecentLaM divides by it)");
    }
    Scalar gamma = new Scalar(lr);
    Scalar beta = new Scalar(opts.momentum());
    boolean lam = opts.method() == SyncSpec.Method.DECENTLAM;
    try (NoGradGuard g = new NoGradGuard()) {
      // Local half-step: y_i = x_i − γ·d_i (DecentLaM) or x_i − γ·(momentum direction) (DmSGD).
      for (int i = 0; i < params.size(); i++) {
        Tensor x = params.get(i).value();
        Tensor d = localGradient(params.get(i));
        Tensor y = sendSlices.get(i);
        if (lam) {
          y.copy_(x).sub_(d, gamma);
        } else {
          Tensor m = momentum.get(i);
          m.mul_(beta).add_(d);
          y.copy_(x);
          if (opts.nesterov()) { // direction d + β·m instead of m
            y.sub_(d, gamma).sub_(m, new Scalar(lr * opts.momentum()));
          } else {
            y.sub_(m, gamma);
          }
        }
      }
      // One gossip round: z_i = Σ_j w_ij · y_j.
      mixer.mix(sendView, mixedView);
      for (int i = 0; i < params.size(); i++) {
        Tensor x = params.get(i).value();
        Tensor z = mixedSlices.get(i);
        if (!lam) {
          x.copy_(z);
          continue;
        }
        Tensor m = momentum.get(i);
        Tensor gTilde = x.sub(z).div_(gamma); // (x_i − z_i)/γ
        m.mul_(beta).add_(gTilde);
        if (opts.nesterov()) {
          x.sub_(gTilde, gamma).sub_(m, new Scalar(lr * opts.momentum()));
        } else {
          x.sub_(m, gamma);
        }
      }
    }
  }

  /** d = g + λ·x (zero when the parameter has no gradient). */
  private Tensor localGradient(ModelParameter p) {
    Tensor x = p.value();
    Tensor grad = x.grad();
    if (!grad.defined()) {
      return torch.zeros_like(x);
    }
    double lambda = (p.group() == ParamGroup.WEIGHT || opts.decayBiasAndNorm()) ? opts.weightDecay() : 0.0;
    return lambda == 0 ? grad : grad.add(x, new Scalar(lambda));
  }

  @Override
  public List<StateTensor> state() {
    List<StateTensor> out = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      out.add(new StateTensor("momentum/" + params.get(i).name(), momentum.get(i)));
    }
    return out;
  }

  @Override
  public double[] scalars() {
    return new double[0];
  }

  @Override
  public void restoreScalars(double[] values) {
    if (values.length != 0) {
      throw new IllegalArgumentException("decentralized SGD has no scalar state, checkpoint has " + values.length);
    }
  }

  @Override
  public List<ModelParameter> params() {
    return params;
  }
}
