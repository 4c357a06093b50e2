package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * AutoWU on synthetic loss curves whose minimum is known: loss(η) = a·(ln η − ln η*)² + b + noise, observed
 * along the schedule's own exponential warmup; curves without a minimum must run into the cap.
 */
class AutoWuTest {
  private static final long TOTAL = 400;
  private static final double START = 1e-3;
  private static final double MAX = 10;
  private static final double BEST = 0.1; // η*: W·ln(η*/start)/ln(max/start) = step 100 of the warmup

  private static AutoWu schedule(AutoWu.Decay decay) {
    return new AutoWu(AutoWu.Options.paper(START, MAX, 0.5, decay, 1, 5), TOTAL);
  }

  /** Feeds loss(step, lr) until the switch (or the end); returns the switch. */
  private static Optional<ScheduleSwitch> run(AutoWu s, LossCurve curve, long from) {
    for (long t = from; t < TOTAL; t++) {
      Optional<ScheduleSwitch> sw = s.observe(t, curve.loss(t, s.lrAt(t)));
      if (sw.isPresent()) {
        return sw;
      }
    }
    return Optional.empty();
  }

  interface LossCurve {
    double loss(long step, double lr);
  }

  private static LossCurve valley(long seed, double noise) {
    Random r = new Random(seed);
    return (t, lr) -> {
      double d = Math.log(lr) - Math.log(BEST);
      return 0.5 * d * d + 1 + noise * r.nextGaussian();
    };
  }

  @Test
  void warmupGrowsExponentiallyFromStartTowardsMaxAtTheCap() {
    AutoWu s = schedule(AutoWu.Decay.COSINE);
    assertEquals(200, s.maxWarmupSteps());
    for (long t = 0; t <= 200; t++) {
      assertEquals(START * Math.pow(MAX / START, t / 200.0), s.lrAt(t), 1e-12 * s.lrAt(t), "step " + t);
    }
  }

  @Test
  void switchesNearTheTrueMinimumOfANoisyValley() {
    double bestStep = 200 * Math.log(BEST / START) / Math.log(MAX / START);
    for (long seed = 1; seed <= 4; seed++) {
      AutoWu s = schedule(AutoWu.Decay.COSINE);
      ScheduleSwitch sw = run(s, valley(seed, 0.05), 0).orElseThrow();
      assertEquals("minimum", sw.reason(), "seed " + seed);
      assertTrue(sw.step() > bestStep && sw.step() < bestStep + 60, "seed " + seed + " switched at " + sw.step());
      assertTrue(Math.abs(Math.log(sw.peakLr() / BEST)) < Math.log(1.5),
          "seed " + seed + ": peak " + sw.peakLr() + " vs the true best " + BEST);
      assertEquals(sw.peakLr(), s.lrAt(sw.step()), 1e-15);
      assertEquals(s.warmupLr(sw.argminStep()), sw.peakLr(), 1e-15);
      assertTrue(sw.probabilityPastMinimum() > 0.95);
    }
  }

  @Test
  void noiseAloneOnAFallingOrFlatCurveRunsIntoTheCap() {
    for (long seed = 1; seed <= 6; seed++) {
      Random r = new Random(seed);
      boolean flat = seed % 2 == 0;
      AutoWu s = schedule(AutoWu.Decay.COSINE);
      ScheduleSwitch sw = run(s, (t, lr) -> (flat ? 1.0 : 2.3 * Math.exp(-t / 80.0)) + 0.05 * r.nextGaussian(), 0)
          .orElseThrow();
      assertEquals("cap", sw.reason(), "seed " + seed + (flat ? " (flat)" : " (falling)") + ": " + sw);
      assertEquals(200, sw.step());
    }
  }

