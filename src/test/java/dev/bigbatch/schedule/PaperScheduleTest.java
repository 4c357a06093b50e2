package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.train.Recipe;
import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The learning rate of every step, as the trainer gets it ({@link Recipe#schedule} for a fixed batch,
 * {@link Recipe#overProgress} on the epoch axis), against the papers' formulas written out here. Nothing on the expected
 * side calls production code: scaling factors, warmup lengths in steps, milestones and decay spans are worked
 * out by hand in the comments (Fashion-MNIST: D = 60000, S = ⌊D/kn⌋ steps per epoch, M = round(m·S) warmup
 * steps, T = round(E·S) steps) and the rates come from these formulas:
 *
 * <ul>
 *   <li>Goyal et al. 2017 §2.1, linear scaling rule: "When the minibatch size is multiplied by k, multiply the
 *       learning rate by k." k = kn/B0. Table 2a also runs η unscaled and ·√k (Krizhevsky's rule; LEGW's).
 *   <li>§2.2, gradual warmup: "we start from a learning rate of η and increment it by a constant amount at each
 *       iteration such that it reaches η̂ = kη after 5 epochs": η + (kη − η)·t/(M − 1) for t = 0 … M − 1.
 *       Constant warmup: "a low constant learning rate for the first few epochs": η for t &lt; M, then kη.
 *       At k ≤ 1 there is nothing to warm up to: kη throughout.
 *   <li>Goyal's step decay: ÷10 at epochs 30, 60, 80 of 90, counted from the start (warmup included).
 *   <li>LEGW (You et al. 2019): sqrt scaling, warmup epochs m0·kn/B0.
 *   <li>LARS (You, Gitman, Ginsburg 2017): polynomial decay of power 2 over the iterations after the warmup,
 *       kη·(1 − (t − M)/(T − M))²; cosine likewise kη·(1 + cos(π·(t − M)/(T − M)))/2.
 * </ul>
 */
class PaperScheduleTest {
  private static final double TOL = 1e-12;

  // ---------------------------------------------------------------- the papers' formulas

  /** Goyal §2.2 gradual warmup at iteration t &lt; M: from η, a constant increment, kη at t = M − 1. */
  private static double gradual(double eta, double peak, int warmupSteps, int t) {
    return eta + (peak - eta) * t / (warmupSteps - 1);
  }

  /** Goyal's step decay: the peak ÷ 10 per milestone (absolute steps) already passed. */
  private static double stepDecay(double peak, int t, int... milestones) {
    double lr = peak;
    for (int m : milestones) {
      if (t >= m) {
        lr /= 10;
      }
    }
    return lr;
  }

  /** LARS' polynomial decay, power 2, over the T − M iterations after the warmup. */
  private static double poly2(double peak, int warmupSteps, int totalSteps, int t) {
    double u = (t - warmupSteps) / (double) (totalSteps - warmupSteps);
    return peak * (1 - u) * (1 - u);
  }

  /** Cosine over the T − M iterations after the warmup. */
  private static double cosine(double peak, int warmupSteps, int totalSteps, int t) {
    return peak * 0.5 * (1 + Math.cos(Math.PI * (t - warmupSteps) / (totalSteps - warmupSteps)));
  }

  // ---------------------------------------------------------------- configs as the trainer's flags give them

  /** Goyal's ImageNet settings as bigbatch runs them: n = 32, η0 = 0.1 at B0 = 256, linear rule, gradual warmup. */
  private static JobSpec config(int workers, Consumer<JobSpec.Builder> edit) {
    JobSpec.Builder b = JobSpec.builder();
    b.batch.perWorker = 32;
    b.batch.workers = workers;
    b.lr.base = 0.1;
    b.lr.baseBatch = 256;
    b.lr.scaling = ScalingRule.LINEAR;
    b.lr.warmup = LrSpec.Warmup.GRADUAL;
    b.lr.warmupEpochs = 1;
    b.lr.decay = LrSpec.Decay.STEP;
    b.epochs = 18;
    b.lr.decayEpochs = new double[] {6, 12, 16}; // Goyal's 30/60/80 of 90 at 1/5 length (reproduce --budget full)
    edit.accept(b);
    return b.build();
  }

  /** Every step 0 … T − 1 of the fixed-batch schedule equals the paper's rate. */
  private static void assertSteps(String what, JobSpec c, int stepsPerEpoch, int totalSteps, IntToDoubleFunction paper) {
    LrSchedule lr = Recipe.schedule(c, stepsPerEpoch);
    for (int t = 0; t < totalSteps; t++) {
      double want = paper.applyAsDouble(t);
      assertEquals(want, lr.lrAt(t), TOL * Math.max(1, want), what + ", step " + t);
    }
  }

  /**
   * The same on the epoch axis (--batch auto at a constant batch): N = S·kn examples, step t starts at p = t/S.
   * Only for warmups and milestones that are whole numbers of steps, where both axes describe the same run.
   */
  private static void assertProgress(String what, JobSpec c, int stepsPerEpoch, int totalSteps, IntToDoubleFunction paper) {
    Recipe.OverProgress lr = Recipe.overProgress(c, stepsPerEpoch * c.batch().global());
    for (int t = 0; t < totalSteps; t++) {
      double want = paper.applyAsDouble(t);
      assertEquals(want, lr.lrAt(t / (double) stepsPerEpoch, c.batch().global()), TOL * Math.max(1, want),
          what + " (epoch axis), step " + t);
    }
  }

  private static double max(JobSpec c, int stepsPerEpoch, int totalSteps) {
    LrSchedule lr = Recipe.schedule(c, stepsPerEpoch);
    double max = 0;
    for (int t = 0; t < totalSteps; t++) {
      max = Math.max(max, lr.lrAt(t));
    }
    return max;
  }

  // ---------------------------------------------------------------- Goyal Table 1: kn = 8k, none / constant / gradual

  // kn = 8192: k = 32, kη = 3.2; S = 7, T = 18·7 = 126; warmup 1 epoch = 7 steps; milestones 42, 84, 112.

  @Test
  void goyalWithoutWarmupUsesTheScaledRateFromStepZero() {
    JobSpec c = config(256, b -> b.lr.warmup = LrSpec.Warmup.NONE);
    IntToDoubleFunction paper = t -> stepDecay(3.2, t, 42, 84, 112);
    assertSteps("no warmup", c, 7, 126, paper);
    assertProgress("no warmup", c, 7, 126, paper);
    assertEquals(3.2, Recipe.schedule(c, 7).lrAt(0), TOL);
  }

  @Test
  void goyalConstantWarmupRunsEtaThenJumpsToKEta() {
    JobSpec c = config(256, b -> b.lr.warmup = LrSpec.Warmup.CONSTANT);
    IntToDoubleFunction paper = t -> t < 7 ? 0.1 : stepDecay(3.2, t, 42, 84, 112);
    assertSteps("constant warmup", c, 7, 126, paper);
    assertProgress("constant warmup", c, 7, 126, paper);
  }

  @Test
  void goyalGradualWarmupStartsAtEtaAndReachesKEtaAtItsLastIteration() {
    JobSpec c = config(256, b -> {});
    IntToDoubleFunction paper = t -> t < 7 ? gradual(0.1, 3.2, 7, t) : stepDecay(3.2, t, 42, 84, 112);
    assertSteps("gradual warmup", c, 7, 126, paper);
    assertProgress("gradual warmup", c, 7, 126, paper);
    LrSchedule lr = Recipe.schedule(c, 7);
    // By hand: increment (3.2 − 0.1)/6 = 0.51667 per iteration.
    assertEquals(0.1, lr.lrAt(0), TOL);
    assertEquals(0.1 + 3 * 3.1 / 6, lr.lrAt(3), TOL);
    assertEquals(3.2, lr.lrAt(6), TOL);
    assertEquals(3.2, lr.lrAt(7), TOL);
    assertEquals(3.2, lr.lrAt(41), TOL);
    assertEquals(0.32, lr.lrAt(42), TOL);
    assertEquals(0.0032, lr.lrAt(125), TOL);
  }

  @Test
  void anExplicitWarmupStartReplacesEta() {
    JobSpec c = config(256, b -> b.lr.warmupStart = 0.01);
    assertSteps("--warmup-start-lr 0.01", c, 7, 126, t -> t < 7 ? gradual(0.01, 3.2, 7, t) : stepDecay(3.2, t, 42, 84, 112));
  }

  // ---------------------------------------------------------------- Goyal Table 2a: scaling rules at kn = 8k

  @Test
  void table2aRulesEachRampFromTheirOwnEta() {
    // η·32 for η = 0.05, 0.1, 0.2 (linear), η = 0.1 unscaled, 0.1·√32: the ramp starts at the row's η.
    double[][] rows = {{0.05, 1.6}, {0.1, 3.2}, {0.2, 6.4}};
    for (double[] row : rows) {
      JobSpec c = config(256, b -> b.lr.base = row[0]);
      IntToDoubleFunction paper = t -> t < 7 ? gradual(row[0], row[1], 7, t) : stepDecay(row[1], t, 42, 84, 112);
      assertSteps("η = " + row[0] + "·32", c, 7, 126, paper);
      assertProgress("η = " + row[0] + "·32", c, 7, 126, paper);
    }
    JobSpec sqrt = config(256, b -> b.lr.scaling = ScalingRule.SQRT);
    double sqrtPeak = 0.1 * Math.sqrt(32); // 0.5657
    assertSteps("η = 0.1·√32", sqrt, 7, 126, t -> t < 7 ? gradual(0.1, sqrtPeak, 7, t) : stepDecay(sqrtPeak, t, 42, 84, 112));
    JobSpec none = config(256, b -> b.lr.scaling = ScalingRule.NONE);
    // No scaling: η = 0.1 is the peak too, the warmup has nothing to ramp.
    assertSteps("η = 0.1 unscaled", none, 7, 126, t -> stepDecay(0.1, t, 42, 84, 112));
    assertProgress("η = 0.1 unscaled", none, 7, 126, t -> stepDecay(0.1, t, 42, 84, 112));
  }

  // ---------------------------------------------------------------- Goyal Figure 1: kn below and above B0

  @Test
  void belowTheBaseBatchThereIsNoRamp() {
    // kn = 64: k = 1/4, kη = 0.025 from step 0 (before: a "warmup" ran downhill 0.1 → 0.025). S = 937, T = 16866,
    // milestones 6·937 = 5622, 11244, 14992.
    for (LrSpec.Warmup w : new LrSpec.Warmup[] {LrSpec.Warmup.GRADUAL, LrSpec.Warmup.CONSTANT}) {
      JobSpec c = config(2, b -> b.lr.warmup = w);
      assertSteps("kn = 64, " + w, c, 937, 16866, t -> stepDecay(0.025, t, 5622, 11244, 14992));
      assertProgress("kn = 64, " + w, c, 937, 16866, t -> stepDecay(0.025, t, 5622, 11244, 14992));
    }
    // kn = 256 = B0: k = 1, η = 0.1 throughout the warmup. S = 234, milestones 1404, 2808, 3744.
    assertSteps("kn = 256", config(8, b -> {}), 234, 4212, t -> stepDecay(0.1, t, 1404, 2808, 3744));
  }

  @Test
  void quickFigure1At16kReachesItsListedPeak() {
    // reproduce goyal-figure1 --budget quick at kn = 16384: E = 2, warmup 0.5 epoch, decays at 2/3, 4/3, 16/9
    // epochs. S = 3, T = 6, M = round(1.5) = 2, milestones round(2), round(4), round(5.33) = 2, 4, 5. The table
    // lists peak η 6.4; the rate was capped at 0.64 when the ramp aimed at the decayed schedule.
    JobSpec c = config(512, b -> {
      b.model.architecture = "mlp";
      b.epochs = 2;
      b.lr.warmupEpochs = 0.5;
      b.lr.decayEpochs = new double[] {2.0 / 3, 4.0 / 3, 16.0 / 9};
    });
    assertSteps("quick figure 1, kn = 16k", c, 3, 6, t -> t < 2 ? gradual(0.1, 6.4, 2, t) : stepDecay(6.4, t, 2, 4, 5));
    assertEquals(6.4, max(c, 3, 6), TOL);
    assertEquals(6.4, Recipe.schedule(c, 3).lrAt(1), TOL);
  }

  // ---------------------------------------------------------------- LEGW (MNIST-LSTM from B0 = 128)

  @Test
  void legwScalesBySqrtAndItsWarmupLengthLinearly() {
    // reproduce legw --budget full before issue 16: n = 128, B0 = 128, η0 = 0.1, m0 = 0.03125 epoch, E = 3, cosine, D = 32768.
    // ×s: S = 256/s, m = m0·s epochs = 8 steps for every s, T = 768/s, peak 0.1·√s.
    for (int s : new int[] {1, 4, 16, 64}) {
      JobSpec.Builder b = JobSpec.builder();
      b.model.architecture = "lstm";
      b.batch.perWorker = 128;
      b.batch.workers = s;
      b.batch.workersPerChunk = s;
      b.lr.baseBatch = 128;
      b.lr.base = 0.1;
      b.lr.scaling = ScalingRule.LINEAR; // LEGW overrides it with sqrt
      b.lr.warmup = LrSpec.Warmup.LEGW;
      b.lr.warmupEpochs = 0.03125;
      b.lr.decay = LrSpec.Decay.COSINE;
      b.epochs = 3;
      JobSpec c = b.build();
      int spe = 256 / s;
      int total = 768 / s;
      double peak = 0.1 * Math.sqrt(s);
      IntToDoubleFunction paper = s == 1
          ? t -> t < 8 ? 0.1 : cosine(0.1, 8, total, t) // ×1: k = 1, nothing to ramp; the warmup holds η
          : t -> t < 8 ? gradual(0.1, peak, 8, t) : cosine(peak, 8, total, t);
      assertSteps("LEGW ×" + s, c, spe, total, paper);
      assertEquals(peak, max(c, spe, total), TOL, "LEGW ×" + s + " reaches η0·√s");
    }
    // ×64 by hand: 2 of 3 epochs of warmup (8 of 12 steps), then cosine over 4 steps.
    LrSchedule x64 = Recipe.schedule(lstmAt64(LrSpec.Warmup.LEGW).build(), 4);
    assertEquals(0.1, x64.lrAt(0), TOL);
    assertEquals(0.8, x64.lrAt(7), TOL);
    assertEquals(0.8, x64.lrAt(8), TOL);
    assertEquals(0.682842712474619, x64.lrAt(9), TOL);
    assertEquals(0.11715728752538102, x64.lrAt(11), TOL);
  }

  @Test
  void aWarmupThatRoundsToNoStepsIsAnError() {
    // LEGW's comparison arm at ×64 (full budget): linear scaling, fixed warmup of 0.03125 epoch at S = 4 steps
    // per epoch = 0.125 iterations, which rounds to none. It used to vanish silently.
    JobSpec.Builder b = lstmAt64(LrSpec.Warmup.GRADUAL);
    JobSpec c = b.build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.schedule(c, 4));
    assertTrue(e.getMessage().contains("0.125 iterations at 4 steps/epoch") && e.getMessage().contains("--warmup none")
        && e.getMessage().contains("at least 0.25"), e.getMessage());
    // At kn ≤ B0 the same rounding changes nothing (no ramp either way): the decay spans the whole run.
    b.batch.workers = 1;
    b.lr.warmupEpochs = 0.001; // S = 256: 0.256 iterations
    assertSteps("kn = B0, warmup under one step", b.build(), 256, 768, t -> cosine(0.1, 0, 768, t));
  }

  /** The MNIST-LSTM of LEGW at ×64 from B0 = 128 (kn = 8192, S = 4 steps/epoch), η0 = 0.1, m0 = 1/32 epoch, cosine, 3 epochs. */
  private static JobSpec.Builder lstmAt64(LrSpec.Warmup warmup) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "lstm";
    b.batch.perWorker = 128;
    b.batch.workers = 64;
    b.batch.workersPerChunk = 64;
    b.lr.baseBatch = 128;
    b.lr.base = 0.1;
    b.lr.warmup = warmup;
    b.lr.warmupEpochs = 0.03125;
    b.lr.decay = LrSpec.Decay.COSINE;
    b.epochs = 3;
    return b;
  }

  // ---------------------------------------------------------------- LARS: poly(2) after the warmup

  @Test
  void polyDecayRunsOverTheIterationsAfterTheWarmup() {
    // reproduce lars --budget full before issue 16, SGD and LARS rows: gradual warmup 1 epoch, poly power 2, E = 18.
    // kn = 8192: S = 7, M = 7, T = 126, peak 3.2 (before: the ramp aimed at the decayed 2.85).
    JobSpec c = config(256, b -> { b.lr.decay = LrSpec.Decay.POLY; b.lr.decayEpochs = new double[0]; });
    IntToDoubleFunction paper = t -> t < 7 ? gradual(0.1, 3.2, 7, t) : poly2(3.2, 7, 126, t);
    assertSteps("poly(2) at kn = 8k", c, 7, 126, paper);
    assertProgress("poly(2) at kn = 8k", c, 7, 126, paper);
    assertEquals(3.2, max(c, 7, 126), TOL);
    assertEquals(3.2 * Math.pow(1 - 1.0 / 119, 2), Recipe.schedule(c, 7).lrAt(8), TOL);
    // kn = 16384: S = 3, M = 3, T = 54, peak 6.4.
    JobSpec big = config(512, b -> { b.lr.decay = LrSpec.Decay.POLY; b.lr.decayEpochs = new double[0]; });
    assertSteps("poly(2) at kn = 16k", big, 3, 54, t -> t < 3 ? gradual(0.1, 6.4, 3, t) : poly2(6.4, 3, 54, t));
    // kn = 128 < B0: kη = 0.05 held for the warmup's 468 steps, then poly over 18·468 − 468 = 7956 steps.
    JobSpec small = config(4, b -> { b.lr.decay = LrSpec.Decay.POLY; b.lr.decayEpochs = new double[0]; });
    assertSteps("poly(2) at kn = 128", small, 468, 8424, t -> t < 468 ? 0.05 : poly2(0.05, 468, 8424, t));
    assertProgress("poly(2) at kn = 128", small, 468, 8424, t -> t < 468 ? 0.05 : poly2(0.05, 468, 8424, t));
  }

  // ---------------------------------------------------------------- cosine

  @Test
  void cosineDecayRunsOverTheIterationsAfterTheWarmup() {
    // The train defaults at k = 64: η0 = 0.4, kn = 2048, kη = 3.2, warmup 0.5 epoch, cosine, E = 5.
    // S = 29, M = round(14.5) = 15, T = 145.
    JobSpec c = config(64, b -> {
      b.lr.base = 0.4;
      b.lr.warmupEpochs = 0.5;
      b.lr.decay = LrSpec.Decay.COSINE;
      b.lr.decayEpochs = new double[0];
      b.epochs = 5;
    });
    assertSteps("cosine at kn = 2048", c, 29, 145, t -> t < 15 ? gradual(0.4, 3.2, 15, t) : cosine(3.2, 15, 145, t));
    // On the epoch axis with S = 30 (M = 15 whole): T = 150.
    assertProgress("cosine at kn = 2048", c, 30, 150, t -> t < 15 ? gradual(0.4, 3.2, 15, t) : cosine(3.2, 15, 150, t));
    // The train defaults themselves: kn = 256 = B0, k = 1: 0.4 for the warmup's 117 steps (round(0.5·234)),
    // then cosine over 1170 − 117 = 1053 steps.
    JobSpec defaults = config(8, b -> {
      b.lr.base = 0.4;
      b.lr.warmupEpochs = 0.5;
      b.lr.decay = LrSpec.Decay.COSINE;
      b.lr.decayEpochs = new double[0];
      b.epochs = 5;
    });
    assertSteps("cosine at kn = 256", defaults, 234, 1170, t -> t < 117 ? 0.4 : cosine(0.4, 117, 1170, t));
  }

  // ---------------------------------------------------------------- a batch that changes (--batch auto)

  @Test
  void onTheEpochAxisTheRampReachesTheCurrentBatchsPeakAtTheWarmupsLastStep() {
    // Warmup 1 epoch, N = 57344 = 7·8192. At kn = 8192 a step covers 1/7 epoch, the last warmup step starts at
    // 6/7; at kn = 4096, 1/14 epoch, the last one at 13/14.
    JobSpec c = config(256, b -> { b.lr.decay = LrSpec.Decay.COSINE; b.lr.decayEpochs = new double[0]; });
    Recipe.OverProgress lr = Recipe.overProgress(c, 57344);
    assertEquals(0.1, lr.lrAt(0, 8192), TOL);
    assertEquals(3.2, lr.lrAt(6.0 / 7, 8192), TOL);
    assertEquals(1.6, lr.lrAt(13.0 / 14, 4096), TOL);
    assertEquals(0.1 + (1.6 - 0.1) * 0.5, lr.lrAt(6.5 / 14, 4096), TOL);
    // After the warmup the rate follows the batch by the rule (×2 batch, ×2 rate) at the same decay position,
    // cosine over the 17 epochs after the warmup.
    for (double p : new double[] {1, 2.5, 9, 17.9}) {
      double cos = 0.5 * (1 + Math.cos(Math.PI * (p - 1) / 17));
      assertEquals(3.2 * cos, lr.lrAt(p, 8192), TOL, "p = " + p);
      assertEquals(1.6 * cos, lr.lrAt(p, 4096), TOL, "p = " + p);
    }
    // Below B0 (kn = 128) the warmup holds that batch's peak.
    assertEquals(0.05, lr.lrAt(0.5, 128), TOL);
  }
}
