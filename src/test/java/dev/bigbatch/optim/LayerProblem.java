package dev.bigbatch.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.LongToDoubleFunction;
import org.bytedeco.pytorch.Tensor;

/**
 * Layers with known gradients for optimizer oracles: loss = Σ_l Σ w_l ⊙ G_{t,l} gives ∂loss/∂w_l = G_{t,l}.
 * Shapes cover a matrix, a bias, a 4-D conv kernel, a BN-like vector, a weight that starts at zero
 * (||w|| = 0 on the first step) and a weight whose gradient is zero on step {@link #ZERO_GRAD_STEP}
 * (||g|| = 0). Values are float32 so the float64 reference starts from exactly the same numbers.
 */
final class LayerProblem {
  static final int STEPS = 7;
  static final int ZERO_WEIGHT_LAYER = 4;
  static final int ZERO_GRAD_LAYER = 2;
  static final int ZERO_GRAD_STEP = 3;

  final long[][] shapes = {{3, 4}, {5}, {2, 3, 2, 2}, {4}, {3, 2}};
  final ParamGroup[] groups = {ParamGroup.WEIGHT, ParamGroup.BIAS_OR_NORM, ParamGroup.WEIGHT,
      ParamGroup.BIAS_OR_NORM, ParamGroup.WEIGHT};
  final float[][] init;
  final float[][][] grads; // [step][layer][i]

  LayerProblem(long seed) {
    Random r = new Random(seed);
    init = new float[shapes.length][];
    grads = new float[STEPS][shapes.length][];
    for (int l = 0; l < shapes.length; l++) {
      int n = numel(shapes[l]);
      init[l] = l == ZERO_WEIGHT_LAYER ? new float[n] : gaussian(r, n, 1.0);
      for (int t = 0; t < STEPS; t++) {
        // Gradients a few times smaller than the weights, as in training; one layer gets g = 0 once.
        grads[t][l] = (l == ZERO_GRAD_LAYER && t == ZERO_GRAD_STEP) ? new float[n] : gaussian(r, n, 0.3);
      }
    }
  }

  int layers() {
    return shapes.length;
  }

  static int numel(long[] s) {
    int n = 1;
    for (long d : s) {
      n *= (int) d;
    }
    return n;
  }

  private static float[] gaussian(Random r, int n, double std) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) (std * r.nextGaussian());
    }
    return f;
  }

  List<ModelParameter> params() {
    List<ModelParameter> ps = new ArrayList<>();
    for (int l = 0; l < shapes.length; l++) {
      ps.add(new ModelParameter("p" + l, Tensors.fromFloats(init[l], shapes[l]).set_requires_grad(true), groups[l]));
    }
    return ps;
  }

  /** Runs the optimizer for {@link #STEPS} steps through autograd and returns the final weights. */
  float[][] run(Function<List<ModelParameter>, Optimizer> make, LongToDoubleFunction lr) {
    List<ModelParameter> ps = params();
    Optimizer opt = make.apply(ps);
    for (int t = 0; t < STEPS; t++) {
      Optimizer.zeroGrad(ps);
      Tensor loss = null;
      for (int l = 0; l < ps.size(); l++) {
        Tensor term = ps.get(l).value().mul(Tensors.fromFloats(grads[t][l], shapes[l])).sum();
        loss = loss == null ? term : loss.add(term);
      }
      loss.backward();
      opt.step(lr.applyAsDouble(t));
    }
    float[][] out = new float[ps.size()][];
    for (int l = 0; l < ps.size(); l++) {
      out[l] = Tensors.toFloats(ps.get(l).value());
    }
    return out;
  }

  double[][] initAsDouble() {
    double[][] w = new double[init.length][];
    for (int l = 0; l < init.length; l++) {
      w[l] = new double[init[l].length];
      for (int i = 0; i < w[l].length; i++) {
        w[l][i] = init[l][i];
      }
    }
    return w;
  }

  static double norm(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  static double norm(float[] x) {
    double s = 0;
    for (float v : x) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  /** Element-wise |expected − actual| ≤ tol·max(1, |expected|). */
  static void assertClose(double[][] expected, float[][] actual, double tol) {
    for (int l = 0; l < expected.length; l++) {
      for (int i = 0; i < expected[l].length; i++) {
        assertEquals(expected[l][i], actual[l][i], tol * Math.max(1, Math.abs(expected[l][i])), "layer " + l + " [" + i + "]");
      }
    }
  }

  /** The largest element-wise difference between two runs, to show a variant is actually different. */
  static double maxDiff(float[][] a, float[][] b) {
    double d = 0;
    for (int l = 0; l < a.length; l++) {
      for (int i = 0; i < a[l].length; i++) {
        d = Math.max(d, Math.abs(a[l][i] - b[l][i]));
      }
    }
    return d;
  }
}
