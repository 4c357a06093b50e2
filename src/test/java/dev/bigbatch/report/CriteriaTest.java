package dev.bigbatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.report.Criteria.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pre-stated criteria on synthetic tables of the full budget's plans, one that passes and one that fails each
 * part. Every expected verdict is worked out by hand from the criteria's definitions (in the comments), with
 * margins far from the thresholds: band = base + max(0.5 pt, 2σ), σ pooled over the two rows; "by ≥ 2 SE" with
 * SE = √(σa²/na + σb²/nb); a diverged seed makes its row worse than any other.
 */
class CriteriaTest {
  static final double NAN = Double.NaN;

  /** A table of {@code plan} whose rows have the given per-seed errors (%), the others none (not run). */
  static ResultTable table(Experiments.Plan plan, Map<String, double[]> errors) {
    List<ResultTable.Line> lines = new ArrayList<>();
    for (Experiments.Row row : plan.rows()) {
      RunSpec first = plan.runs().stream().filter(r -> r.row().equals(row.label())).findFirst().orElseThrow();
      double[] e = errors.getOrDefault(row.label(), new double[0]);
      List<Double> list = new ArrayList<>();
      double sum = 0;
      int ok = 0;
      for (double v : e) {
        list.add(v);
        if (!Double.isNaN(v)) {
          sum += v;
          ok++;
        }
      }
      double mean = ok == 0 ? NAN : sum / ok;
      double ss = 0;
      for (double v : e) {
        ss += Double.isNaN(v) ? 0 : (v - mean) * (v - mean);
      }
      lines.add(new ResultTable.Line(row.label(), first.globalBatch(), first.workers(), first.perWorkerBatch(),
          first.optimizer(), "linear", first.warmup(), first.peakLr(), list, mean, ok > 1 ? Math.sqrt(ss / (ok - 1)) : 0,
          row.reference()));
    }
    return new ResultTable(plan, 5, lines);
  }

  static Experiments.Plan plan(String name) {
    return Experiments.plan(name, Budget.FULL);
  }

  static Criteria.Check check(List<Criteria.Check> checks, String startsWith) {
    return checks.stream().filter(c -> c.criterion().startsWith(startsWith)).findFirst().orElseThrow();
  }

  // ---- Figure 1: kn* ≥ 16·kn0 = 512 -------------------------------------------------------------------------

  /** Figure 1 with base 8.0/8.2 (σ 0.14: band = base + 0.5) and each kn above it at base + {@code offset[i]}. */
  static ResultTable figure1(double... offsets) {
    Experiments.Plan p = plan("goyal-figure1");
    Map<String, double[]> e = new HashMap<>();
    e.put("kn=32", new double[] {8.0, 8.2});
    int kn = 64;
    for (double o : offsets) {
      e.put("kn=" + kn, Double.isNaN(o) ? new double[] {NAN, 30} : new double[] {8.0 + o, 8.2 + o});
      kn *= 2;
    }
    return table(p, e);
  }

  @Test
  void figure1PassesWhenTheBandReaches512AndFailsWhenItEndsBelow() {
    // +0.3 up to 512 (inside), +2 at 1024 (outside): kn* = 512 exactly, 512 >= 16·32.
    Criteria.KnStar pass = Criteria.knStar(figure1(0.3, 0.3, 0.3, 0.3, 2, 5, 9, 20));
    assertEquals(Verdict.PASS, pass.verdict(), pass.numbers());
    assertEquals(512, pass.value());
    assertTrue(pass.exact());
    // +0.8 at 256 with σ = 0.14: outside (0.8 > 0.5): kn* = 128 < 512.
    Criteria.KnStar fail = Criteria.knStar(figure1(0.3, 0.3, 0.8, 0.3, 0.3));
    assertEquals(Verdict.FAIL, fail.verdict(), fail.numbers());
    assertEquals(128, fail.value());
    // a diverged seed at 128 puts the row outside whatever its other seed: kn* = 64.
    Criteria.KnStar diverged = Criteria.knStar(figure1(0.1, NAN, 0.1));
    assertEquals(Verdict.FAIL, diverged.verdict());
    assertEquals(64, diverged.value());
    // the evaluation of the plan's own claim gives the same verdict
    assertEquals(Verdict.PASS, Criteria.evaluate(plan("goyal-figure1"), figure1(0.3, 0.3, 0.3, 0.3, 2), null).get(0).verdict());
  }

