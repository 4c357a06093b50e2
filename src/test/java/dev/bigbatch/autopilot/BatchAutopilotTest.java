package dev.bigbatch.autopilot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.data.EpochCursor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decision rule on synthetic gradient feeds with a known noise scale B_noise = tr(Σ)/|G|²: gradients
 * are drawn as in SGD (per-example g_i = G + ξ_i, Cov ξ = Σ), so the squared norms the autopilot sees
 * have the real distribution, and its pick is checked against round(B_noise / n) computed here.
 */
class BatchAutopilotTest {
  private static final EpochCursor.Position EPOCH0 = EpochCursor.Position.START;

  /** Squared norm of the mean of b per-example gradients G + ξ, ξ ~ N(0, diag(σ²)) per coordinate. */
  private static double batchNormSq(double[] g, double sigma, int b, Random rng) {
    double sum = 0;
    double sd = sigma / Math.sqrt(b); // the mean of b independent noises
    for (double gi : g) {
      double v = gi + sd * rng.nextGaussian();
      sum += v * v;
    }
    return sum;
  }

  /** Feeds one window; returns its outcome. Small and big batches are independent draws (as for two workers). */
  private static BatchAutopilot.Outcome feedWindow(BatchAutopilot pilot, double[] g, double sigma, int n,
      EpochCursor.Position at, Random rng) {
    BatchAutopilot.Outcome o = null;
    pilot.beforeStep(at);
    assertTrue(pilot.measuring());
    while (o == null) {
      int big = pilot.workers() * n;
      o = pilot.afterStep(batchNormSq(g, sigma, n, rng), batchNormSq(g, sigma, big, rng));
    }
    assertFalse(pilot.measuring(), "the window closes with its decision");
    return o;
  }

  @Test
  void picksTheGlobalBatchNearAKnownNoiseScale() {
    int d = 200;
    int n = 32;
    double[] g = new double[d];
    java.util.Arrays.fill(g, Math.sqrt(1.0 / d)); // |G|² = 1
    double sigma = Math.sqrt(1024.0 / d); // tr(Σ) = d·σ² = 1024 → B_noise = 1024, k = 32
    BatchAutopilot pilot = new BatchAutopilot(new AutoBatchSettings(0, 1 << 20, 400, 0.99, false), n, 1, 1 << 20, 8);
    BatchAutopilot.Outcome o = feedWindow(pilot, g, sigma, n, EPOCH0, new Random(5));
    assertEquals(1.0, o.estimate().gradNormSq(), 0.1, "|G|²");
    assertEquals(1024, o.estimate().traceSigma(), 100, "tr(Σ)");
    assertEquals(1024, o.estimate().bSimple(), 150, "B_simple");
    assertEquals(32, o.smallBatch(), "B_small = n");
    assertEquals(256, o.bigBatch(), "B_big = the k·n it measured at");
    assertTrue(Math.abs(o.newWorkers() - 32) <= 4, "k near B_noise / n = 32, got " + o.newWorkers());
    assertEquals(Math.round(o.estimate().bSimple() / n), o.newWorkers(), "k = round(B_simple / n)");
    assertEquals(8, o.oldWorkers());
    assertEquals(o.newWorkers(), pilot.workers());
  }

  /** Noise-free norms (their expectations |G|² + tr(Σ)/B): the estimator is exact, so the pick is exact. */
  private static BatchAutopilot.Outcome exactWindow(BatchAutopilot pilot, double g2, double trace, int n,
      EpochCursor.Position at) {
    pilot.beforeStep(at);
    BatchAutopilot.Outcome o = null;
    while (o == null) {
      int big = pilot.workers() * n;
      o = pilot.afterStep(g2 + trace / n, g2 + trace / big);
    }
    return o;
  }

  @Test
  void roundsToAMultipleOfTheProcessesAndClamps() {
    int n = 16;
    // B_noise = 22·16 = 352 → 22 workers; with P = 4 the nearest multiple is 24 (22/4 = 5.5 rounds up).
    BatchAutopilot p4 = new BatchAutopilot(new AutoBatchSettings(0, 8192, 5, 0.9, false), n, 4, 60000, 8);
    assertEquals(24, exactWindow(p4, 2.0, 2.0 * 352, n, EPOCH0).newWorkers());
    // P = 1: exactly 22.
    BatchAutopilot p1 = new BatchAutopilot(new AutoBatchSettings(0, 8192, 5, 0.9, false), n, 1, 60000, 8);
    assertEquals(22, exactWindow(p1, 2.0, 2.0 * 352, n, EPOCH0).newWorkers());
    // --max-batch 200 → kMax = floor(200 / 16) = 12.
    BatchAutopilot capped = new BatchAutopilot(new AutoBatchSettings(0, 200, 5, 0.9, false), n, 1, 60000, 8);
    BatchAutopilot.Outcome o = exactWindow(capped, 2.0, 2.0 * 352, n, EPOCH0);
    assertEquals(12, o.newWorkers());
    assertTrue(o.reason().contains("clamped"), o.reason());
    // The dataset bounds it too: 100 examples, n = 16, P = 2 → kMax = 2·floor(100/32) = 6.
    BatchAutopilot small = new BatchAutopilot(new AutoBatchSettings(0, 8192, 5, 0.9, false), n, 2, 100, 4);
    assertEquals(6, exactWindow(small, 2.0, 2.0 * 352, n, EPOCH0).newWorkers());
    // --min-batch 256 → kMin = 16: a noise scale of 48 does not take it below.
    BatchAutopilot floored = new BatchAutopilot(new AutoBatchSettings(256, 8192, 5, 0.9, false), n, 1, 60000, 8);
    BatchAutopilot.Outcome f = exactWindow(floored, 2.0, 2.0 * 48, n, EPOCH0);
    assertEquals(16, f.newWorkers());
    assertTrue(f.reason().contains("clamped to the minimum"), f.reason());
    // A tiny noise scale shrinks to the minimum of 2 workers (the estimator needs B_big > B_small).
    BatchAutopilot shrink = new BatchAutopilot(new AutoBatchSettings(0, 8192, 5, 0.9, false), n, 1, 60000, 8);
    assertEquals(2, exactWindow(shrink, 2.0, 2.0 * 3, n, EPOCH0).newWorkers());
  }

