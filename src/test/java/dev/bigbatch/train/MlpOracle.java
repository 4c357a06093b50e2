package dev.bigbatch.train;

import java.util.Map;

/**
 * ∇_x of the summed cross-entropy of the 2-hidden-layer MLP ({@code Models.create("mlp")}: Linear → ReLU →
 * Linear → ReLU → Linear) in float64, written out by hand: an oracle independent of LibTorch's autograd.
 */
final class MlpOracle {
  private MlpOracle() {}

  /**
   * @param w parameters by name ({@code hidden0.weight} [h0, in], {@code hidden0.bias}, {@code hidden1.*},
   *     {@code fc.*}), row-major
   * @param x examples × {@code inputs} values, row-major
   * @return examples × inputs gradient, row-major
   */
  static double[] inputGradient(Map<String, float[]> w, float[] x, long[] labels, int inputs) {
    float[] w0 = w.get("hidden0.weight");
    float[] b0 = w.get("hidden0.bias");
    float[] w1 = w.get("hidden1.weight");
    float[] b1 = w.get("hidden1.bias");
    float[] w2 = w.get("fc.weight");
    float[] b2 = w.get("fc.bias");
    int h0 = b0.length;
    int h1 = b1.length;
    int classes = b2.length;
    double[] out = new double[x.length];
    for (int e = 0; e < labels.length; e++) {
      double[] z0 = affine(w0, b0, x, e * inputs, inputs);
      double[] a0 = relu(z0);
      double[] z1 = affine(w1, b1, a0, h0);
      double[] a1 = relu(z1);
      double[] z2 = affine(w2, b2, a1, h1);
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z2) {
        max = Math.max(max, v);
      }
      double sum = 0;
      double[] d2 = new double[classes];
      for (int c = 0; c < classes; c++) {
        d2[c] = Math.exp(z2[c] - max);
        sum += d2[c];
      }
      for (int c = 0; c < classes; c++) {
        d2[c] = d2[c] / sum - (c == labels[e] ? 1 : 0); // ∂CE/∂logits = softmax − one-hot
      }
      double[] d1 = backThrough(w2, d2, h1, z1);
      double[] d0 = backThrough(w1, d1, h0, z0);
      for (int i = 0; i < inputs; i++) {
        double g = 0;
        for (int j = 0; j < h0; j++) {
          g += w0[j * inputs + i] * d0[j];
        }
        out[e * inputs + i] = g;
      }
    }
    return out;
  }

  private static double[] affine(float[] weight, float[] bias, float[] x, int offset, int in) {
    double[] z = new double[bias.length];
    for (int j = 0; j < bias.length; j++) {
      double s = bias[j];
      for (int i = 0; i < in; i++) {
        s += (double) weight[j * in + i] * x[offset + i];
      }
      z[j] = s;
    }
    return z;
  }

  private static double[] affine(float[] weight, float[] bias, double[] x, int in) {
    double[] z = new double[bias.length];
    for (int j = 0; j < bias.length; j++) {
      double s = bias[j];
      for (int i = 0; i < in; i++) {
        s += weight[j * in + i] * x[i];
      }
      z[j] = s;
    }
    return z;
  }

  private static double[] relu(double[] z) {
    double[] a = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      a[i] = Math.max(0, z[i]);
    }
    return a;
  }

  /** (Wᵀ·d) ⊙ [z &gt; 0]: the gradient at the pre-activation z of the layer below. */
  private static double[] backThrough(float[] weight, double[] d, int in, double[] z) {
    double[] out = new double[in];
    for (int i = 0; i < in; i++) {
      double s = 0;
      for (int j = 0; j < d.length; j++) {
        s += weight[j * in + i] * d[j];
      }
      out[i] = z[i] > 0 ? s : 0;
    }
    return out;
  }
}
