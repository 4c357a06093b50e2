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
 * <p>Running statistics are updated once per <em>step</em>, not per forward call: a step may run the
 * k workers in several chunks, and each slice's update (1 − m)·running + m·statistic starts from the
 * value at the start of the step; {@link ForwardContext#commitStatistics()} then stores the average
 * over all slices. So chunking changes memory use, never results.
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
  private final long channels;

  /** Registers {@code name.weight}, {@code name.bias} and the running statistics in {@code reg}. */
  public GhostBatchNorm(ParamRegistry reg, String name, long channels, boolean zeroGamma, ForwardContext ctx) {
    this.ctx = ctx;
    this.channels = channels;
    this.weight = reg.param(name + ".weight", zeroGamma ? Init.zeros(channels) : Init.ones(channels));
    this.bias = reg.param(name + ".bias", Init.zeros(channels));
    this.runningMean = reg.buffer(name + ".running_mean", Init.zeros(channels));
    this.runningVar = reg.buffer(name + ".running_var", Init.ones(channels));
    this.pendingMean = dev.bigbatch.engine.Memory.keep(Init.zeros(channels));
    this.pendingVar = dev.bigbatch.engine.Memory.keep(Init.zeros(channels));
    ctx.register(this);
  }

  // Sums of the slices' updated running statistics since the last commit. Allocated with the layer (outside
  // any step scope) and updated in place, because a step may close a memory scope after every chunk.
  private final Tensor pendingMean;
  private final Tensor pendingVar;
  private long pendingSlices;

  void commitStatistics() {
    if (pendingSlices == 0) {
      return;
    }
    try (NoGradGuard g = new NoGradGuard()) {
      runningMean.copy_(pendingMean.div(new org.bytedeco.pytorch.Scalar(pendingSlices)));
      runningVar.copy_(pendingVar.div(new org.bytedeco.pytorch.Scalar(pendingSlices)));
      pendingMean.zero_();
      pendingVar.zero_();
    }
    pendingSlices = 0;
  }

  private void accumulate(Tensor meanK, Tensor varK, long k) {
    try (NoGradGuard g = new NoGradGuard()) {
      pendingMean.add_(meanK.view(k, channels).sum(0));
      pendingVar.add_(varK.view(k, channels).sum(0));
    }
    pendingSlices += k;
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
    // Row s of meanK/varK is slice s's copy of the step-start running statistics, updated in place by
    // its batch-norm call; commitStatistics() averages the rows of all chunks at the end of the step.
    Tensor meanK = runningMean.repeat(k, 1);
    Tensor varK = runningVar.repeat(k, 1);
    Tensor y;
    if (k == 1) {
      y = torch.batch_norm(x, w, b, new TensorOptional(meanK.select(0, 0)), new TensorOptional(varK.select(0, 0)),
          true, MOMENTUM, EPS, false);
    } else {
      TensorVector slices = x.split(n);
      TensorVector ys = new TensorVector(k);
      for (long s = 0; s < k; s++) {
        ys.put(s, torch.batch_norm(slices.get(s), w, b, new TensorOptional(meanK.select(0, s)),
            new TensorOptional(varK.select(0, s)), true, MOMENTUM, EPS, false));
      }
      y = torch.cat(ys);
    }
    if (ctx.trackStatistics()) {
      accumulate(meanK, varK, k);
    }
    return y;
  }
}
