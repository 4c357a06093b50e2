package dev.bigbatch.optim;

import static dev.bigbatch.optim.LayerProblem.STEPS;
import static dev.bigbatch.optim.LayerProblem.assertClose;
import static dev.bigbatch.optim.LayerProblem.maxDiff;
import static dev.bigbatch.optim.LayerProblem.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Lamb against a float64 reference of You et al. (2020) Algorithm 2 written out here, plus hand-computed steps. */
class LambTest {
  private static final LongToDoubleFunction RAMP = t -> 0.01 * (1 + t);

  /**
   * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², m̂ = m/(1−β1^t), v̂ = v/(1−β2^t),
   * r = m̂/(sqrt(v̂)+ε) + λ·w, φ = ||w||/||r|| (1 if either is 0), w ← w − η·φ·r.
   * Excluded layers: λ = 0 and φ = 1.
   */
  static double[][] reference(LayerProblem pr, Lamb.Options o, LongToDoubleFunction lr) {
    double[][] w = pr.initAsDouble();
    double[][] m = new double[pr.layers()][];
    double[][] v = new double[pr.layers()][];
    for (int l = 0; l < pr.layers(); l++) {
      m[l] = new double[w[l].length];
      v[l] = new double[w[l].length];
    }
    for (int t = 0; t < STEPS; t++) {
      double eta = lr.applyAsDouble(t);
      double bc1 = 1 - Math.pow(o.beta1(), t + 1);
      double bc2 = 1 - Math.pow(o.beta2(), t + 1);
      for (int l = 0; l < pr.layers(); l++) {
        boolean adapt = pr.groups[l] == ParamGroup.WEIGHT || o.decayBiasAndNorm();
        double lambda = adapt ? o.weightDecay() : 0;
        float[] g = pr.grads[t][l];
        double[] r = new double[w[l].length];
        for (int i = 0; i < r.length; i++) {
          m[l][i] = o.beta1() * m[l][i] + (1 - o.beta1()) * g[i];
          v[l][i] = o.beta2() * v[l][i] + (1 - o.beta2()) * g[i] * g[i];
          r[i] = (m[l][i] / bc1) / (Math.sqrt(v[l][i] / bc2) + o.eps()) + lambda * w[l][i];
        }
        double wNorm = norm(w[l]);
        double rNorm = norm(r);
        double phi = !adapt || wNorm == 0 || rNorm == 0 ? 1 : wNorm / rNorm;
        for (int i = 0; i < r.length; i++) {
          w[l][i] -= eta * phi * r[i];
        }
      }
    }
    return w;
  }

  @Test
  void matchesFloat64ReferenceWithChangingLearningRate() {
    LayerProblem pr = new LayerProblem(21);
    for (boolean exclude : new boolean[] {true, false}) {
      for (double lambda : new double[] {0, 0.1}) {
        Lamb.Options o = new Lamb.Options(0.9, 0.999, 1e-6, lambda, !exclude);
        assertClose(reference(pr, o, RAMP), pr.run(ps -> new Lamb(ps, o), RAMP), 2e-6);
      }
    }
  }

  @Test
  void excludedLayersIgnoreWeightDecayAndTrustRatio() {
    LayerProblem pr = new LayerProblem(22);
    float[][] small = pr.run(ps -> new Lamb(ps, new Lamb.Options(0.9, 0.999, 1e-6, 0.01, false)), RAMP);
    float[][] large = pr.run(ps -> new Lamb(ps, new Lamb.Options(0.9, 0.999, 1e-6, 0.5, false)), RAMP);
    float[][] adaptAll = pr.run(ps -> new Lamb(ps, new Lamb.Options(0.9, 0.999, 1e-6, 0.01, true)), RAMP);
    for (int l = 0; l < pr.layers(); l++) {
      if (pr.groups[l] == ParamGroup.BIAS_OR_NORM) {
        assertArrayEquals(small[l], large[l], 0f, "excluded layer " + l + " must not see λ");
        assertTrue(maxDiff(new float[][] {small[l]}, new float[][] {adaptAll[l]}) > 1e-3, "layer " + l);
      } else if (l != LayerProblem.ZERO_WEIGHT_LAYER) { // tiny ||w||: λ barely moves it (φ·||r|| = ||w||)
        assertTrue(maxDiff(new float[][] {small[l]}, new float[][] {large[l]}) > 1e-3, "layer " + l);
      }
    }
  }