  @Test
  void withoutGrowItDecidesOnceAndThenStopsMeasuring() {
    BatchAutopilot pilot = new BatchAutopilot(new AutoBatchSettings(0, 8192, 3, 0.9, false), 32, 1, 60000, 8);
    assertEquals(16, exactWindow(pilot, 1, 512, 32, EPOCH0).newWorkers());
    pilot.beforeStep(new EpochCursor.Position(1, 0, 0));
    assertFalse(pilot.measuring(), "no second window without --auto-grow");
  }

  @Test
  void growOpensAWindowEachEpochAndNeverShrinks() {
    BatchAutopilot pilot = new BatchAutopilot(new AutoBatchSettings(0, 8192, 3, 0.9, true), 32, 1, 60000, 8);
    assertEquals(16, exactWindow(pilot, 1, 512, 32, EPOCH0).newWorkers());
    pilot.beforeStep(new EpochCursor.Position(0, 4096, 10));
    assertFalse(pilot.measuring(), "mid-epoch: no window");
    BatchAutopilot.Outcome grown = exactWindow(pilot, 1, 1024, 32, new EpochCursor.Position(1, 0, 0));
    assertEquals(32, grown.newWorkers());
    assertTrue(grown.reason().startsWith("grow"), grown.reason());
    BatchAutopilot.Outcome kept = exactWindow(pilot, 1, 256, 32, new EpochCursor.Position(2, 0, 0));
    assertEquals(32, kept.newWorkers(), "B_simple fell to 256 but the batch only grows");
    assertTrue(kept.reason().contains("grow only"), kept.reason());
  }

  @Test
  void aNonPositiveEstimateKeepsTheBatch() {
    BatchAutopilot pilot = new BatchAutopilot(new AutoBatchSettings(0, 8192, 3, 0.9, false), 32, 1, 60000, 8);
    pilot.beforeStep(EPOCH0);
    BatchAutopilot.Outcome o = null;
    while (o == null) {
      o = pilot.afterStep(1.0, 2.0); // |G_big|² > |G_small|²: tr(Σ) estimate < 0
    }
    assertEquals(8, o.newWorkers());
    assertTrue(o.reason().contains("not usable"), o.reason());
  }

  @Test
  void restoredMidWindowDecidesLikeTheOriginal() {
    AutoBatchSettings s = new AutoBatchSettings(0, 8192, 20, 0.9, true);
    BatchAutopilot a = new BatchAutopilot(s, 32, 1, 60000, 8);
    Random rng = new Random(9);
    double[] g = {0.3, -0.2, 0.5};
    a.beforeStep(EPOCH0);
    double[][] feed = new double[20][2];
    for (double[] f : feed) {
      f[0] = batchNormSq(g, 3, 32, rng);
      f[1] = batchNormSq(g, 3, 256, rng);
    }
    for (int i = 0; i < 7; i++) {
      assertNull(a.afterStep(feed[i][0], feed[i][1]));
    }
    BatchAutopilot b = new BatchAutopilot(s, 32, 1, 60000, 8);
    b.restore(a.state());
    assertTrue(b.measuring());
    BatchAutopilot.Outcome oa = null;
    BatchAutopilot.Outcome ob = null;
    for (int i = 7; i < 20; i++) {
      oa = a.afterStep(feed[i][0], feed[i][1]);
      ob = b.afterStep(feed[i][0], feed[i][1]);
    }
    assertEquals(oa, ob);
    assertEquals(a.state(), b.state());
  }

  @Test
  void settingsAndBoundsAreValidatedWithTheFlagNamed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new AutoBatchSettings(0, 0, 5, 0.9, false))
        .getMessage().startsWith("--max-batch"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new AutoBatchSettings(0, 64, 0, 0.9, false))
        .getMessage().startsWith("--auto-measure-steps"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new AutoBatchSettings(0, 64, 5, 1.0, false))
        .getMessage().startsWith("--auto-ema"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new AutoBatchSettings(-1, 64, 5, 0.5, false))
        .getMessage().startsWith("--min-batch must be >= 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new AutoBatchSettings(128, 64, 5, 0.5, false))
        .getMessage().startsWith("--min-batch 128 exceeds --max-batch 64"));
    AutoBatchSettings s = new AutoBatchSettings(0, 48, 5, 0.9, false);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new BatchAutopilot(s, 32, 1, 60000, 2))
        .getMessage().startsWith("--max-batch 48"));
    AutoBatchSettings ok = new AutoBatchSettings(0, 8192, 5, 0.9, false);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new BatchAutopilot(ok, 32, 1, 60000, 1))
        .getMessage().contains("--workers 1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new BatchAutopilot(ok, 32, 4, 60000, 6))
        .getMessage().contains("multiple of the 4 processes"));
  }
}
