package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A bias-free 2-D convolution (bias is redundant before batch norm), He-normal (fan-out) initialised; its weight is the
 * parameter {@code name.weight}.
 */
public final class Conv2d {
  private final Tensor weight;
  private final long[] stride;
  private final long[] padding;
  private static final long[] DILATION = {1, 1};

  public Conv2d(ParamRegistry reg, String name, long in, long out, int kernel, int stride, int padding) {
    this.weight = reg.param(name + ".weight", Init.heNormalFanOut(out, in, kernel, kernel));
    this.stride = new long[] {stride, stride};
    this.padding = new long[] {padding, padding};
  }

  public Tensor forward(Tensor x) {
    return torch.conv2d(x, weight, new TensorOptional(), stride, padding, DILATION, 1);
  }
}
