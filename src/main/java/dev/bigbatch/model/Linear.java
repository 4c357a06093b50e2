package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** A fully connected layer, y = x·Wᵀ + b, whose weight and bias are registered as parameters {@code name.weight}, {@code name.bias}. */
public final class Linear {
  private final Tensor weight;
  private final Tensor bias;

  /** Default init: U(±1/sqrt(in)) as in PyTorch's nn.Linear. */
  public Linear(ParamRegistry reg, String name, long in, long out) {
    this(reg, name, in, out, Init.uniform(1.0 / Math.sqrt(in), out, in), Init.uniform(1.0 / Math.sqrt(in), out));
  }

  /** With the given initial weight [out, in] and bias [out]. */
  public Linear(ParamRegistry reg, String name, long in, long out, Tensor w, Tensor b) {
    this.weight = reg.param(name + ".weight", w);
    this.bias = reg.param(name + ".bias", b);
  }

  /** Final classifier init of Goyal et al.: W ~ N(0, 0.01²), b = 0. */
  public static Linear classifier(ParamRegistry reg, String name, long in, long out) {
    return new Linear(reg, name, in, out, Init.normal(0.01, out, in), Init.zeros(out));
  }

  public Tensor forward(Tensor x) {
    return torch.linear(x, weight, new TensorOptional(bias));
  }
}
