package dev.bigbatch.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.List;
import java.util.Random;
import java.util.function.LongToDoubleFunction;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Sgd against a float64 reference of Goyal's eq. (9) (learning rate outside the momentum). */
class SgdTest {
  private static final int STEPS = 7;

  /** Parameters with known gradients: loss = Σ w ⊙ G_t gives ∂loss/∂w = G_t. */
  private static final class Problem {
    final float[][] init;
    final float[][][] grads; // [step][param][i]
    final long[][] shapes = {{3, 4}, {5}};

    Problem(long seed) {
      Random r = new Random(seed);
      init = new float[shapes.length][];
      grads = new float[STEPS][shapes.length][];
      for (int p = 0; p < shapes.length; p++) {
        int n = (int) numel(shapes[p]);
        init[p] = randomFloats(r, n);
        for (int t = 0; t < STEPS; t++) {
          grads[t][p] = randomFloats(r, n);
        }
      }
    }

    static long numel(long[] s) {
      long n = 1;
      for (long d : s) {
        n *= d;
      }
      return n;
    }

    static float[] randomFloats(Random r, int n) {
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        f[i] = (float) r.nextGaussian();
      }
      return f;
    }
  }

  private static List<ModelParameter> params(Problem pr) {
    return List.of(
        new ModelParameter("w", Tensors.fromFloats(pr.init[0], pr.shapes[0]).set_requires_grad(true), ParamGroup.WEIGHT),
        new ModelParameter("b", Tensors.fromFloats(pr.init[1], pr.shapes[1]).set_requires_grad(true), ParamGroup.BIAS_OR_NORM));
  }

  private static float[][] runTorch(Problem pr, Sgd.Options o, LongToDoubleFunction lr) {
    List<ModelParameter> ps = params(pr);
    Sgd sgd = new Sgd(ps, o);
    for (int t = 0; t < STEPS; t++) {
      Optimizer.zeroGrad(ps);
      Tensor loss = null;
      for (int p = 0; p < ps.size(); p++) {
        Tensor g = Tensors.fromFloats(pr.grads[t][p], pr.shapes[p]);
        Tensor term = ps.get(p).value().mul(g).sum();
        loss = loss == null ? term : loss.add(term);
      }
      loss.backward();
      sgd.step(lr.applyAsDouble(t));
    }
    return new float[][] {Tensors.toFloats(ps.get(0).value()), Tensors.toFloats(ps.get(1).value())};
  }

  /** Goyal eq. (9): u ← m·u + (g + λw); w ← w − η·u  (Nesterov: w ← w − η·(d + m·u)). */
  private static double[][] reference(Problem pr, Sgd.Options o, LongToDoubleFunction lr) {
    double[][] w = new double[2][];
    double[][] u = new double[2][];
    for (int p = 0; p < 2; p++) {
      w[p] = new double[pr.init[p].length];
      u[p] = new double[pr.init[p].length];
      for (int i = 0; i < w[p].length; i++) {
        w[p][i] = pr.init[p][i];
      }
    }
    for (int t = 0; t < STEPS; t++) {
      double eta = lr.applyAsDouble(t);
      for (int p = 0; p < 2; p++) {
        double lambda = (p == 0 || o.decayBiasAndNorm()) ? o.weightDecay() : 0;
        for (int i = 0; i < w[p].length; i++) {
          double d = pr.grads[t][p][i] + lambda * w[p][i];
          u[p][i] = o.momentum() * u[p][i] + d;
          w[p][i] -= o.nesterov() ? eta * (d + o.momentum() * u[p][i]) : eta * u[p][i];
        }
      }
    }
    return w;
  }

  private static void assertClose(double[][] expected, float[][] actual, double tol) {
    for (int p = 0; p < expected.length; p++) {
      for (int i = 0; i < expected[p].length; i++) {
        assertEquals(expected[p][i], actual[p][i], tol * Math.max(1, Math.abs(expected[p][i])), "param " + p + " [" + i + "]");
      }
    }
  }

  @Test
  void matchesFloat64ReferenceWithChangingLearningRate() {
    Problem pr = new Problem(1);
    LongToDoubleFunction lr = t -> 0.05 + 0.1 * t; // a warmup-like ramp: correction matters
    for (boolean nesterov : new boolean[] {false, true}) {
      for (boolean decayAll : new boolean[] {false, true}) {
        Sgd.Options o = new Sgd.Options(0.9, 1e-2, nesterov, decayAll, true);
        assertClose(reference(pr, o, lr), runTorch(pr, o, lr), 1e-5);
      }
    }
  }

  @Test
  void withoutCorrectionItDiffersWhenTheLearningRateChanges() {
    Problem pr = new Problem(2);
    LongToDoubleFunction ramp = t -> 0.05 + 0.1 * t;
    Sgd.Options plain = new Sgd.Options(0.9, 0, false, false, false);
    double[][] ref = reference(pr, plain, ramp);
    float[][] got = runTorch(pr, plain, ramp);
    double maxDiff = 0;
    for (int i = 0; i < ref[0].length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[0][i] - got[0][i]));
    }
    org.junit.jupiter.api.Assertions.assertTrue(maxDiff > 1e-3, "uncorrected form should differ, diff " + maxDiff);
  }

  @Test
  void correctedAndPlainFormsAgreeAtConstantLearningRate() {
    Problem pr = new Problem(3);
    LongToDoubleFunction constant = t -> 0.3;
    float[][] corrected = runTorch(pr, new Sgd.Options(0.9, 1e-3, false, false, true), constant);
    float[][] plain = runTorch(pr, new Sgd.Options(0.9, 1e-3, false, false, false), constant);
    for (int p = 0; p < 2; p++) {
      for (int i = 0; i < plain[p].length; i++) {
        assertEquals(plain[p][i], corrected[p][i], 1e-6);
      }
    }
    assertClose(reference(pr, new Sgd.Options(0.9, 1e-3, false, false, true), constant), plain, 1e-5);
  }
}
