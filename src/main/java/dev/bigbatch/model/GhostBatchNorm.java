package dev.bigbatch.model;

import dev.bigbatch.engine.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
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
 * <p>Implementation: the k slices are moved into the channel dimension ({@code [n, k·C, …]}) so one
 * native batch-norm call computes all k·C statistics; γ and β are shared by repeating them k times,
 * so their gradients sum over the slices.
 */
final class GhostBatchNorm {
  /** PyTorch convention: running = (1 − m)·running + m·batch; m = 0.1 is Goyal's decay 0.9. */
  static final double MOMENTUM = 0.1;

  static final double EPS = 1e-5;

  private final Tensor weight;
  private final Tensor bias;
  private final Tensor runningMean;
  private final Tensor runningVar;
  private final ForwardContext ctx;
  private final long channels;

  GhostBatchNorm(ParamRegistry reg, String name, long channels, boolean zeroGamma, ForwardContext ctx) {
    this.channels = channels;
    this.ctx = ctx;
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

  Tensor forward(Tensor x) {
    if (!ctx.training()) {
      return torch.batch_norm(x, opt(weight), opt(bias), opt(runningMean), opt(runningVar),
          false, MOMENTUM, EPS, false);
    }
    long batch = x.size(0);
    long n = ctx.bnGroupSize() == 0 ? batch : ctx.bnGroupSize();
    if (batch % n != 0) {
      throw new IllegalStateException(
          "batch of " + batch + " is not a whole number of BN groups of " + n);
    }
    long k = batch / n;
    // Each slice updates its own copy of the step-start running statistics (see commitStatistics).
    Tensor meanK = runningMean.repeat(k);
    Tensor varK = runningVar.repeat(k);
    Tensor y;
    if (k == 1) {
      y = torch.batch_norm(x, opt(weight), opt(bias), opt(meanK), opt(varK), true, MOMENTUM, EPS, false);
    } else {
      long[] shape = Tensors.shape(x);
      // [k·n, C, *] -> [n, k·C, L]: slice s of the batch becomes channels s·C .. s·C+C-1.
      Tensor grouped = x.reshape(k, n, channels, -1).transpose(0, 1).reshape(n, k * channels, -1);
      y = torch.batch_norm(grouped, opt(weight.repeat(k)), opt(bias.repeat(k)),
          opt(meanK), opt(varK), true, MOMENTUM, EPS, false)
          .reshape(n, k, channels, -1).transpose(0, 1).reshape(shape);
    }
    accumulate(meanK, varK, k);
    return y;
  }

  private static TensorOptional opt(Tensor t) {
    return new TensorOptional(t);
  }
}
