package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static final double EPS = 1e-12;

  @Test
  void scalingRulesFollowTheirFormulas() {
    for (long kn : new long[] {64, 256, 1000, 8192}) {
      double s = kn / 256.0;
      assertEquals(0.1 * s, ScalingRule.LINEAR.scale(0.1, kn, 256), EPS);
      assertEquals(0.1 * Math.sqrt(s), ScalingRule.SQRT.scale(0.1, kn, 256), EPS);
      assertEquals(0.1, ScalingRule.NONE.scale(0.1, kn, 256), EPS);
    }
    assertThrows(IllegalArgumentException.class, () -> ScalingRule.LINEAR.scale(0.1, 0, 256));
  }

  @Test
  void gradualWarmupAddsAConstantEachIterationAndReachesThePeakAtItsLastIteration() {
    // Goyal §2.2: from η, a constant increment per iteration, kη reached at the end of the warmup.
    double eta0 = 0.1;
    double target = 3.2;
    long m = 500;
    LrCurve main = new StepDecay(target, new double[] {3000, 6000, 8000}, 0.1);
    Warmup w = new Warmup(main, Warmup.Kind.GRADUAL, m, eta0, target);
    double inc = (target - eta0) / (m - 1);
    for (long t = 0; t < m; t++) {
      assertEquals(eta0 + inc * t, w.lrAt(t), 1e-12, "step " + t);
    }
    for (long t = 1; t < m; t++) {
      assertEquals(inc, w.lrAt(t) - w.lrAt(t - 1), 1e-12);
    }
    assertEquals(target, w.lrAt(m - 1), EPS);
    assertEquals(target, w.lrAt(m), EPS);
    assertEquals(target, w.lrAt(2999), EPS);
    assertEquals(target * 0.1, w.lrAt(3000), 1e-12);
    assertEquals(target * 0.01, w.lrAt(6500), 1e-12);
    assertEquals(target * 0.001, w.lrAt(9000), 1e-12);
  }

  @Test
  void constantWarmupJumpsAtTheEnd() {
    Warmup w = new Warmup(LrSchedule.constant(3.2), Warmup.Kind.CONSTANT, 100, 0.1, 3.2);
    for (long t = 0; t < 100; t++) {
      assertEquals(0.1, w.lrAt(t), EPS);
    }
    assertEquals(3.2, w.lrAt(100), EPS);
  }

  @Test
  void warmupTargetsThePeakAndADecayFromItsEndStartsThere() {
    LrCurve main = new CosineDecay(1.0, 900).from(100);
    Warmup w = new Warmup(main, Warmup.Kind.GRADUAL, 100, 1e-3, 1.0);
    assertEquals(1.0, w.lrAt(99), EPS);
    assertEquals(1.0, w.lrAt(100), EPS);
    assertEquals(1e-3 + (1.0 - 1e-3) * 50 / 99.0, w.lrAt(50), EPS);
    assertEquals(0.5, w.lrAt(550), 1e-12); // halfway through the 900 decay steps
    assertEquals(0.0, w.lrAt(1000), 1e-15);
  }

  @Test
  void aWarmupNeverRampsDownAndAOneStepWarmupRunsAtItsStart() {
    // kn = 64 at B0 = 256: kη = 0.025 is below η = 0.1, so there is nothing to warm up to.
    Warmup down = new Warmup(LrSchedule.constant(0.025), Warmup.Kind.GRADUAL, 100, 0.1, 0.025);
    Warmup flat = new Warmup(LrSchedule.constant(0.1), Warmup.Kind.CONSTANT, 100, 0.1, 0.1);
    for (long t = 0; t < 120; t++) {
      assertEquals(0.025, down.lrAt(t), EPS);
      assertEquals(0.1, flat.lrAt(t), EPS);
    }
    Warmup one = new Warmup(LrSchedule.constant(3.2), Warmup.Kind.GRADUAL, 1, 0.1, 3.2);
    assertEquals(0.1, one.lrAt(0), EPS);
    assertEquals(3.2, one.lrAt(1), EPS);
  }

  @Test
  void fromShiftsAScheduleToStartLater() {
    LrSchedule p = new PolynomialDecay(2.0, 100, 2).from(10);
    assertEquals(2.0, p.lrAt(0), EPS);
    assertEquals(2.0, p.lrAt(10), EPS);
    assertEquals(2.0 * 0.25, p.lrAt(60), 1e-12);
    assertEquals(0.0, p.lrAt(110), EPS);
    LrCurve c = LrSchedule.constant(1);
    assertEquals(c, c.from(0));
  }

  @Test
  void decaysMatchClosedForms() {
    PolynomialDecay p = new PolynomialDecay(2.0, 1000, 2);
    CosineDecay c = new CosineDecay(2.0, 1000);
    for (long t = 0; t <= 1200; t += 37) {
      double frac = Math.min(t, 1000) / 1000.0;
      assertEquals(2.0 * (1 - frac) * (1 - frac), p.lrAt(t), 1e-12);
      assertEquals(1.0 * (1 + Math.cos(Math.PI * frac)), c.lrAt(t), 1e-12);
    }
    assertEquals(0.0, p.lrAt(1000), EPS);
    assertEquals(0.0, c.lrAt(5000), 1e-15);
  }

  @Test
  void stepDecayCountsMilestonesPassed() {
    StepDecay s = new StepDecay(1.0, new double[] {10, 20}, 0.5);
    assertEquals(1.0, s.lrAt(9), EPS);
    assertEquals(0.5, s.lrAt(10), EPS);
    assertEquals(0.25, s.lrAt(20), EPS);
    assertThrows(IllegalArgumentException.class, () -> new StepDecay(1.0, new double[] {20, 10}, 0.5));
  }

  @Test
  void legwGrowsWarmupLinearlyAndLrBySqrt() {
    for (int scale : new int[] {1, 2, 4, 8, 16, 32, 64}) {
      long kn = 128L * scale;
      assertEquals(0.5 * scale, Legw.warmupEpochs(0.5, kn, 128), EPS);
      assertEquals(0.01 * Math.sqrt(scale), Legw.peakLr(0.01, kn, 128), 1e-12);
    }
  }

  @Test
  void schedulesArePureFunctionsOfTheStep() {
    Warmup w = new Warmup(new PolynomialDecay(1.0, 90, 2).from(10), Warmup.Kind.GRADUAL, 10, 0.1, 1.0);
    double first = w.lrAt(42);
    for (long t = 0; t < 100; t++) {
      w.lrAt(t);
    }
    assertEquals(first, w.lrAt(42), 0.0);
  }
}
