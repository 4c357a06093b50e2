package dev.bigbatch.model;

import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A one-layer LSTM over sequences [B, T, F], run by LibTorch's fused {@code torch.lstm}. Per step, with gates in
 * LibTorch's order (i, f, g, o):
 * <pre>
 *   [i f g o] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
 *   c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g),   h_t = σ(o)⊙tanh(c_t),   h_0 = c_0 = 0
 * </pre>
 * Registers {@code name.weight_ih} [4h, F] and {@code name.weight_hh} [4h, h] (group WEIGHT), {@code name.bias_ih} and
 * {@code name.bias_hh} [4h] (BIAS_OR_NORM), all initialised U(±1/sqrt(h)) as PyTorch's nn.LSTM.
 */
public final class Lstm {
  private final int features;
  private final int hidden;
  private final ScalarType dtype;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;

  public Lstm(ParamRegistry reg, String name, int features, int hidden) {
    this(reg, name, features, hidden, ScalarType.Float);
  }

  /** In {@code dtype} (float64 for finite-difference gradient checks). */
  public Lstm(ParamRegistry reg, String name, int features, int hidden, ScalarType dtype) {
    if (features < 1 || hidden < 1) {
      throw new IllegalArgumentException("LSTM sizes must be >= 1: features=" + features + " hidden=" + hidden);
    }
    this.features = features;
    this.hidden = hidden;
    this.dtype = dtype;
    double bound = 1.0 / Math.sqrt(hidden);
    weightIh = reg.param(name + ".weight_ih", Init.uniform(bound, 4L * hidden, features).to(dtype));
    weightHh = reg.param(name + ".weight_hh", Init.uniform(bound, 4L * hidden, hidden).to(dtype));
    biasIh = reg.param(name + ".bias_ih", Init.uniform(bound, 4L * hidden).to(dtype));
    biasHh = reg.param(name + ".bias_hh", Init.uniform(bound, 4L * hidden).to(dtype));
  }

  public int features() {
    return features;
  }

  public int hidden() {
    return hidden;
  }

  /**
   * The last hidden state h_T [B, h] of {@code sequence} [B, T, F].
   *
   * @param training dropout-free either way; passed to LibTorch's kernel choice as nn.LSTM does
   */
  public Tensor lastHidden(Tensor sequence, boolean training) {
    long batch = sequence.size(0);
    Tensor zeros = torch.zeros(new long[] {1, batch, hidden}, new TensorOptions(dtype));
    T_TensorTensorTensor_T out = torch.lstm(sequence, new TensorVector(zeros, zeros),
        new TensorVector(weightIh, weightHh, biasIh, biasHh), true, 1, 0.0, training, false, true);
    return out.get1().select(0, 0);
  }
}
