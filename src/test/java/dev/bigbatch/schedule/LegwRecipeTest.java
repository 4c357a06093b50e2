package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.train.Recipe;
import dev.bigbatch.train.TrainConfig;
import org.junit.jupiter.api.Test;

/**
 * LEGW through the recipe, as the trainer gets it: batch ×s (s = 1..64 from B0 = 128) gives peak
 * η0·sqrt(s) and a gradual warmup of m0·s epochs, whatever --lr-scaling says, that reaches the peak at its
 * last iteration; compared with the closed forms at chosen steps. (The runs here start the warmup at an
 * explicit --warmup-start-lr 1e-4, so even ×1 ramps.)
 */
class LegwRecipeTest {
  private static final int BASE = 128;
  private static final double ETA0 = 0.01;
  private static final double M0 = 0.05; // warmup epochs at the base batch
  private static final int EXAMPLES = 60_000;

  private static TrainConfig config(int scale, TrainConfig.WarmupKind warmup, ScalingRule rule, TrainConfig.DecayKind decay) {
    TrainConfig.Builder b = TrainConfig.builder();
    b.model = "lstm";
    b.perWorkerBatch = BASE;
    b.workers = scale;
    b.workersPerChunk = 1;
    b.baseBatch = BASE;
    b.baseLr = ETA0;
    b.warmup = warmup;
    b.warmupEpochs = M0;
    b.warmupStartLr = 1e-4;
    b.lrScaling = rule;
    b.decay = decay;
    b.epochs = 10;
    return b.build();
  }

  @Test
  void legwPeakIsSqrtScaledAndWarmupGrowsLinearlyWithTheBatch() {
    for (int s : new int[] {1, 2, 4, 8, 16, 32, 64}) {
      int spe = EXAMPLES / (BASE * s);
      // --lr-scaling linear is overridden: LEGW always pairs its warmup with the sqrt rule.
      TrainConfig c = config(s, TrainConfig.WarmupKind.LEGW, ScalingRule.LINEAR, TrainConfig.DecayKind.NONE);
      double peak = ETA0 * Math.sqrt(s);
      long m = Math.round(M0 * s * spe);
      assertEquals(peak, Recipe.peakLr(c), 1e-12, "scale " + s);
      assertEquals(m, Recipe.warmupSteps(c, spe), "scale " + s);
      LrSchedule lr = Recipe.schedule(c, spe);
      assertEquals(1e-4, lr.lrAt(0), 1e-15);
      for (long t : new long[] {1, m / 3, m / 2, m - 1}) {
        assertEquals(1e-4 + (peak - 1e-4) * t / (m - 1), lr.lrAt(t), 1e-12, "scale " + s + " step " + t);
      }
      assertEquals(peak, lr.lrAt(m - 1), 1e-12, "the peak at the warmup's last iteration");
      assertEquals(peak, lr.lrAt(m), 1e-12);
      assertEquals(peak, lr.lrAt(5L * spe), 1e-12);
    }
  }

  @Test
  void legwWarmupHandsOverToAPolynomialDecayOverTheStepsAfterIt() {
    int s = 16;
    int spe = EXAMPLES / (BASE * s); // 29
    TrainConfig c = config(s, TrainConfig.WarmupKind.LEGW, ScalingRule.SQRT, TrainConfig.DecayKind.POLY);
    double peak = ETA0 * 4;
    long total = 10L * spe;
    long m = Math.round(M0 * s * spe); // round(23.2) = 23
    LrSchedule lr = Recipe.schedule(c, spe);
    long half = m / 2;
    assertEquals(1e-4 + (peak - 1e-4) * half / (m - 1), lr.lrAt(half), 1e-12);
    assertEquals(peak, lr.lrAt(m - 1), 1e-12);
    assertEquals(peak, lr.lrAt(m), 1e-12);
    long t = total - spe;
    assertEquals(peak * Math.pow(1 - (double) (t - m) / (total - m), 2), lr.lrAt(t), 1e-12);
    assertEquals(0.0, lr.lrAt(total), 1e-15);
  }

  @Test
  void linearScalingWithFixedWarmupIsTheComparisonArm() {
    for (int s : new int[] {1, 8}) {
      int spe = EXAMPLES / (BASE * s);
      TrainConfig c = config(s, TrainConfig.WarmupKind.GRADUAL, ScalingRule.LINEAR, TrainConfig.DecayKind.NONE);
      long m = Math.round(M0 * spe); // fixed in epochs: fewer steps as the batch grows (23, 3)
      assertEquals(ETA0 * s, Recipe.peakLr(c), 1e-12);
      assertEquals(m, Recipe.warmupSteps(c, spe));
      assertEquals(ETA0 * s, Recipe.schedule(c, spe).lrAt(m - 1), 1e-12);
      assertTrue(m <= Math.round(M0 * s * spe));
    }
    // ×64: 7 steps per epoch, 0.05 epoch = 0.35 iteration: the fixed warmup rounds to none, which train refuses.
    TrainConfig c = config(64, TrainConfig.WarmupKind.GRADUAL, ScalingRule.LINEAR, TrainConfig.DecayKind.NONE);
    assertEquals(0, Recipe.warmupSteps(c, 7));
    assertThrows(IllegalArgumentException.class, () -> Recipe.schedule(c, 7));
  }
}