  @Test
  void decayFallsFromThePeakToZeroAtTheEnd() {
    for (AutoWu.Decay d : AutoWu.Decay.values()) {
      AutoWu s = schedule(d);
      ScheduleSwitch sw = run(s, valley(3, 0.05), 0).orElseThrow();
      long from = sw.step();
      double span = TOTAL - from;
      LongToDoubleFunction expected = d == AutoWu.Decay.COSINE
          ? t -> sw.peakLr() * 0.5 * (1 + Math.cos(Math.PI * (t - from) / span))
          : t -> sw.peakLr() * (1 - (t - from) / span); // poly with p = 1: linear
      for (long t = from; t <= TOTAL; t++) {
        assertEquals(expected.applyAsDouble(t), s.lrAt(t), 1e-12, d + " step " + t);
        assertTrue(t == from || s.lrAt(t) < s.lrAt(t - 1));
      }
      assertEquals(0, s.lrAt(TOTAL), 1e-15);
      assertTrue(s.lrAt(TOTAL - 1) < 0.01 * sw.peakLr());
      for (long t = 0; t < from; t++) {
        assertEquals(s.warmupLr(t), s.lrAt(t), 0, "the warmup's past rates never change");
      }
    }
  }

  @Test
  void resumedFromItsStateEqualsAnUninterruptedRunBitForBit() {
    AutoWu straight = schedule(AutoWu.Decay.COSINE);
    double[] losses = new double[(int) TOTAL];
    LossCurve curve = valley(5, 0.05);
    List<Optional<ScheduleSwitch>> events = new ArrayList<>();
    for (int t = 0; t < TOTAL; t++) {
      losses[t] = curve.loss(t, straight.lrAt(t));
      events.add(straight.observe(t, losses[t]));
    }
    long switchAt = straight.switchStep();
    assertTrue(switchAt > 0 && switchAt < 200);
    for (long cut : new long[] {3, 50, switchAt - 1, switchAt + 7}) {
      AutoWu first = schedule(AutoWu.Decay.COSINE);
      for (int t = 0; t < cut; t++) {
        first.observe(t, losses[t]);
      }
      AutoWu resumed = schedule(AutoWu.Decay.COSINE);
      resumed.restore(first.state());
      for (int t = (int) cut; t < TOTAL; t++) {
        assertEquals(straight.lrAt(t), resumed.lrAt(t), 0, "cut " + cut + " step " + t);
        Optional<ScheduleSwitch> e = resumed.observe(t, losses[t]);
        assertEquals(events.get(t).map(ScheduleSwitch::step), e.map(ScheduleSwitch::step));
        assertEquals(events.get(t).map(ScheduleSwitch::peakLr), e.map(ScheduleSwitch::peakLr));
      }
      assertEquals(switchAt, resumed.switchStep());
      for (long t = 0; t <= TOTAL; t++) {
        assertEquals(Double.doubleToLongBits(straight.lrAt(t)), Double.doubleToLongBits(resumed.lrAt(t)));
      }
    }
    double[] bad = straight.state();
    bad[6] += 1;
    assertThrows(IllegalArgumentException.class, () -> schedule(AutoWu.Decay.COSINE).restore(bad));
  }

  @Test
  void identicalLossesGiveIdenticalDecisionsAsOnEveryReplica() {
    AutoWu a = schedule(AutoWu.Decay.COSINE);
    AutoWu b = schedule(AutoWu.Decay.COSINE);
    LossCurve curve = valley(9, 0.05);
    for (int t = 0; t < TOTAL; t++) {
      double loss = curve.loss(t, a.lrAt(t));
      a.observe(t, loss);
      b.observe(t, loss);
    }
    double[] sa = a.state();
    double[] sb = b.state();
    sa[5] = 0; // GP wall time: the only entry that is not a decision input
    sb[5] = 0;
    assertArrayEquals(sa, sb);
    assertTrue(a.switchStep() > 0);
  }

  @Test
  void observationsMustComeInStepOrderAndBeFinite() {
    AutoWu s = schedule(AutoWu.Decay.COSINE);
    assertThrows(IllegalStateException.class, () -> s.observe(1, 2.0));
    s.observe(0, 2.0);
    assertThrows(IllegalArgumentException.class, () -> s.observe(1, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new AutoWu.Options(1, 0.5, 0.5, AutoWu.Decay.COSINE, 1, 0.95, 3, 1));
    assertThrows(IllegalArgumentException.class, () -> new AutoWu.Options(0.1, 1, 0, AutoWu.Decay.COSINE, 1, 0.95, 3, 1));
  }
}
