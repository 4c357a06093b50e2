package dev.bigbatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.schedule.ScalingRule;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each experiment's rows have the kn, learning rate and warmup the paper's table has; nothing is trained. */
class ExperimentsTest {
  static String flag(RunSpec s, String name) {
    List<String> a = s.trainArgs();
    int i = a.indexOf(name);
    return i < 0 ? null : a.get(i + 1);
  }

  static RunSpec row(Experiments.Plan p, String label) {
    return p.runs().stream().filter(r -> r.row().equals(label)).findFirst().orElseThrow();
  }

  @Test
  void table1IsKn256Vs8kUnderThreeWarmups() {
    Experiments.Plan p = Experiments.plan("goyal-table1", Budget.QUICK);
    assertEquals(4, p.rows().size());
    assertEquals(4 * Budget.QUICK.seeds(), p.runs().size());
    RunSpec small = row(p, "kn=256, η=0.1, no warmup");
    assertEquals(256, small.globalBatch());
    assertEquals(0.1, small.peakLr(), 1e-12);
    assertEquals("none", flag(small, "--warmup"));
    for (String w : List.of("none", "constant", "gradual")) {
      RunSpec big = p.runs().stream().filter(r -> r.globalBatch() == 8192 && r.warmup().equals(w)).findFirst().orElseThrow();
      assertEquals(3.2, big.peakLr(), 1e-12);
      assertEquals("256", flag(big, "--workers"));
      assertEquals("32", flag(big, "--batch-per-worker"));
      assertEquals("linear", flag(big, "--lr-scaling"));
      assertEquals("0.1", flag(big, "--lr"));
    }
    // Same epochs for every row (Goyal compares at equal epochs), Goyal's decay points in proportion.
    assertEquals(1, p.runs().stream().map(r -> flag(r, "--epochs")).distinct().count());
    RunSpec any = p.runs().get(0);
    double e = any.epochs();
    assertEquals(List.of(e / 3, 2 * e / 3, 8 * e / 9),
        java.util.Arrays.stream(any.decayEpochs()).boxed().collect(Collectors.toList()));
    assertEquals("step", flag(any, "--decay"));
  }

  @Test
  void table2aComparesScalingRulesAt8k() {
    Experiments.Plan p = Experiments.plan("goyal-table2a", Budget.QUICK);
    double[] expected = {0.05 * 32, 0.1 * 32, 0.2 * 32, 0.1, 0.1 * Math.sqrt(32)};
    assertEquals(5, p.rows().size());
    for (int i = 0; i < expected.length; i++) {
      RunSpec r = row(p, p.rows().get(i).label());
      assertEquals(8192, r.globalBatch());
      assertEquals("gradual", r.warmup());
      assertEquals(expected[i], r.peakLr(), 1e-12, r.row());
    }
    assertEquals(ScalingRule.NONE, row(p, "kn=8k, η=0.1 (no scaling)").lrScaling());
    assertEquals("sqrt", flag(row(p, "kn=8k, η=0.1·√32 (sqrt)"), "--lr-scaling"));
    assertEquals("41.67", p.rows().get(3).reference());
  }

  @Test
  void figure1SweepsKnFrom64To16kWithLinearScalingAndGradualWarmup() {
    Experiments.Plan p = Experiments.plan("goyal-figure1", Budget.FULL);
    List<Integer> kns = p.runs().stream().map(RunSpec::globalBatch).distinct().toList();
    assertEquals(List.of(64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384), kns);
    assertEquals(9 * Budget.FULL.seeds(), p.runs().size());
    for (RunSpec r : p.runs()) {
      assertEquals(0.1 * r.globalBatch() / 256, r.peakLr(), 1e-12);
      assertEquals("gradual", r.warmup());
      assertEquals(32, r.perWorkerBatch());
      assertEquals(Math.min(16, r.workers()), Integer.parseInt(flag(r, "--workers-per-chunk")));
    }
    assertEquals(List.of(1L, 2L, 3L), p.runs().stream().filter(r -> r.globalBatch() == 64).map(RunSpec::seed).toList());
    Experiments.Plan quick = Experiments.plan("goyal-figure1", Budget.QUICK);
    assertTrue(quick.runs().stream().allMatch(r -> r.epochs() == 2 && r.warmupEpochs() == 0.5), "quick: 2 epochs");
  }

  @Test
  void legwUsesSqrtScalingAndWarmupGrowingWithTheBatch() {
    Experiments.Plan p = Experiments.plan("legw", Budget.QUICK);
    for (RunSpec r : p.runs()) {
      assertEquals("lstm", r.model());
      assertEquals(128, r.baseBatch());
      double ratio = r.globalBatch() / 128.0;
      double expected = r.warmup().equals("legw") ? 0.1 * Math.sqrt(ratio) : 0.1 * ratio;
      assertEquals(expected, r.peakLr(), 1e-12, r.row());
    }
    // Both arms warm up from the base rate η0 = 0.1 (the default start), none passes another.
    assertTrue(p.runs().stream().noneMatch(r -> r.trainArgs().contains("--warmup-start-lr")));
    // The fixed warmup of 1/32 epoch at ×16 (quick: 16384 examples, 8 steps of 2048 per epoch) is 0.25 iteration:
    // there is no such warmup, and the row says so instead of running one that silently vanishes.
    RunSpec fixed = row(p, "kn=2048 (×16), linear, fixed warmup under 1 step: none");
    assertEquals("none", fixed.warmup());
    assertEquals(1.6, fixed.peakLr(), 1e-12);
    // Full: 32768 examples; ×16 has 16 steps per epoch (0.5 iteration, rounds to 1), ×64 has 4 (0.125: none).
    Experiments.Plan full = Experiments.plan("legw", Budget.FULL);
    assertEquals("gradual", row(full, "kn=2048 (×16), linear + fixed warmup").warmup());
    assertEquals("none", row(full, "kn=8192 (×64), linear, fixed warmup under 1 step: none").warmup());
  }

  @Test
  void larsRowsDifferOnlyInOptimizerAtEqualBatch() {
    Experiments.Plan p = Experiments.plan("lars", Budget.QUICK);
    RunSpec sgd = row(p, "kn=8192, SGD");
    RunSpec lars = row(p, "kn=8192, LARS");
    assertEquals("lars", flag(lars, "--optimizer"));
    assertEquals("0.001", flag(lars, "--trust-coefficient"));
    assertEquals(sgd.peakLr(), lars.peakLr());
    assertEquals("poly", flag(sgd, "--decay"));
    assertEquals(null, flag(sgd, "--decay-epochs"));
  }

  @Test
  void runIdsAreUniqueAndUnknownNamesAreRejected() {
    for (String name : Experiments.NAMES) {
      Experiments.Plan p = Experiments.plan(name, Budget.FULL);
      assertEquals(p.runs().size(), p.runs().stream().map(RunSpec::id).distinct().count(), name);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Experiments.plan("goyal-table9", Budget.QUICK));
    assertTrue(e.getMessage().contains("goyal-table1"));
  }
}
