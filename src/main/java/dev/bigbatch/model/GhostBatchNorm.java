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
    if (k == 1) {
      return torch.batch_norm(x, opt(weight), opt(bias), opt(runningMean), opt(runningVar),
          true, MOMENTUM, EPS, false);
    }
    long[] shape = Tensors.shape(x);
    // [k·n, C, *] -> [n, k·C, L]: slice s of the batch becomes channels s·C .. s·C+C-1.
    Tensor grouped = x.reshape(k, n, channels, -1).transpose(0, 1).reshape(n, k * channels, -1);
    Tensor meanK = runningMean.repeat(k);
    Tensor varK = runningVar.repeat(k);
    Tensor y = torch.batch_norm(grouped, opt(weight.repeat(k)), opt(bias.repeat(k)),
        opt(meanK), opt(varK), true, MOMENTUM, EPS, false);
    try (NoGradGuard g = new NoGradGuard()) {
      runningMean.copy_(meanK.view(k, channels).mean(0));
      runningVar.copy_(varK.view(k, channels).mean(0));
    }
    return y.reshape(n, k, channels, -1).transpose(0, 1).reshape(shape);
  }

  private static TensorOptional opt(Tensor t) {
    return new TensorOptional(t);
  }
}
