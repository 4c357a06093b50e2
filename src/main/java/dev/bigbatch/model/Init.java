package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Parameter initialisers; all draw from LibTorch's global generator (seeded by the trainer). */
public final class Init {
  private Init() {}

  public static Tensor zeros(long... shape) {
    return torch.zeros(shape, new TensorOptions(ScalarType.Float));
  }

  public static Tensor ones(long... shape) {
    return torch.ones(shape, new TensorOptions(ScalarType.Float));
  }

  public static Tensor normal(double std, long... shape) {
    return torch.randn(shape, new TensorOptions(ScalarType.Float)).mul_(new org.bytedeco.pytorch.Scalar(std));
  }

  public static Tensor uniform(double bound, long... shape) {
    // rand is U[0,1); map to U[-bound, bound)
    return torch.rand(shape, new TensorOptions(ScalarType.Float))
        .mul_(new org.bytedeco.pytorch.Scalar(2 * bound))
        .sub_(new org.bytedeco.pytorch.Scalar(bound));
  }

  /** He et al. normal init for ReLU nets, fan-out mode, as used by Goyal et al. */
  public static Tensor heNormalFanOut(long outChannels, long inChannels, long kh, long kw) {
    double std = Math.sqrt(2.0 / (outChannels * kh * kw));
    return normal(std, outChannels, inChannels, kh, kw);
  }
}