  @Test
  void handComputedFirstStep() {
    // First step: m̂ = g, v̂ = g², so r = g/(|g|+ε) + λ·w. w = (3, 4), g = (0.6, −0.8), λ = 0.1, η = 0.2.
    double eps = 1e-6;
    double[] r = {0.6 / (0.6 + eps) + 0.3, -0.8 / (0.8 + eps) + 0.4};
    double phi = 5 / Math.hypot(r[0], r[1]);
    float[] got = oneStep(new float[] {3, 4}, new float[] {0.6f, -0.8f}, new Lamb.Options(0.9, 0.999, eps, 0.1, false), 0.2);
    assertEquals(3 - 0.2 * phi * r[0], got[0], 1e-6);
    assertEquals(4 - 0.2 * phi * r[1], got[1], 1e-6);
  }

  @Test
  void zeroNormsUseTrustRatioOne() {
    Lamb.Options o = new Lamb.Options(0.9, 0.999, 1e-6, 0.1, false);
    // ||w|| = 0: φ = 1, r = g/(|g|+ε) ≈ sign(g), so w ≈ −η·sign(g) (φ = 0 would leave w at 0).
    float[] fromZero = oneStep(new float[] {0, 0}, new float[] {2, -0.5f}, o, 0.1);
    assertEquals(-0.1 * 2 / (2 + 1e-6), fromZero[0], 1e-7);
    assertEquals(0.1 * 0.5 / (0.5 + 1e-6), fromZero[1], 1e-7);
    // ||w|| = 0 and g = 0: r = 0, φ = 1, nothing moves and nothing becomes NaN.
    float[] still = oneStep(new float[] {0, 0}, new float[] {0, 0}, o, 0.1);
    assertEquals(0f, still[0]);
    assertEquals(0f, still[1]);
  }

  @Test
  void updateCountIsCheckpointedSoResumeEqualsUninterrupted() {
    LayerProblem pr = new LayerProblem(23);
    Lamb.Options o = new Lamb.Options(0.9, 0.999, 1e-6, 0.01, false);
    float[][] uninterrupted = pr.run(ps -> new Lamb(ps, o), RAMP);
    // Same problem, but the optimizer is rebuilt from its checkpointed state after every step.
    float[][] resumed = pr.run(ps -> new RebuiltEachStep(ps, o), RAMP);
    assertClose(toDouble(uninterrupted), resumed, 0);
    assertThrows(IllegalArgumentException.class, () -> new Lamb(List.of(), o).restoreScalars(new double[] {1.5}));
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new Lamb.Options(1.0, 0.999, 1e-6, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Lamb.Options(0.9, -0.1, 1e-6, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Lamb.Options(0.9, 0.999, 0, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Lamb.Options(0.9, 0.999, 1e-6, -1, false));
  }

  /** An optimizer that copies its state into a fresh Lamb before each step, like a save/restore. */
  private static final class RebuiltEachStep implements Optimizer {
    private final List<ModelParameter> params;
    private final Lamb.Options o;
    private Lamb current;

    RebuiltEachStep(List<ModelParameter> params, Lamb.Options o) {
      this.params = params;
      this.o = o;
      this.current = new Lamb(params, o);
    }

    @Override
    public void step(double lr) {
      Lamb fresh = new Lamb(params, o);
      List<StateTensor> from = current.state();
      List<StateTensor> to = fresh.state();
      for (int i = 0; i < from.size(); i++) {
        assertEquals(from.get(i).name(), to.get(i).name());
        to.get(i).value().copy_(from.get(i).value());
      }
      fresh.restoreScalars(current.scalars());
      current = fresh;
      current.step(lr);
    }

    @Override
    public List<StateTensor> state() {
      return current.state();
    }

    @Override
    public double[] scalars() {
      return current.scalars();
    }

    @Override
    public void restoreScalars(double[] values) {
      current.restoreScalars(values);
    }

    @Override
    public List<ModelParameter> params() {
      return params;
    }
  }

  private static double[][] toDouble(float[][] f) {
    double[][] d = new double[f.length][];
    for (int l = 0; l < f.length; l++) {
      d[l] = new double[f[l].length];
      for (int i = 0; i < f[l].length; i++) {
        d[l][i] = f[l][i];
      }
    }
    return d;
  }

  /** One step on a single WEIGHT layer whose gradient is {@code g}. */
  private static float[] oneStep(float[] w, float[] g, Lamb.Options o, double lr) {
    ModelParameter p = new ModelParameter("w", Tensors.fromFloats(w, 1, w.length).set_requires_grad(true), ParamGroup.WEIGHT);
    p.value().mul(Tensors.fromFloats(g, 1, g.length)).sum().backward();
    new Lamb(List.of(p), o).step(lr);
    return Tensors.toFloats(p.value());
  }
}
