package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;
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
 * The recurrence is the public {@link Lstm} layer ({@code lstm.weight_ih} [4h, C·W], {@code lstm.weight_hh} [4h, h]
 * in group WEIGHT; {@code lstm.bias_ih}, {@code lstm.bias_hh} [4h] in BIAS_OR_NORM; then {@code fc.*}). All are
 * initialised U(±1/sqrt(h)) as in PyTorch's nn.LSTM / nn.Linear. No batch norm, so the per-worker BN
 * group size does not apply.
 */
public final class LstmClassifier extends RegisteredModel {
  private final int features;
  private final Lstm lstm;
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
    this.lstm = new Lstm(reg, "lstm", features, hidden, dtype);
    double bound = 1.0 / Math.sqrt(hidden);
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
    return fc.forward(lstm.lastHidden(rows, ctx.training())); // h_H: [B, h]
  }

  @Override
  public String describe() {
    return String.format("lstm(features=%d, hidden=%d) %,d params", features, lstm.hidden(), paramCount());
  }
}