  @Test
  void figure1BandWidensTo2SigmaWhenSeedsSpreadMore() {
    // base {8, 9}: mean 8.5, σ 0.707; every row {8.9, 9.9}: +0.9, σ 0.707; pooled σ 0.707, band 1.414 > 0.5.
    Experiments.Plan p = plan("goyal-figure1");
    Map<String, double[]> e = new HashMap<>();
    e.put("kn=32", new double[] {8, 9});
    for (int kn = 64; kn <= 8192; kn *= 2) {
      e.put("kn=" + kn, kn <= 1024 ? new double[] {8.9, 9.9} : new double[] {15, 16});
    }
    Criteria.KnStar k = Criteria.knStar(table(p, e));
    assertEquals(Verdict.PASS, k.verdict(), k.numbers());
    assertEquals(1024, k.value());
  }

  @Test
  void figure1WithTooFewSeedsIsInsufficientUnlessTheBandAlreadyReached512() {
    Experiments.Plan p = plan("goyal-figure1");
    Map<String, double[]> e = new HashMap<>();
    e.put("kn=32", new double[] {8.0, 8.2});
    e.put("kn=64", new double[] {8.1, 8.3});
    e.put("kn=128", new double[] {8.1}); // one seed: kn* ≥ 64 only
    Criteria.KnStar k = Criteria.knStar(table(p, e));
    assertEquals(Verdict.INSUFFICIENT, k.verdict(), k.numbers());
    assertEquals(64, k.value());
    assertFalse(k.exact());
    e.put("kn=32", new double[] {8.0}); // base with one seed: nothing can be said
    assertEquals(Verdict.INSUFFICIENT, Criteria.knStar(table(p, e)).verdict());
    assertEquals(-1, Criteria.knStar(table(p, e)).value());
    // inside up to 512, 1024 not run yet: kn* ≥ 512 already passes
    Criteria.KnStar early = Criteria.knStar(figure1(0.2, 0.2, 0.2, 0.2));
    assertEquals(Verdict.PASS, early.verdict(), early.numbers());
    assertFalse(early.exact());
  }

  // ---- Table 1 at kn* -------------------------------------------------------------------------------------

  /** Table 1: base {8.0, 8.1, 8.2} (8.1, σ 0.1); at 512 and 1024 the given none/constant/gradual seeds. */
  static ResultTable table1(double[][] at512, double[][] at1024) {
    Experiments.Plan p = plan("goyal-table1");
    Claim.Warmups w = (Claim.Warmups) p.claims().get(0);
    Map<String, double[]> e = new HashMap<>();
    e.put(w.base(), new double[] {8.0, 8.1, 8.2});
    for (var entry : Map.of(512, at512, 1024, at1024).entrySet()) {
      Claim.WarmupRows r = w.byKn().get(entry.getKey());
      e.put(r.none(), entry.getValue()[0]);
      e.put(r.constant(), entry.getValue()[1]);
      e.put(r.gradual(), entry.getValue()[2]);
    }
    return table(p, e);
  }

  static final double[][] GOOD = {{8.8, 8.9, 9.0}, {9.1, 9.2, 9.3}, {8.3, 8.4, 8.5}}; // none 8.9, constant 9.2, gradual 8.4
  static final double[][] BAD_GAP = {{9.8, 9.9, 10.0}, {9.8, 9.9, 10.0}, {9.2, 9.3, 9.4}}; // gradual 9.3: +1.2
  static final ResultTable KN_STAR_512 = figure1(0.3, 0.3, 0.3, 0.3, 2); // kn* = 512 exactly
  static final ResultTable KN_STAR_1024 = figure1(0.3, 0.3, 0.3, 0.3, 0.3, 2); // kn* = 1024 exactly

