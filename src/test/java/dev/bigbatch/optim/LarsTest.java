package dev.bigbatch.optim;

import static dev.bigbatch.optim.LayerProblem.STEPS;
import static dev.bigbatch.optim.LayerProblem.assertClose;
import static dev.bigbatch.optim.LayerProblem.maxDiff;
import static dev.bigbatch.optim.LayerProblem.norm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Lars against a float64 reference of the paper's rule written out here, plus hand-computed steps. */
class LarsTest {
  private static final LongToDoubleFunction RAMP = t -> 0.5 + 0.5 * t; // a warmup-like ramp

  /**
   * You, Gitman, Ginsburg: λ_l = τ·||w||/(||g|| + β·||w||) (1 if a norm is 0), d = g + β·w.
   * Paper form: v ← m·v + η·λ_l·d, w ← w − v. With momentum correction the learning rate sits
   * outside the momentum (u ← m·u + λ_l·d, w ← w − η·u), as in Goyal eq. (9).
   */
  static double[][] reference(LayerProblem pr, Lars.Options o, LongToDoubleFunction lr) {
    double[][] w = pr.initAsDouble();
    double[][] buf = new double[pr.layers()][];
    for (int l = 0; l < pr.layers(); l++) {
      buf[l] = new double[w[l].length];
    }
    for (int t = 0; t < STEPS; t++) {
      double eta = lr.applyAsDouble(t);
      for (int l = 0; l < pr.layers(); l++) {
        boolean adapt = pr.groups[l] == ParamGroup.WEIGHT || o.decayBiasAndNorm();
        double beta = adapt ? o.weightDecay() : 0;
        float[] g = pr.grads[t][l];
        double wNorm = norm(w[l]);
        double gNorm = norm(g);
        double local = !adapt || wNorm == 0 || gNorm == 0 ? 1 : o.trustCoefficient() * wNorm / (gNorm + beta * wNorm);
        for (int i = 0; i < w[l].length; i++) {
          double d = g[i] + beta * w[l][i];
          if (o.momentumCorrection()) {
            buf[l][i] = o.momentum() * buf[l][i] + local * d;
            w[l][i] -= eta * buf[l][i];
          } else {
            buf[l][i] = o.momentum() * buf[l][i] + eta * local * d;
            w[l][i] -= buf[l][i];
          }
        }
      }
    }
    return w;
  }

  @Test
  void matchesFloat64ReferenceWithChangingLearningRate() {
    LayerProblem pr = new LayerProblem(11);
    for (boolean exclude : new boolean[] {true, false}) {
      for (boolean correction : new boolean[] {true, false}) {
        // τ larger than the paper's 0.001 so that every step moves the weights well above float32 noise.
        Lars.Options o = new Lars.Options(0.9, 0.05, 0.02, !exclude, correction);
        assertClose(reference(pr, o, RAMP), pr.run(ps -> new Lars(ps, o), RAMP), 2e-6);
      }
    }
  }

  @Test
  void momentumCorrectionMattersOnlyWhenTheLearningRateChanges() {
    LayerProblem pr = new LayerProblem(12);
    Lars.Options with = new Lars.Options(0.9, 0.01, 0.02, false, true);
    Lars.Options without = new Lars.Options(0.9, 0.01, 0.02, false, false);
    assertTrue(maxDiff(pr.run(ps -> new Lars(ps, with), RAMP), pr.run(ps -> new Lars(ps, without), RAMP)) > 1e-3);
    LongToDoubleFunction constant = t -> 1.5;
    assertTrue(maxDiff(pr.run(ps -> new Lars(ps, with), constant), pr.run(ps -> new Lars(ps, without), constant)) < 1e-6);
  }

