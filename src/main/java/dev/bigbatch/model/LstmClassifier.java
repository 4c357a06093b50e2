package dev.bigbatch.model;

import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The "MNIST-LSTM" of the LEGW paper: an image [B, C, H, W] is read as a sequence of H rows, each a
 * C·W feature vector (28 steps × 28 features for MNIST/Fashion-MNIST), by a one-layer LSTM; the last
 * hidden state goes through a linear classifier.
 *
 * <p>Per step, with x_t the row and gates in LibTorch's order (i, f, g, o):
 * <pre>
 *   [i f g o] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
 *   c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g),   h_t = σ(o)⊙tanh(c_t),   h_0 = c_0 = 0
 *   logits = W_fc·h_H + b_fc
 * </pre>
 * The recurrence runs in LibTorch's fused {@code torch.lstm} on registered parameter tensors
 * ({@code lstm.weight_ih} [4h, C·W], {@code lstm.weight_hh} [4h, h] in group WEIGHT;
 * {@code lstm.bias_ih}, {@code lstm.bias_hh} [4h] in BIAS_OR_NORM; then {@code fc.*}). All are
 * initialised U(±1/sqrt(h)) as in PyTorch's nn.LSTM / nn.Linear. No batch norm, so the per-worker BN
 * group size does not apply.
 */
public final class LstmClassifier extends RegisteredModel {
  private final int features;
  private final int hidden;
  private final ScalarType dtype;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;
  private final Linear fc;

  /** @param features C·W, the length of one row @param hidden h, e.g. 128 as in LEGW */
  public LstmClassifier(int features, int hidden, int classes) {
    this(features, hidden, classes, ScalarType.Float);
  }

  /** Package-private: float64 instances for finite-difference gradient checks. */
  LstmClassifier(int features, int hidden, int classes, ScalarType dtype) {
    if (features < 1 || hidden < 1 || classes < 1) {
      throw new IllegalArgumentException("LSTM sizes must be >= 1: features=" + features + " hidden=" + hidden
          + " classes=" + classes);
    }
    this.features = features;
    this.hidden = hidden;
    this.dtype = dtype;
    double bound = 1.0 / Math.sqrt(hidden);
    weightIh = reg.param("lstm.weight_ih", Init.uniform(bound, 4L * hidden, features).to(dtype));
    weightHh = reg.param("lstm.weight_hh", Init.uniform(bound, 4L * hidden, hidden).to(dtype));
    biasIh = reg.param("lstm.bias_ih", Init.uniform(bound, 4L * hidden).to(dtype));
    biasHh = reg.param("lstm.bias_hh", Init.uniform(bound, 4L * hidden).to(dtype));
    fc = new Linear(reg, "fc", hidden, classes, Init.uniform(bound, classes, hidden).to(dtype),
        Init.uniform(bound, classes).to(dtype));
  }

  @Override
  public Tensor forward(Tensor x) {
    if (x.dim() != 4 || x.size(1) * x.size(3) != features) {
      throw new IllegalArgumentException("LSTM expects [B, C, H, W] with C·W = " + features + ", got "
          + java.util.Arrays.toString(dev.bigbatch.engine.Tensors.shape(x)));
    }
    long batch = x.size(0);
    long steps = x.size(2);
    // [B, C, H, W] → [B, H, C, W] → [B, H, C·W]: one row per time step (a no-op permute when C = 1).
    Tensor rows = x.permute(0, 2, 1, 3).reshape(batch, steps, features);
    Tensor zeros = torch.zeros(new long[] {1, batch, hidden}, new TensorOptions(dtype));
    T_TensorTensorTensor_T out = torch.lstm(rows, new TensorVector(zeros, zeros),
        new TensorVector(weightIh, weightHh, biasIh, biasHh), true, 1, 0.0, ctx.training(), false, true);
    Tensor last = out.get1().select(0, 0); // h_H: [B, h]
    return fc.forward(last);
  }

  @Override
  public String describe() {
    return String.format("lstm(features=%d, hidden=%d) %,d params", features, hidden, paramCount());
  }
}