  @Test
  void table1PassesAtKnStarAndIsJudgedThereOnly() {
    // kn* = 512: gradual 8.4 − base 8.1 = +0.3 ≤ 0.5; none 8.9 and constant 9.2 above gradual. 1024 fails (+1.2),
    // but is not kn*.
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-table1"), table1(GOOD, BAD_GAP), KN_STAR_512);
    assertEquals(Verdict.PASS, check(c, "Table 1 at kn*: gradual").verdict(), c.toString());
    assertEquals(Verdict.PASS, check(c, "Table 1 at kn*: none").verdict(), c.toString());
    assertTrue(check(c, "Table 1 at kn*: gradual").numbers().contains("judged at kn=512"));
    // Figure 1's kn* = 1024 moves the judgement to 1024: gradual + 1.2 pt above base.
    c = Criteria.evaluate(plan("goyal-table1"), table1(GOOD, BAD_GAP), KN_STAR_1024);
    assertEquals(Verdict.FAIL, check(c, "Table 1 at kn*: gradual").verdict(), c.toString());
  }

  @Test
  void table1FailsWhenNoWarmupIsClearlyBetterThanGradual() {
    // none {7.9, 8.0, 8.1} (8.0, σ 0.1) vs gradual {8.4, 8.5, 8.6} (8.5, σ 0.1): 0.5 lower, 2 SE = 2·√(0.01/3·2) = 0.16.
    double[][] noneBetter = {{7.9, 8.0, 8.1}, {9.1, 9.2, 9.3}, {8.4, 8.5, 8.6}};
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-table1"), table1(noneBetter, GOOD), KN_STAR_512);
    assertEquals(Verdict.FAIL, check(c, "Table 1 at kn*: none").verdict(), c.toString());
    assertEquals(Verdict.PASS, check(c, "Table 1 at kn*: gradual").verdict()); // 8.5 − 8.1 = 0.4
    // constant {8.1, 8.4, 8.7} (8.4, σ 0.3) vs gradual 8.5 (σ 0.1): 0.1 lower < 2 SE = 2·√(0.09/3 + 0.01/3) = 0.37.
    double[][] constantNotClearly = {{8.8, 8.9, 9.0}, {8.1, 8.4, 8.7}, {8.4, 8.5, 8.6}};
    c = Criteria.evaluate(plan("goyal-table1"), table1(constantNotClearly, GOOD), KN_STAR_512);
    assertEquals(Verdict.PASS, check(c, "Table 1 at kn*: none").verdict(), c.toString());
    // a diverged gradual seed: gradual is worse than every row, so the gap fails and none is better
    double[][] gradualDiverged = {{8.8, 8.9, 9.0}, {9.1, 9.2, 9.3}, {8.3, NAN, 8.5}};
    c = Criteria.evaluate(plan("goyal-table1"), table1(gradualDiverged, GOOD), KN_STAR_512);
    assertEquals(Verdict.FAIL, check(c, "Table 1 at kn*: gradual").verdict());
    assertEquals(Verdict.FAIL, check(c, "Table 1 at kn*: none").verdict());
  }

  @Test
  void table1IsInsufficientWithoutKnStarOrSeeds() {
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-table1"), table1(GOOD, GOOD), null);
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 1 at kn*: gradual").verdict());
    assertTrue(check(c, "Table 1 at kn*: gradual").numbers().contains("kn=512: PASS"), "per-kn verdicts still shown");
    // kn* = 128 (Figure 1 fails at 256) is below the table's kn
    c = Criteria.evaluate(plan("goyal-table1"), table1(GOOD, GOOD), figure1(0.3, 0.3, 0.8));
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 1 at kn*: gradual").verdict());
    // gradual with one seed
    double[][] oneSeed = {{8.8, 8.9, 9.0}, {9.1, 9.2, 9.3}, {8.4}};
    c = Criteria.evaluate(plan("goyal-table1"), table1(oneSeed, GOOD), KN_STAR_512);
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 1 at kn*: gradual").verdict());
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 1 at kn*: none").verdict());
  }

  // ---- Table 2a at kn* ------------------------------------------------------------------------------------

