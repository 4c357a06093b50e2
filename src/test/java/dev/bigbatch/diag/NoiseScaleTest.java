package dev.bigbatch.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Oracle: per-example gradients g_i = G + ξ_i with ξ_i ~ N(0, Σ), Σ diagonal, so the true noise scale
 * is B_simple = tr(Σ)/|G|² in closed form. A batch of B examples has mean gradient ~ N(G, Σ/B); the
 * small batch is the first B_small examples of the big one, as one worker's slice is in data-parallel
 * training.
 */
class NoiseScaleTest {
  /** Draws (|G_small|², |G_big|²) for one step. */
  static double[] step(double[] g, double[] sigma, int small, int big, Random r) {
    double smallSq = 0;
    double bigSq = 0;
    for (int j = 0; j < g.length; j++) {
      double sd = Math.sqrt(sigma[j]);
      double smallMean = g[j] + sd * r.nextGaussian() / Math.sqrt(small);
      double restMean = g[j] + sd * r.nextGaussian() / Math.sqrt(big - small);
      double bigMean = (small * smallMean + (big - small) * restMean) / big;
      smallSq += smallMean * smallMean;
      bigSq += bigMean * bigMean;
    }
    return new double[] {smallSq, bigSq};
  }

  @ParameterizedTest
  @CsvSource({"32, 256, 64", "32, 8192, 1000", "8, 64, 16", "1, 2, 5"})
  void recoversTheClosedFormNoiseScale(int small, int big, double trueNoiseScale) {
    Random r = new Random(42);
    int d = 40;
    double[] g = new double[d];
    double[] sigma = new double[d];
    double gSq = 0;
    for (int j = 0; j < d; j++) {
      g[j] = r.nextGaussian();
      gSq += g[j] * g[j];
    }
    double trace = 0;
    for (int j = 0; j < d; j++) {
      sigma[j] = 0.2 + r.nextDouble(); // anisotropic
      trace += sigma[j];
    }
    double scale = trueNoiseScale * gSq / trace; // rescale Σ so that tr(Σ)/|G|² = trueNoiseScale
    for (int j = 0; j < d; j++) {
      sigma[j] *= scale;
    }
    NoiseScale ns = new NoiseScale(small, big, 0.999);
    for (int t = 0; t < 20000; t++) {
      double[] s = step(g, sigma, small, big, r);
      ns.add(s[0], s[1]);
    }
    NoiseScale.Estimate e = ns.estimate();
    assertEquals(gSq, e.gradNormSq(), 0.05 * gSq, "|G|^2");
    assertEquals(trace * scale, e.traceSigma(), 0.05 * trace * scale, "tr(Sigma)");
    assertEquals(trueNoiseScale, e.bSimple(), 0.08 * trueNoiseScale, "B_simple");
  }

  @Test
  void oneStepEstimatesAreExactWithoutNoise() {
    // No noise: |G_small|² = |G_big|² = |G|², so tr(Σ) = 0 and |G|² is recovered exactly.
    assertEquals(3.0, NoiseScale.gradNormSq(32, 256, 3.0, 3.0), 1e-12);
    assertEquals(0.0, NoiseScale.traceSigma(32, 256, 3.0, 3.0), 1e-12);
    // Expected values: E|G_B|² = |G|² + tr(Σ)/B with |G|² = 2, tr(Σ) = 64.
    double small = 2 + 64.0 / 32;
    double big = 2 + 64.0 / 256;
    assertEquals(2.0, NoiseScale.gradNormSq(32, 256, small, big), 1e-12);
    assertEquals(64.0, NoiseScale.traceSigma(32, 256, small, big), 1e-9);
  }

  @Test
  void emaIsBiasCorrectedFromTheFirstStep() {
    NoiseScale ns = new NoiseScale(32, 256, 0.99);
    ns.add(2 + 64.0 / 32, 2 + 64.0 / 256);
    assertEquals(32.0, ns.estimate().bSimple(), 1e-9);
    assertEquals(1, ns.estimate().steps());
  }

  /**
   * Training moves B_simple (McCandlish et al.: it grows as the loss falls). Two phases drawn from the oracle with
   * true noise scales 16 and 400: the per-phase means recover each, and the EMA at the end sees only the second.
   */
  @Test
  void phasesRecoverEachPhasesNoiseScaleWhereTheEmaSeesOnlyTheLast() {
    Random r = new Random(7);
    int small = 32;
    int big = 256;
    int perPhase = 4000;
    double[] g = {1.0, -0.5, 0.25};
    double gSq = 1.0 + 0.25 + 0.0625;
    double[] trueScale = {16, 400};
    double[] smallSq = new double[2 * perPhase];
    double[] bigSq = new double[2 * perPhase];
    NoiseScale ema = new NoiseScale(small, big, 0.99);
    for (int phase = 0; phase < 2; phase++) {
      double each = trueScale[phase] * gSq / g.length; // isotropic Σ with tr(Σ)/|G|² = trueScale
      double[] sigma = {each, each, each};
      for (int t = 0; t < perPhase; t++) {
        double[] s = step(g, sigma, small, big, r);
        smallSq[phase * perPhase + t] = s[0];
        bigSq[phase * perPhase + t] = s[1];
        ema.add(s[0], s[1]);
      }
    }
    java.util.List<NoiseScale.Estimate> phases = NoiseScale.phases(small, big, smallSq, bigSq, perPhase);
    assertEquals(2, phases.size());
    for (int phase = 0; phase < 2; phase++) {
      assertEquals(perPhase, phases.get(phase).steps());
      assertEquals(trueScale[phase], phases.get(phase).bSimple(), 0.1 * trueScale[phase], "phase " + phase);
    }
    assertEquals(400, ema.estimate().bSimple(), 0.25 * 400, "the EMA forgets the first phase");
    NoiseScale.Estimate whole = NoiseScale.mean(small, big, smallSq, bigSq);
    assertEquals((16 + 400) / 2.0, whole.bSimple(), 0.1 * 208, "one mean over both phases: tr and |G|^2 averaged");
    assertEquals(3, NoiseScale.phases(small, big, smallSq, bigSq, 3000).size(), "a shorter last phase");
    assertEquals(2000, NoiseScale.phases(small, big, smallSq, bigSq, 3000).get(2).steps());
    assertThrows(IllegalArgumentException.class, () -> NoiseScale.phases(small, big, smallSq, bigSq, 0));
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new NoiseScale(32, 32, 0.9));
    assertThrows(IllegalArgumentException.class, () -> new NoiseScale(32, 256, 1.0));
    assertThrows(IllegalArgumentException.class, () -> new NoiseScale(32, 256, 0.9).add(Double.NaN, 1));
    assertEquals(Double.NaN, new NoiseScale(32, 256, 0.9).estimate().bSimple());
  }
}
