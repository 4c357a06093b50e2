package dev.bigbatch.autopilot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.schedule.ProgressSchedule;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.train.Recipe;
import dev.bigbatch.train.TrainConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The --batch auto schedule on the epoch axis: with a fixed batch it is the step-axis recipe
 * ({@link Recipe}, an independent implementation), and changing the batch changes only the scaling-rule
 * factor, never the warmup/decay position.
 */
class AutoRecipeTest {
  private static TrainConfig config(String warmup, String decay, String scaling, int workers) {
    TrainConfig.Builder b = TrainConfig.builder();
    b.perWorkerBatch = 32;
    b.workers = workers;
    b.baseLr = 0.1;
    b.baseBatch = 256;
    b.epochs = 6;
    b.warmup = TrainConfig.WarmupKind.valueOf(warmup);
    b.warmupEpochs = 1.5;
    b.warmupStartLr = 0.05;
    b.decay = TrainConfig.DecayKind.valueOf(decay);
    b.decayEpochs = new double[] {2.5, 4.75};
    b.lrScaling = ScalingRule.valueOf(scaling);
    return b.build();
  }

  /** 40 steps per epoch (N = 40·kn, no drop): step s sits at progress s/40, whole warmup and milestone steps. */
  @ParameterizedTest
  @CsvSource({
      "GRADUAL, COSINE, LINEAR, 8", "GRADUAL, STEP, LINEAR, 16", "CONSTANT, POLY, SQRT, 32", "NONE, COSINE, NONE, 4",
      "GRADUAL, NONE, SQRT, 64", "NONE, STEP, LINEAR, 8"})
  void aFixedBatchFollowsTheStepRecipe(String warmup, String decay, String scaling, int workers) {
    TrainConfig c = config(warmup, decay, scaling, workers);
    int stepsPerEpoch = 40;
    LrSchedule steps = Recipe.schedule(c, stepsPerEpoch);
    ProgressSchedule epochs = AutoRecipe.schedule(c);
    for (long s = 0; s < 6 * stepsPerEpoch; s++) {
      double expected = steps.lrAt(s);
      assertEquals(expected, epochs.lrAt(s / (double) stepsPerEpoch, c.globalBatch()), 1e-12 * Math.max(1, expected),
          "step " + s);
    }
  }

  @Test
  void changingTheBatchScalesByTheRuleAndKeepsTheDecayPosition() {
    ProgressSchedule linear = AutoRecipe.schedule(config("GRADUAL", "COSINE", "LINEAR", 8));
    ProgressSchedule sqrt = AutoRecipe.schedule(config("GRADUAL", "COSINE", "SQRT", 8));
    for (double p : new double[] {1.5, 2.0, 3.7, 5.9}) {
      double cosine = 0.5 * (1 + Math.cos(Math.PI * p / 6));
      assertEquals(0.1 * 256 / 256 * cosine, linear.lrAt(p, 256), 1e-15);
      assertEquals(0.1 * 1024 / 256 * cosine, linear.lrAt(p, 1024), 1e-15, "×4 batch → ×4 lr at the same epoch");
      assertEquals(0.1 * 2 * cosine, sqrt.lrAt(p, 1024), 1e-15, "sqrt: ×4 batch → ×2 lr");
    }
    // During gradual warmup the ramp heads for the current batch's target and starts at the same point.
    assertEquals(0.05, linear.lrAt(0, 256), 1e-15);
    assertEquals(0.05, linear.lrAt(0, 4096), 1e-15);
    double target = 0.1 * 4096 / 256 * 0.5 * (1 + Math.cos(Math.PI * 1.5 / 6));
    assertEquals(0.05 + (target - 0.05) * 0.5, linear.lrAt(0.75, 4096), 1e-12);
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
        () -> AutoRecipe.schedule(config("LEGW", "COSINE", "SQRT", 8)));
    assertTrue(e.getMessage().startsWith("--warmup legw cannot be used with --batch auto"), e.getMessage());
  }
}