  /** Table 2a with the same seeds at 512 and 1024: linear ×0.5, ×1, ×2, sqrt, none. */
  static ResultTable table2a(double[] half, double[] linear, double[] twice, double[] sqrt, double[] none) {
    Experiments.Plan p = plan("goyal-table2a");
    Claim.ScalingRules s = (Claim.ScalingRules) p.claims().get(0);
    Map<String, double[]> e = new HashMap<>();
    for (Claim.RuleRows r : s.byKn().values()) {
      e.put(r.otherLinear().get(0), half);
      e.put(r.linear(), linear);
      e.put(r.otherLinear().get(1), twice);
      e.put(r.sqrt(), sqrt);
      e.put(r.none(), none);
    }
    return table(p, e);
  }

  static final double[] LINEAR = {8.4, 8.5, 8.6}; // 8.5, σ 0.1

  @Test
  void table2aPassesWhenLinearIsNearTheBestAndSqrtAndNoneAreClearlyWorse() {
    // ×0.5 8.3 is best: linear − best = 0.2 ≤ 0.5. sqrt {9.5, 9.7}: +1.1 vs 2 SE = 2·√(0.01/3 + 0.02/2) = 0.23;
    // none {20, 22}: +12.5 vs 2 SE = 2·√(0.01/3 + 2/2) = 2.0.
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-table2a"),
        table2a(new double[] {8.2, 8.3, 8.4}, LINEAR, new double[] {8.8, 8.9, 9.0}, new double[] {9.5, 9.7},
            new double[] {20, 22}), KN_STAR_512);
    assertEquals(Verdict.PASS, check(c, "Table 2a at kn*: linear").verdict(), c.toString());
    assertEquals(Verdict.PASS, check(c, "Table 2a at kn*: sqrt").verdict(), c.toString());
    // a diverged sqrt row counts as worse
    c = Criteria.evaluate(plan("goyal-table2a"), table2a(new double[] {8.2, 8.3, 8.4}, LINEAR,
        new double[] {8.8, 8.9, 9.0}, new double[] {NAN, 40}, new double[] {20, 22}), KN_STAR_512);
    assertEquals(Verdict.PASS, check(c, "Table 2a at kn*: sqrt").verdict(), c.toString());
  }

  @Test
  void table2aFailsWhenAnotherRuleIsClearlyBestOrSqrtIsNotClearlyWorse() {
    // ×0.5 {7.7, 7.8, 7.9}: linear − best = 0.7 > 0.5.
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-table2a"), table2a(new double[] {7.7, 7.8, 7.9}, LINEAR,
        new double[] {8.8, 8.9, 9.0}, new double[] {9.5, 9.7}, new double[] {20, 22}), KN_STAR_512);
    assertEquals(Verdict.FAIL, check(c, "Table 2a at kn*: linear").verdict(), c.toString());
    // sqrt {8.4, 8.8}: 8.6, σ 0.28: +0.1 < 2 SE = 2·√(0.01/3 + 0.08/2) = 0.42: not worse by 2 SE.
    c = Criteria.evaluate(plan("goyal-table2a"), table2a(new double[] {8.2, 8.3, 8.4}, LINEAR,
        new double[] {8.8, 8.9, 9.0}, new double[] {8.4, 8.8}, new double[] {20, 22}), KN_STAR_512);
    assertEquals(Verdict.FAIL, check(c, "Table 2a at kn*: sqrt").verdict(), c.toString());
    assertEquals(Verdict.PASS, check(c, "Table 2a at kn*: linear").verdict());
    // linear diverged in a seed: it cannot be near the best, and nothing is worse than it
    c = Criteria.evaluate(plan("goyal-table2a"), table2a(new double[] {8.2, 8.3, 8.4}, new double[] {8.4, NAN, 8.6},
        new double[] {8.8, 8.9, 9.0}, new double[] {9.5, 9.7}, new double[] {20, 22}), KN_STAR_512);
    assertEquals(Verdict.FAIL, check(c, "Table 2a at kn*: linear").verdict());
    assertEquals(Verdict.FAIL, check(c, "Table 2a at kn*: sqrt").verdict());
    // one seed of no scaling: the best cannot be taken over all rows
    c = Criteria.evaluate(plan("goyal-table2a"), table2a(new double[] {8.2, 8.3, 8.4}, LINEAR,
        new double[] {8.8, 8.9, 9.0}, new double[] {9.5, 9.7}, new double[] {20}), KN_STAR_512);
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 2a at kn*: linear").verdict());
    assertEquals(Verdict.INSUFFICIENT, check(c, "Table 2a at kn*: sqrt").verdict());
  }

  // ---- LEGW -----------------------------------------------------------------------------------------------

  /** The legw plan's image arm: base {8.0, 8.1, 8.2}; fixed and LEGW seeds at 2k and 4k. */
  static List<Criteria.Check> legw(double[] fixed2k, double[] legw2k, double[] fixed4k, double[] legw4k) {
    Experiments.Plan p = plan("legw");
    Claim.LegwBand b = (Claim.LegwBand) p.claims().get(0);
    Map<String, double[]> e = new HashMap<>();
    e.put(b.base(), new double[] {8.0, 8.1, 8.2});
    e.put(b.byKn().get(2048).fixed(), fixed2k);
    e.put(b.byKn().get(2048).legw(), legw2k);
    e.put(b.byKn().get(4096).fixed(), fixed4k);
    e.put(b.byKn().get(4096).legw(), legw4k);
    return Criteria.evaluate(p, table(p, e), null);
  }

  @Test
  void legwPassesInsideTheBandWhereTheFixedWarmupFails() {
    // fixed 12.2 and 20.5 (outside base 8.1 + 0.5); LEGW 8.4 and 8.5 (+0.3, +0.4: inside).
    Criteria.Check c = check(legw(new double[] {12.0, 12.4}, new double[] {8.3, 8.5}, new double[] {20, 21},
        new double[] {8.4, 8.6}), "LEGW inside");
    assertEquals(Verdict.PASS, c.verdict(), c.numbers());
    // LEGW at 4k {11, 12}: +3.4, outside where the fixed warmup fails.
    c = check(legw(new double[] {12.0, 12.4}, new double[] {8.3, 8.5}, new double[] {20, 21}, new double[] {11, 12}),
        "LEGW inside");
    assertEquals(Verdict.FAIL, c.verdict(), c.numbers());
  }

  @Test
  void legwIsInsufficientWhereTheFixedWarmupDoesNotFailOrSeedsAreMissing() {
    // fixed inside the band at both kn (+0.2): the claim is not exercised.
    Criteria.Check c = check(legw(new double[] {8.2, 8.4}, new double[] {8.3, 8.5}, new double[] {8.2, 8.4},
        new double[] {8.4, 8.6}), "LEGW inside");
    assertEquals(Verdict.INSUFFICIENT, c.verdict(), c.numbers());
    assertTrue(c.numbers().contains("not exercised"), c.numbers());
    // 2k passes, LEGW at 4k has one seed
    c = check(legw(new double[] {12.0, 12.4}, new double[] {8.3, 8.5}, new double[] {20, 21}, new double[] {8.4}),
        "LEGW inside");
    assertEquals(Verdict.INSUFFICIENT, c.verdict(), c.numbers());
    // the LSTM arm was not run: its ×64 claim has no base
    assertEquals(Verdict.INSUFFICIENT, check(legw(new double[] {12.0, 12.4}, new double[] {8.3, 8.5},
        new double[] {20, 21}, new double[] {8.4, 8.6}), "LEGW, MNIST-LSTM").verdict());
  }

  @Test
  void checksRenderAsMarkdownAndCsv() {
    List<Criteria.Check> c = Criteria.evaluate(plan("goyal-figure1"), figure1(0.3, 0.3, 0.3, 0.3, 2), null);
    String md = Criteria.markdown(c);
    assertTrue(md.contains("| PASS | Figure 1: error ≤ base + max(0.5 pt, 2σ) up to kn* ≥ 512 | kn* = 512;"), md);
    List<List<String>> csv = Csv.parse(Criteria.csv(c));
    assertEquals(Criteria.CSV_HEADER, csv.get(0));
    assertEquals("PASS", csv.get(1).get(0));
    assertEquals("", Criteria.markdown(List.of()));
  }
}
