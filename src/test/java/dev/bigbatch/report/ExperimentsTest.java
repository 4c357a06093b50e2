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
  void figure1SweepsKnFrom32To8kWithLinearScalingAndGradualWarmup() {
    Experiments.Plan p = Experiments.plan("goyal-figure1", Budget.FULL);
    List<Integer> kns = p.runs().stream().map(RunSpec::globalBatch).distinct().toList();
    assertEquals(List.of(32, 64, 128, 256, 512, 1024, 2048, 4096, 8192), kns);
    for (RunSpec r : p.runs()) {
      assertEquals(0.1 * r.globalBatch() / 256, r.peakLr(), 1e-12);
      assertEquals("0.0125", flag(r, "--lr"));
      assertEquals("32", flag(r, "--base-batch"));
      assertEquals("gradual", r.warmup());
      assertEquals(32, r.perWorkerBatch());
      assertEquals(Math.min(16, r.workers()), Integer.parseInt(flag(r, "--workers-per-chunk")));
    }
    // 3 seeds for the base and for 16·kn0 and 32·kn0 (where the band is expected to end), 2 for the others
    for (int kn : kns) {
      long seeds = p.runs().stream().filter(r -> r.globalBatch() == kn).count();
      assertEquals(kn == 32 || kn == 512 || kn == 1024 ? 3 : 2, seeds, "kn=" + kn);
    }
    Claim.FlatBand band = (Claim.FlatBand) p.claims().get(0);
    assertEquals(512, band.minKnStar());
    assertEquals("kn=32", band.base());
    Experiments.Plan quick = Experiments.plan("goyal-figure1", Budget.QUICK);
    assertEquals(List.of(64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384),
        quick.runs().stream().map(RunSpec::globalBatch).distinct().toList());
    assertTrue(quick.runs().stream().allMatch(r -> r.epochs() == 2 && r.warmupEpochs() == 0.5), "quick: 2 epochs");
  }

  /** Issue 16: kn0 = 32 with no warmup against kn = 512 and 1024 under each warmup, 3 seeds a row, peaks 0.1·kn/256. */
  @Test
  void fullTable1ComparesWarmupsAround512And1kFromKn32() {
    Experiments.Plan p = Experiments.plan("goyal-table1", Budget.FULL);
    assertEquals(7, p.rows().size());
    assertEquals(7 * 3, p.runs().size());
    RunSpec base = row(p, "kn=32, η=0.0125, no warmup");
    assertEquals(1, base.workers());
    assertEquals("none", base.warmup());
    for (int kn : List.of(512, 1024)) {
      for (String w : List.of("none", "constant", "gradual")) {
        List<RunSpec> rs = p.runs().stream().filter(r -> r.globalBatch() == kn && r.warmup().equals(w)).toList();
        assertEquals(List.of(1L, 2L, 3L), rs.stream().map(RunSpec::seed).toList());
        assertEquals(0.1 * kn / 256, rs.get(0).peakLr(), 1e-12);
        assertEquals("0.0125", flag(rs.get(0), "--lr"));
        assertEquals("32", flag(rs.get(0), "--base-batch"));
        assertEquals("1", flag(rs.get(0), "--warmup-epochs"));
        assertEquals("6,12,16", flag(rs.get(0), "--decay-epochs"));
        assertEquals(null, flag(rs.get(0), "--no-augment"));
      }
    }
    assertEquals("kn=1k, η=0.4, gradual warmup", ((Claim.Warmups) p.claims().get(0)).byKn().get(1024).gradual());
  }

  @Test
  void fullTable2aComparesRulesAt512And1k() {
    Experiments.Plan p = Experiments.plan("goyal-table2a", Budget.FULL);
    assertEquals(10, p.rows().size());
    for (int kn : List.of(512, 1024)) {
      double k = kn / 32.0;
      Claim.RuleRows rules = ((Claim.ScalingRules) p.claims().get(0)).byKn().get(kn);
      assertEquals(0.0125 * k, row(p, rules.linear()).peakLr(), 1e-12);
      assertEquals(0.0125 * k / 2, row(p, rules.otherLinear().get(0)).peakLr(), 1e-12);
      assertEquals(0.0125 * k * 2, row(p, rules.otherLinear().get(1)).peakLr(), 1e-12);
      assertEquals(0.0125 * Math.sqrt(k), row(p, rules.sqrt()).peakLr(), 1e-12);
      assertEquals(0.0125, row(p, rules.none()).peakLr(), 1e-12);
      for (String linear : List.of(rules.linear(), rules.otherLinear().get(0), rules.otherLinear().get(1))) {
        assertEquals(3, p.runs().stream().filter(r -> r.row().equals(linear)).count(), linear);
      }
      for (String far : List.of(rules.sqrt(), rules.none())) {
        assertEquals(2, p.runs().stream().filter(r -> r.row().equals(far)).count(), far);
      }
    }
    assertEquals("0.00625", flag(row(p, "kn=512, η=0.00625·16 (linear ×0.5)"), "--lr"));
  }

  /**
   * Every row a criterion names is a row of its plan (a claim naming a row that does not exist would never be
   * evaluated), in both budgets; lars states none.
   */
  @Test
  void claimsNameRowsOfTheirPlan() {
    for (Budget b : List.of(Budget.QUICK, Budget.FULL)) {
      for (String name : Experiments.NAMES) {
        Experiments.Plan p = Experiments.plan(name, b);
        List<String> labels = p.rows().stream().map(Experiments.Row::label).toList();
        List<String> named = new java.util.ArrayList<>();
        for (Claim c : p.claims()) {
          if (c instanceof Claim.FlatBand f) {
            named.add(f.base());
            named.addAll(f.rows().values());
          } else if (c instanceof Claim.Warmups w) {
            named.add(w.base());
            w.byKn().values().forEach(r -> named.addAll(List.of(r.none(), r.constant(), r.gradual())));
          } else if (c instanceof Claim.ScalingRules s) {
            s.byKn().values().forEach(r -> {
              named.addAll(List.of(r.linear(), r.sqrt(), r.none()));
              named.addAll(r.otherLinear());
            });
          } else if (c instanceof Claim.LegwBand l) {
            named.add(l.base());
            l.byKn().values().forEach(r -> named.addAll(List.of(r.legw(), r.fixed())));
          }
        }
        assertTrue(labels.containsAll(named), name + " " + b.name() + ": " + named + " not all in " + labels);
        assertEquals(name.equals("lars"), p.claims().isEmpty(), name);
      }
    }
  }

  /**
   * The compute of the full budget as docs/RESULTS-reproduce.md states it (runs and run-epochs per experiment):
   * a change of the grid must update the docs in the same commit.
   */
  @Test
  void fullBudgetComputeIsTheOneTheDocsState() throws java.io.IOException {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("docs", "RESULTS-reproduce.md"));
    int runs = 0;
    double epochs = 0;
    for (String name : Experiments.NAMES) {
      Experiments.Plan p = Experiments.plan(name, Budget.FULL);
      String line = String.format(java.util.Locale.ROOT, "| `%s` | %d | %.0f |", name, p.runs().size(), p.runEpochs());
      assertTrue(docs.contains(line), "docs/RESULTS-reproduce.md lacks the line " + line);
      runs += p.runs().size();
      epochs += p.runEpochs();
    }
    String total = String.format(java.util.Locale.ROOT, "| all | %d | %.0f |", runs, epochs);
    assertTrue(docs.contains(total), "docs/RESULTS-reproduce.md lacks the line " + total);
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
    // Full: 60000 examples; ×16 has 29 steps per epoch (0.9 iteration, rounds to 1), ×64 has 7 (0.22: none).
    Experiments.Plan full = Experiments.plan("legw", Budget.FULL);
    assertEquals("gradual", row(full, "kn=2048 (×16), linear + fixed warmup").warmup());
    assertEquals("none", row(full, "kn=8192 (×64), linear, fixed warmup under 1 step: none").warmup());
    assertTrue(full.runs().stream().filter(r -> r.model().equals("lstm")).allMatch(r -> r.epochs() == 20 && r.trainLimit() == 0),
        "full LSTM arm: 20 epochs of the whole training set");
  }

  /**
   * Full LEGW image arm: from the Goyal base kn0 = 32 (η0 = 0.0125), LEGW at kn = 2k and 4k has the sqrt peak and a
   * warmup of m0·kn/kn0 = 2 and 4 epochs; the fixed arm is Figure 1's row (linear, 1-epoch gradual warmup).
   */
  @Test
  void fullLegwImageArmScalesItsWarmupWithTheBatch() {
    Experiments.Plan p = Experiments.plan("legw", Budget.FULL);
    Claim.LegwBand band = (Claim.LegwBand) p.claims().get(0);
    RunSpec base = row(p, band.base());
    assertEquals(32, base.globalBatch());
    assertEquals(3, p.runs().stream().filter(r -> r.row().equals(band.base())).count());
    for (int kn : List.of(2048, 4096)) {
      RunSpec legw = row(p, band.byKn().get(kn).legw());
      RunSpec fixed = row(p, band.byKn().get(kn).fixed());
      assertEquals("resnet8", legw.model());
      assertEquals(0.0125 * Math.sqrt(kn / 32.0), legw.peakLr(), 1e-12);
      assertEquals(0.1 * kn / 256, fixed.peakLr(), 1e-12);
      dev.bigbatch.spec.JobSpec c = dev.bigbatch.cli.TrainCommand.parse(legw.trainArgs().toArray(String[]::new)).spec();
      assertEquals(kn / 1024.0, dev.bigbatch.train.Recipe.warmupEpochs(c), 1e-12);
      assertEquals(fixed.trainArgs(), Experiments.plan("goyal-figure1", Budget.FULL).runs().stream()
          .filter(r -> r.globalBatch() == kn && r.seed() == fixed.seed()).findFirst().orElseThrow().trainArgs(),
          "the fixed arm is Figure 1's run");
    }
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
  void fullLarsComparesAtKnPastTheBand() {
    Experiments.Plan p = Experiments.plan("lars", Budget.FULL);
    assertEquals(List.of("kn=32, SGD", "kn=2048, SGD", "kn=2048, LARS", "kn=4096, SGD", "kn=4096, LARS", "kn=8192, SGD",
        "kn=8192, LARS"), p.rows().stream().map(Experiments.Row::label).toList());
    assertEquals(14, p.runs().size());
    assertEquals(3.2, row(p, "kn=8192, LARS").peakLr(), 1e-12);
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
