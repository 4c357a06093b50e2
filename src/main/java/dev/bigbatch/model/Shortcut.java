package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A residual block's shortcut (He et al. 2016, option B): the identity when the block keeps the shape,
 * else a strided 1×1 convolution + BN that projects {@code in} channels to {@code out}. Construct it
 * where the block registered its shortcut before, so parameter order (and hence initialisation and
 * checkpoints) stays the same.
 */
final class Shortcut {
  private final Conv2d conv; // null: identity
  private final GhostBatchNorm bn;

  Shortcut(ParamRegistry reg, String name, int in, int out, int stride, ForwardContext ctx) {
    if (stride != 1 || in != out) {
      conv = new Conv2d(reg, name + ".shortcut.conv", in, out, 1, stride, 0);
      bn = new GhostBatchNorm(reg, name + ".shortcut.bn", out, false, ctx);
    } else {
      conv = null;
      bn = null;
    }
  }

  /** relu(residual + shortcut(x)), adding in place into {@code residual}. */
  Tensor addReLU(Tensor residual, Tensor x) {
    Tensor s = conv == null ? x : bn.forward(conv.forward(x));
    return torch.relu(residual.add_(s));
  }
}
