package dev.bigbatch.autopilot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.train.Recipe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The --batch auto schedule on the epoch axis ({@link Recipe#overProgress}): with a fixed batch it is the step-axis
 * recipe ({@link Recipe#schedule}: the same warmup and decay objects, on whole steps instead of epochs), and changing
 * the batch changes only the scaling-rule factor, never the warmup/decay position.
 */
class AutoRecipeTest {
  private static JobSpec config(String warmup, String decay, String scaling, int workers) {
    return config(warmup, decay, scaling, workers, false);
  }

  /** @param auto {@code --batch auto} */
  private static JobSpec config(String warmup, String decay, String scaling, int workers, boolean auto) {
    JobSpec.Builder b = JobSpec.builder();
    b.batch.mode = auto ? dev.bigbatch.spec.BatchSpec.Mode.AUTO : dev.bigbatch.spec.BatchSpec.Mode.FIXED;
    b.batch.perWorker = 32;
    b.batch.workers = workers;
    b.lr.base = 0.1;
    b.lr.baseBatch = 256;
    b.epochs = 6;
    b.lr.warmup = LrSpec.Warmup.valueOf(warmup);
    b.lr.warmupEpochs = 1.5;
    b.lr.warmupStart = 0.05;
    b.lr.decay = LrSpec.Decay.valueOf(decay);
    b.lr.decayEpochs = new double[] {2.5, 4.75};
    b.lr.scaling = ScalingRule.valueOf(scaling);
    return b.build();
  }

  /** 40 steps per epoch (N = 40·kn, no drop): step s sits at progress s/40, whole warmup and milestone steps. */
  @ParameterizedTest
  @CsvSource({
      "GRADUAL, COSINE, LINEAR, 8", "GRADUAL, STEP, LINEAR, 16", "CONSTANT, POLY, SQRT, 32", "NONE, COSINE, NONE, 4",
      "GRADUAL, NONE, SQRT, 64", "NONE, STEP, LINEAR, 8"})
  void aFixedBatchFollowsTheStepRecipe(String warmup, String decay, String scaling, int workers) {
    JobSpec c = config(warmup, decay, scaling, workers);
    int stepsPerEpoch = 40;
    LrSchedule steps = Recipe.schedule(c, stepsPerEpoch);
    Recipe.OverProgress epochs = Recipe.overProgress(c, stepsPerEpoch * c.batch().global());
    for (long s = 0; s < 6 * stepsPerEpoch; s++) {
      double expected = steps.lrAt(s);
      assertEquals(expected, epochs.lrAt(s / (double) stepsPerEpoch, c.batch().global()), 1e-12 * Math.max(1, expected),
          "step " + s);
    }
  }

  @Test
  void changingTheBatchScalesByTheRuleAndKeepsTheDecayPosition() {
    int examples = 10240; // 40 steps of 256 per epoch
    Recipe.OverProgress linear = Recipe.overProgress(config("GRADUAL", "COSINE", "LINEAR", 8), examples);
    Recipe.OverProgress sqrt = Recipe.overProgress(config("GRADUAL", "COSINE", "SQRT", 8), examples);
    for (double p : new double[] {1.5, 2.0, 3.7, 5.9}) {
      double cosine = 0.5 * (1 + Math.cos(Math.PI * (p - 1.5) / 4.5)); // over the 4.5 epochs after the warmup
      assertEquals(0.1 * 256 / 256 * cosine, linear.lrAt(p, 256), 1e-15);
      assertEquals(0.1 * 1024 / 256 * cosine, linear.lrAt(p, 1024), 1e-15, "×4 batch → ×4 lr at the same epoch");
      assertEquals(0.1 * 2 * cosine, sqrt.lrAt(p, 1024), 1e-15, "sqrt: ×4 batch → ×2 lr");
    }
    // During gradual warmup the ramp heads for the current batch's peak and starts at the same point; it reaches
    // the peak at the warmup's last step, which at kn = 4096 (0.4 epoch per step) starts at 1.5 − 0.4 = 1.1.
    assertEquals(0.05, linear.lrAt(0, 256), 1e-15);
    assertEquals(0.05, linear.lrAt(0, 4096), 1e-15);
    assertEquals(0.05 + (1.6 - 0.05) * 0.75 / 1.1, linear.lrAt(0.75, 4096), 1e-12);
    assertEquals(1.6, linear.lrAt(1.1, 4096), 1e-12);
    // Continuity on the epoch axis at a fixed batch: no jump at the end of warmup, smooth everywhere.
    for (int kn : new int[] {256, 4096}) {
      double before = linear.lrAt(1.5 - 1e-9, kn);
      double after = linear.lrAt(1.5, kn);
      assertTrue(Math.abs(after - before) < 1e-6 * after, kn + ": " + before + " vs " + after);
    }
  }

  @Test
  void legwIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Recipe.overProgress(config("LEGW", "COSINE", "SQRT", 8, true), 10240));
    assertTrue(e.getMessage().startsWith("--warmup legw cannot be used with --batch auto"), e.getMessage());
  }
}
