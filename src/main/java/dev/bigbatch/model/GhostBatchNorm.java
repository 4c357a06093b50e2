package dev.bigbatch.model;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalisation with per-worker statistics (Goyal et al. §2.3 / DESIGN §1): in training, a
 * batch of k·n examples is split into k contiguous slices of n and each slice is normalised with its
 * own mean and variance, exactly as k workers with n examples each would do. Running statistics are
 * updated per slice and averaged over the slices, which equals averaging the workers' running
 * statistics. In evaluation the running statistics are used.
 *
 * <p>Implementation: the batch is split into k views ({@code split} copies nothing), each slice goes
 * through one native batch-norm call with the shared γ and β (so their gradients sum over the
 * slices) and its own row of a k×C copy of the running statistics, and the k outputs are
 * concatenated. That moves the activations once forward (the concatenation) and once backward (the
 * split's gradient). The earlier form moved the k slices into the channel dimension
 * ({@code [n, k·C, L]}) for a single call, which costs a transposing copy in and out, forward and
 * backward: 4 passes instead of 2, measured 12% slower per BN layer (docs/RESULTS-perf.md).
 */
public final class GhostBatchNorm {
  /** PyTorch convention: running = (1 − m)·running + m·batch; m = 0.1 is Goyal's decay 0.9. */
  static final double MOMENTUM = 0.1;

  static final double EPS = 1e-5;

  private final Tensor weight;
  private final Tensor bias;
  private final Tensor runningMean;
  private final Tensor runningVar;
  private final ForwardContext ctx;

  /** Registers {@code name.weight}, {@code name.bias} and the running statistics in {@code reg}. */
  public GhostBatchNorm(ParamRegistry reg, String name, long channels, boolean zeroGamma, ForwardContext ctx) {
    this.ctx = ctx;
    this.weight = reg.param(name + ".weight", zeroGamma ? Init.zeros(channels) : Init.ones(channels));
    this.bias = reg.param(name + ".bias", Init.zeros(channels));
    this.runningMean = reg.buffer(name + ".running_mean", Init.zeros(channels));
    this.runningVar = reg.buffer(name + ".running_var", Init.ones(channels));
  }

  /** {@code x} is {@code [k·n, C, …]}; in training, n is the context's BN group size. */
  public Tensor forward(Tensor x) {
    TensorOptional w = new TensorOptional(weight);
    TensorOptional b = new TensorOptional(bias);
    if (!ctx.training()) {
      return torch.batch_norm(x, w, b, new TensorOptional(runningMean), new TensorOptional(runningVar),
          false, MOMENTUM, EPS, false);
    }
    long batch = x.size(0);
    long n = ctx.bnGroupSize() == 0 ? batch : ctx.bnGroupSize();
    if (batch % n != 0) {
      throw new IllegalStateException(
          "batch of " + batch + " is not a whole number of BN groups of " + n);
    }
    long k = batch / n;
    if (k == 1) {
      return torch.batch_norm(x, w, b, new TensorOptional(runningMean), new TensorOptional(runningVar),
          true, MOMENTUM, EPS, false);
    }
    // Row s of meanK/varK is slice s's copy of the running statistics, updated in place by its call.
    Tensor meanK = runningMean.repeat(k, 1);
    Tensor varK = runningVar.repeat(k, 1);
    TensorVector slices = x.split(n);
    TensorVector ys = new TensorVector(k);
    for (long s = 0; s < k; s++) {
      ys.put(s, torch.batch_norm(slices.get(s), w, b, new TensorOptional(meanK.select(0, s)),
          new TensorOptional(varK.select(0, s)), true, MOMENTUM, EPS, false));
    }
    try (NoGradGuard g = new NoGradGuard()) {
      runningMean.copy_(meanK.mean(0));
      runningVar.copy_(varK.mean(0));
    }
    return torch.cat(ys);
  }
}
