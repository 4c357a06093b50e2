package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.train.Recipe;
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

  private static JobSpec config(int scale, LrSpec.Warmup warmup, ScalingRule rule, LrSpec.Decay decay) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "lstm";
    b.batch.perWorker = BASE;
    b.batch.workers = scale;
    b.batch.workersPerChunk = 1;
    b.lr.baseBatch = BASE;
    b.lr.base = ETA0;
    b.lr.warmup = warmup;
    b.lr.warmupEpochs = M0;
    b.lr.warmupStart = 1e-4;
    b.lr.scaling = rule;
    b.lr.decay = decay;
    b.epochs = 10;
    return b.build();
  }

  @Test
  void legwPeakIsSqrtScaledAndWarmupGrowsLinearlyWithTheBatch() {
    for (int s : new int[] {1, 2, 4, 8, 16, 32, 64}) {
      int spe = EXAMPLES / (BASE * s);
      // --lr-scaling linear is overridden: LEGW always pairs its warmup with the sqrt rule.
      JobSpec c = config(s, LrSpec.Warmup.LEGW, ScalingRule.LINEAR, LrSpec.Decay.NONE);
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
    JobSpec c = config(s, LrSpec.Warmup.LEGW, ScalingRule.SQRT, LrSpec.Decay.POLY);
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
      JobSpec c = config(s, LrSpec.Warmup.GRADUAL, ScalingRule.LINEAR, LrSpec.Decay.NONE);
      long m = Math.round(M0 * spe); // fixed in epochs: fewer steps as the batch grows (23, 3)
      assertEquals(ETA0 * s, Recipe.peakLr(c), 1e-12);
      assertEquals(m, Recipe.warmupSteps(c, spe));
      assertEquals(ETA0 * s, Recipe.schedule(c, spe).lrAt(m - 1), 1e-12);
      assertTrue(m <= Math.round(M0 * s * spe));
    }
    // ×64: 7 steps per epoch, 0.05 epoch = 0.35 iteration: the fixed warmup rounds to none, which train refuses.
    JobSpec c = config(64, LrSpec.Warmup.GRADUAL, ScalingRule.LINEAR, LrSpec.Decay.NONE);
    assertEquals(0, Recipe.warmupSteps(c, 7));
    assertThrows(IllegalArgumentException.class, () -> Recipe.schedule(c, 7));
  }
}
