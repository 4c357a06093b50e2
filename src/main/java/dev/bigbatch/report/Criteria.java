package dev.bigbatch.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * Evaluates an experiment's pre-stated {@link Claim}s on its collected {@link ResultTable}: PASS, FAIL, or
 * INSUFFICIENT (a row the claim reads has fewer than {@value #MIN_SEEDS} finished seeds, or kn* is unknown), with
 * the numbers behind each verdict. The rules, fixed before any run of issue 16's regime:
 *
 * <ul>
 *   <li>A row's error is the mean over its finished seeds (each seed: median of its last epochs). A row with a
 *       diverged or failed seed counts as worse than any row without one: outside every band, never the best.
 *   <li>"Inside the flat band": error − base ≤ max({@value #MARGIN_PT} pt, 2σ), σ the seeds' standard deviation
 *       pooled over the base row and that row. kn* is the largest kn up to which every row is inside.
 *   <li>"Worse by ≥ 2 SE": the difference of the means is positive and at least 2·√(σa²/na + σb²/nb); "no better
 *       than" means not lower by that much.
 *   <li>Table 1 and 2a are judged at the largest of their kn that is ≤ Figure 1's kn* (read from goyal-figure1's
 *       table under the same output directory); their other kn are printed for information.
 * </ul>
 */
public final class Criteria {
  /** The margin of every "within" and "≤ base +" criterion, in points of test error. */
  public static final double MARGIN_PT = 0.5;
  /** How many σ (or SE) a difference must reach: "2σ", "2 SE". */
  public static final double Z = 2;
  /** Seeds a row needs before a criterion reads it (a σ needs two). */
  public static final int MIN_SEEDS = 2;

  public enum Verdict { PASS, FAIL, INSUFFICIENT }

  /** One criterion's verdict and the numbers it rests on. */
  public record Check(String criterion, Verdict verdict, String numbers) {}

  /**
   * kn* of a flat band; {@code value} −1 when the base row cannot be read, {@code exact} when a row above kn* was
   * measured outside the band (otherwise kn* is a lower bound: the grid ended, or the next row lacks seeds).
   */
  public record KnStar(Verdict verdict, int value, boolean exact, String numbers) {}

  /** A table row as the criteria read it: finished seeds, how many diverged, mean and σ of the others (pt). */
  record Arm(int kn, int seeds, int divergedSeeds, double mean, double sd) {
    static Arm of(ResultTable.Line l) {
      int div = (int) l.errors().stream().filter(e -> e.isNaN()).count();
      return new Arm(l.globalBatch(), l.errors().size(), div, l.mean(), l.std());
    }

    boolean enough() {
      return seeds >= MIN_SEEDS;
    }

    boolean diverged() {
      return divergedSeeds > 0;
    }

    int ok() {
      return seeds - divergedSeeds;
    }

    String text() {
      return diverged() ? "diverged in " + divergedSeeds + " of " + seeds + " seeds"
          : String.format(Locale.ROOT, "%.2f ± %.2f (%d seeds)", mean, sd, seeds);
    }
  }

  /** The result at one kn of a criterion judged at kn*. */
  private record AtKn(Verdict verdict, String numbers) {}

  private Criteria() {}

  /**
   * The checks of {@code plan}'s claims on {@code table}; {@code figure1} (goyal-figure1's table of the same
   * budget, or null) gives kn* to the claims judged there.
   */
  public static List<Check> evaluate(Experiments.Plan plan, ResultTable table, ResultTable figure1) {
    Map<String, Arm> arms = arms(table);
    List<Check> checks = new ArrayList<>();
    for (Claim c : plan.claims()) {
      if (c instanceof Claim.FlatBand f) {
        KnStar k = band(f, arms);
        checks.add(new Check(f.statement(), k.verdict(), k.numbers()));
      } else if (c instanceof Claim.Warmups w) {
        KnStar k = knStar(figure1);
        checks.add(atKnStar("Table 1 at kn*: gradual − base ≤ 0.5 pt", w.byKn().keySet(), k,
            kn -> warmupGap(arms.get(w.base()), w.byKn().get(kn), arms)));
        checks.add(atKnStar("Table 1 at kn*: none and constant no better than gradual (not lower by ≥ 2 SE)",
            w.byKn().keySet(), k, kn -> warmupsNotBetter(w.byKn().get(kn), arms)));
      } else if (c instanceof Claim.ScalingRules s) {
        KnStar k = knStar(figure1);
        checks.add(atKnStar("Table 2a at kn*: linear within 0.5 pt of the best rule", s.byKn().keySet(), k,
            kn -> linearNearBest(s.byKn().get(kn), arms)));
        checks.add(atKnStar("Table 2a at kn*: sqrt and no scaling worse than linear by ≥ 2 SE", s.byKn().keySet(), k,
            kn -> othersWorse(s.byKn().get(kn), arms)));
      } else if (c instanceof Claim.LegwBand l) {
        checks.add(legw(l, arms));
      }
    }
    return checks;
  }

  /** kn* of goyal-figure1's table (its flat-band claim), or an unknown kn* saying why. */
  public static KnStar knStar(ResultTable figure1) {
    if (figure1 != null) {
      for (Claim c : figure1.plan().claims()) {
        if (c instanceof Claim.FlatBand f) {
          return band(f, arms(figure1));
        }
      }
    }
    return new KnStar(Verdict.INSUFFICIENT, -1, false, "kn* unknown: no goyal-figure1 runs under this --out");
  }

  static Map<String, Arm> arms(ResultTable table) {
    Map<String, Arm> m = new HashMap<>();
    for (ResultTable.Line l : table.lines()) {
      m.put(l.row(), Arm.of(l));
    }
    return m;
  }

  /** Walks up the rows from the base while they are inside the band; kn* is the last one inside. */
  static KnStar band(Claim.FlatBand c, Map<String, Arm> arms) {
    Arm base = arms.get(c.base());
    if (base == null || !base.enough() || base.diverged()) {
      return new KnStar(Verdict.INSUFFICIENT, -1, false, "kn* unknown: base row " + unreadable(base));
    }
    int knStar = base.kn();
    boolean exact = false;
    boolean missing = false;
    StringBuilder s = new StringBuilder();
    for (var e : c.rows().entrySet()) {
      Arm a = arms.get(e.getValue());
      if (a == null || !a.enough()) {
        missing = true;
        s.append("; kn=").append(e.getKey()).append(": ").append(unreadable(a));
        break;
      }
      double tol = tolerance(base, a);
      boolean inside = !a.diverged() && a.mean() - base.mean() <= tol;
      s.append(String.format(Locale.ROOT, "; kn=%d: %s", e.getKey(), a.diverged() ? a.text()
          : String.format(Locale.ROOT, "%+.2f %s %.2f", a.mean() - base.mean(), inside ? "≤" : ">", tol)));
      if (!inside) {
        exact = true;
        break;
      }
      knStar = e.getKey();
    }
    Verdict v = knStar >= c.minKnStar() ? Verdict.PASS : missing ? Verdict.INSUFFICIENT : Verdict.FAIL;
    String head = String.format(Locale.ROOT, "kn* %s %d; base kn=%d: %s", exact ? "=" : "≥", knStar, base.kn(), base.text());
    return new KnStar(v, knStar, exact, head + s);
  }

  /** Judges {@code at} at the largest kn of {@code grid} ≤ kn*, the others for information. */
  private static Check atKnStar(String criterion, java.util.Set<Integer> gridKeys, KnStar k, IntFunction<AtKn> at) {
    SortedSet<Integer> grid = new TreeSet<>(gridKeys);
    Integer judged = null;
    String why;
    if (k.value() < 0) {
      why = k.numbers();
    } else if (!k.exact() && !grid.tailSet(k.value() + 1).isEmpty()) {
      why = "Figure 1 gives only kn* ≥ " + k.value() + " (" + k.numbers() + ")";
    } else if (grid.headSet(k.value() + 1).isEmpty()) {
      why = "kn* = " + k.value() + " is below this table's kn " + grid;
    } else {
      judged = grid.headSet(k.value() + 1).last();
      why = null;
    }
    StringBuilder others = new StringBuilder();
    for (int kn : grid) {
      if (judged == null || kn != judged) {
        AtKn r = at.apply(kn);
        others.append("; kn=").append(kn).append(": ").append(r.verdict()).append(" (").append(r.numbers()).append(')');
      }
    }
    if (judged == null) {
      return new Check(criterion, Verdict.INSUFFICIENT, why + others);
    }
    AtKn r = at.apply(judged);
    return new Check(criterion, r.verdict(), String.format(Locale.ROOT, "kn* %s %d, judged at kn=%d: %s%s",
        k.exact() ? "=" : "≥", k.value(), judged, r.numbers(), others.length() == 0 ? "" : "; for information" + others));
  }

  private static AtKn warmupGap(Arm base, Claim.WarmupRows rows, Map<String, Arm> arms) {
    Arm g = arms.get(rows.gradual());
    if (base == null || !base.enough() || base.diverged()) {
      return new AtKn(Verdict.INSUFFICIENT, "base " + unreadable(base));
    }
    if (g == null || !g.enough()) {
      return new AtKn(Verdict.INSUFFICIENT, "gradual " + unreadable(g));
    }
    if (g.diverged()) {
      return new AtKn(Verdict.FAIL, "gradual " + g.text());
    }
    double d = g.mean() - base.mean();
    return new AtKn(d <= MARGIN_PT ? Verdict.PASS : Verdict.FAIL, String.format(Locale.ROOT,
        "gradual %s − base %s = %+.2f pt", g.text(), base.text(), d));
  }

  private static AtKn warmupsNotBetter(Claim.WarmupRows rows, Map<String, Arm> arms) {
    Arm g = arms.get(rows.gradual());
    Verdict v = Verdict.PASS;
    StringBuilder s = new StringBuilder();
    for (String[] x : new String[][] {{"none", rows.none()}, {"constant", rows.constant()}}) {
      Arm a = arms.get(x[1]);
      s.append(s.length() == 0 ? "" : ", ").append(x[0]).append(' ');
      if (a == null || !a.enough() || g == null || !g.enough()) {
        s.append(a == null || !a.enough() ? unreadable(a) : "vs gradual " + unreadable(g));
        v = v == Verdict.FAIL ? v : Verdict.INSUFFICIENT;
        continue;
      }
      boolean better = clearlyLower(a, g);
      s.append(difference(a, g, "gradual")).append(better ? ": better" : "");
      v = better ? Verdict.FAIL : v;
    }
    return new AtKn(v, s.toString());
  }

  private static AtKn linearNearBest(Claim.RuleRows rows, Map<String, Arm> arms) {
    List<String> all = new ArrayList<>(List.of(rows.linear(), rows.sqrt(), rows.none()));
    all.addAll(rows.otherLinear());
    for (String r : all) {
      Arm a = arms.get(r);
      if (a == null || !a.enough()) {
        return new AtKn(Verdict.INSUFFICIENT, "row '" + r + "' " + unreadable(a));
      }
    }
    Arm lin = arms.get(rows.linear());
    if (lin.diverged()) {
      return new AtKn(Verdict.FAIL, "linear " + lin.text());
    }
    String best = rows.linear();
    for (String r : all) {
      Arm a = arms.get(r);
      if (!a.diverged() && a.mean() < arms.get(best).mean()) {
        best = r;
      }
    }
    double gap = lin.mean() - arms.get(best).mean();
    return new AtKn(gap <= MARGIN_PT ? Verdict.PASS : Verdict.FAIL, String.format(Locale.ROOT,
        "linear %s; best '%s' %s; linear − best = %+.2f pt", lin.text(), best, arms.get(best).text(), gap));
  }

  private static AtKn othersWorse(Claim.RuleRows rows, Map<String, Arm> arms) {
    Arm lin = arms.get(rows.linear());
    if (lin == null || !lin.enough()) {
      return new AtKn(Verdict.INSUFFICIENT, "linear " + unreadable(lin));
    }
    Verdict v = Verdict.PASS;
    StringBuilder s = new StringBuilder();
    for (String[] x : new String[][] {{"sqrt", rows.sqrt()}, {"none", rows.none()}}) {
      Arm a = arms.get(x[1]);
      s.append(s.length() == 0 ? "" : ", ").append(x[0]).append(' ');
      if (a == null || !a.enough()) {
        s.append(unreadable(a));
        v = v == Verdict.FAIL ? v : Verdict.INSUFFICIENT;
        continue;
      }
      boolean worse = clearlyLower(lin, a);
      s.append(difference(a, lin, "linear")).append(worse ? "" : ": not worse by 2 SE");
      v = worse ? v : Verdict.FAIL;
    }
    return new AtKn(v, s.toString());
  }

  private static Check legw(Claim.LegwBand c, Map<String, Arm> arms) {
    Arm base = arms.get(c.base());
    if (base == null || !base.enough() || base.diverged()) {
      return new Check(c.statement(), Verdict.INSUFFICIENT, "base row " + unreadable(base));
    }
    boolean failed = false;
    boolean missing = false;
    boolean exercised = false;
    StringBuilder s = new StringBuilder("base kn=" + base.kn() + ": " + base.text());
    for (var e : c.byKn().entrySet()) {
      Arm fixed = arms.get(e.getValue().fixed());
      Arm legw = arms.get(e.getValue().legw());
      s.append("; kn=").append(e.getKey()).append(": ");
      if (fixed == null || !fixed.enough() || legw == null || !legw.enough()) {
        missing = true;
        s.append(fixed == null || !fixed.enough() ? "fixed " + unreadable(fixed) : "LEGW " + unreadable(legw));
        continue;
      }
      boolean fixedOut = fixed.diverged() || fixed.mean() - base.mean() > tolerance(base, fixed);
      boolean legwIn = !legw.diverged() && legw.mean() - base.mean() <= tolerance(base, legw);
      s.append("fixed ").append(bandText(fixed, base)).append(", LEGW ").append(bandText(legw, base));
      if (fixedOut) {
        exercised = true;
        failed |= !legwIn;
      } else {
        s.append(" (fixed warmup inside: not a test)");
      }
    }
    Verdict v = failed ? Verdict.FAIL : missing ? Verdict.INSUFFICIENT : exercised ? Verdict.PASS : Verdict.INSUFFICIENT;
    if (v == Verdict.INSUFFICIENT && !missing) {
      s.append("; the fixed warmup fails at no kn here, so the claim is not exercised");
    }
    return new Check(c.statement(), v, s.toString());
  }

  /** max(0.5 pt, 2σ), σ pooled over the two rows' finished seeds. */
  static double tolerance(Arm base, Arm a) {
    int dof = base.ok() + a.ok() - 2;
    double pooled = dof <= 0 ? 0
        : Math.sqrt(((base.ok() - 1) * base.sd() * base.sd() + (a.ok() - 1) * a.sd() * a.sd()) / dof);
    return Math.max(MARGIN_PT, Z * pooled);
  }

  /** The standard error of the difference of two rows' means. */
  static double standardError(Arm a, Arm b) {
    return Math.sqrt(a.sd() * a.sd() / a.ok() + b.sd() * b.sd() / b.ok());
  }

  /** True when {@code low}'s error is below {@code high}'s by ≥ 2 SE; a diverged row is above every other. */
  static boolean clearlyLower(Arm low, Arm high) {
    if (low.diverged()) {
      return false;
    }
    if (high.diverged()) {
      return true;
    }
    double d = high.mean() - low.mean();
    return d > 0 && d >= Z * standardError(low, high);
  }

  private static String difference(Arm a, Arm ref, String refName) {
    if (a.diverged() || ref.diverged()) {
      return a.text() + " vs " + refName + " " + ref.text();
    }
    return String.format(Locale.ROOT, "%s − %s %s = %+.2f pt (2 SE = %.2f)", a.text(), refName, ref.text(),
        a.mean() - ref.mean(), Z * standardError(a, ref));
  }

  private static String bandText(Arm a, Arm base) {
    if (a.diverged()) {
      return a.text() + " (outside)";
    }
    double d = a.mean() - base.mean();
    double tol = tolerance(base, a);
    return String.format(Locale.ROOT, "%+.2f %s %.2f", d, d <= tol ? "≤" : ">", tol);
  }

  private static String unreadable(Arm a) {
    return a == null ? "not in the table" : !a.enough() ? "has " + a.seeds() + " finished seed(s), needs " + MIN_SEEDS
        : a.text();
  }

  /** The checks as a markdown section (empty when there are none). */
  public static String markdown(List<Check> checks) {
    if (checks.isEmpty()) {
      return "";
    }
    StringBuilder s = new StringBuilder("### Pre-stated criteria (issue 16)\n\n| verdict | criterion | numbers |\n|---|---|---|\n");
    for (Check c : checks) {
      s.append("| ").append(c.verdict()).append(" | ").append(c.criterion()).append(" | ")
          .append(c.numbers().replace("|", "\\|")).append(" |\n");
    }
    return s.toString();
  }

  public static final List<String> CSV_HEADER = List.of("verdict", "criterion", "numbers");

  public static String csv(List<Check> checks) {
    StringBuilder s = new StringBuilder(Csv.line(CSV_HEADER));
    for (Check c : checks) {
      s.append(Csv.line(List.of(c.verdict().name(), c.criterion(), c.numbers())));
    }
    return s.toString();
  }
}