  @Test
  void excludedBiasAndNormTakePlainMomentumSgd() {
    LayerProblem pr = new LayerProblem(13);
    Lars.Options o = new Lars.Options(0.9, 0.05, 0.02, false, true);
    float[][] lars = pr.run(ps -> new Lars(ps, o), RAMP);
    // The oracle for excluded layers is Sgd itself: no decay on BIAS_OR_NORM, no Nesterov, same correction.
    float[][] sgd = pr.run(ps -> new Sgd(ps, new Sgd.Options(0.9, 0.05, false, false, true)), RAMP);
    for (int l = 0; l < pr.layers(); l++) {
      if (pr.groups[l] == ParamGroup.BIAS_OR_NORM) {
        for (int i = 0; i < lars[l].length; i++) {
          assertEquals(sgd[l][i], lars[l][i], 1e-6, "layer " + l);
        }
      }
    }
    float[][] adaptAll = pr.run(ps -> new Lars(ps, new Lars.Options(0.9, 0.05, 0.02, true, true)), RAMP);
    assertTrue(Math.abs(adaptAll[1][0] - lars[1][0]) > 1e-3, "exclusion off must change the bias update");
  }

  @Test
  void handComputedFirstStep() {
    // w = (3, 4): ||w|| = 5; g = (0.6, 0.8): ||g|| = 1; β = 0.01, τ = 0.001, η = 2.
    double local = 0.001 * 5 / (1 + 0.01 * 5);
    double[] expected = {3 - 2 * local * (0.6 + 0.03), 4 - 2 * local * (0.8 + 0.04)};
    float[] got = oneStep(new float[] {3, 4}, new float[] {0.6f, 0.8f}, new Lars.Options(0.9, 0.01, 0.001, false, true), 2);
    assertEquals(expected[0], got[0], 1e-6);
    assertEquals(expected[1], got[1], 1e-6);
  }

  @Test
  void zeroWeightOrZeroGradientNormUsesLocalRateOne() {
    Lars.Options o = new Lars.Options(0.9, 0.1, 0.001, false, true);
    // ||w|| = 0: λ = 1, so w = −η·g (τ·0/||g|| would leave w at 0).
    float[] fromZero = oneStep(new float[] {0, 0, 0}, new float[] {1, -2, 0.5f}, o, 0.5);
    assertEquals(-0.5, fromZero[0], 1e-7);
    assertEquals(1.0, fromZero[1], 1e-7);
    assertEquals(-0.25, fromZero[2], 1e-7);
    // ||g|| = 0 with β = 0.1: λ = 1 (not τ/β), d = β·w, so w = w − η·β·w.
    float[] noGrad = oneStep(new float[] {3, 4}, new float[] {0, 0}, o, 0.5);
    assertEquals(3 - 0.5 * 0.1 * 3, noGrad[0], 1e-6);
    assertEquals(4 - 0.5 * 0.1 * 4, noGrad[1], 1e-6);
    // Both zero and β = 0: nothing moves and nothing becomes NaN.
    float[] still = oneStep(new float[] {0, 0}, new float[] {0, 0}, new Lars.Options(0.9, 0, 0.001, false, true), 0.5);
    assertEquals(0f, still[0]);
    assertEquals(0f, still[1]);
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new Lars.Options(1.0, 0, 0.001, false, true));
    assertThrows(IllegalArgumentException.class, () -> new Lars.Options(0.9, -1, 0.001, false, true));
    assertThrows(IllegalArgumentException.class, () -> new Lars.Options(0.9, 0, 0, false, true));
  }

  /** One step on a single WEIGHT layer whose gradient is {@code g}. */
  private static float[] oneStep(float[] w, float[] g, Lars.Options o, double lr) {
    ModelParameter p = new ModelParameter("w", Tensors.fromFloats(w, 1, w.length).set_requires_grad(true), ParamGroup.WEIGHT);
    p.value().mul(Tensors.fromFloats(g, 1, g.length)).sum().backward();
    new Lars(List.of(p), o).step(lr);
    return Tensors.toFloats(p.value());
  }
}
