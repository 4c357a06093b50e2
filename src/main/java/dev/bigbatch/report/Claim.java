package dev.bigbatch.report;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A reproduction criterion stated before the runs (issue 16), over the rows of one experiment's table, named by
 * the labels its {@link Experiments.Plan} gave them. {@link Criteria} evaluates it on the collected table. Errors are
 * in percentage points (pt); σ is the seeds' sample standard deviation, SE a mean's standard error.
 */
public sealed interface Claim {
  /** The criterion as stated, printed next to its verdict. */
  String statement();

  /**
   * Every row from the base up to kn* has error ≤ base + max(0.5 pt, 2σ) (σ pooled over the base row and that
   * row), and kn* ≥ {@code minKnStar}: Goyal's Figure 1 (the flat band), and LEGW's "×64 without loss".
   *
   * @param rows the rows above the base, by global batch kn
   */
  record FlatBand(String what, String base, SortedMap<Integer, String> rows, int minKnStar) implements Claim {
    public FlatBand {
      rows = sorted(rows);
    }

    @Override
    public String statement() {
      return what + ": error ≤ base + max(0.5 pt, 2σ) up to kn* ≥ " + minKnStar;
    }
  }

  /** Goyal Table 1 at kn*: gradual − base ≤ 0.5 pt, and none and constant warmup no better than gradual. */
  record Warmups(String base, SortedMap<Integer, WarmupRows> byKn) implements Claim {
    public Warmups {
      byKn = sorted(byKn);
    }

    @Override
    public String statement() {
      return "Table 1 at kn*: gradual − base ≤ 0.5 pt; none and constant no better than gradual (not lower by ≥ 2 SE)";
    }
  }

  /** The three warmup rows of Table 1 at one kn. */
  record WarmupRows(String none, String constant, String gradual) {}

  /** Goyal Table 2a at kn*: linear within 0.5 pt of the best rule; sqrt and none worse than linear by ≥ 2 SE. */
  record ScalingRules(SortedMap<Integer, RuleRows> byKn) implements Claim {
    public ScalingRules {
      byKn = sorted(byKn);
    }

    @Override
    public String statement() {
      return "Table 2a at kn*: linear within 0.5 pt of the best rule; sqrt and no scaling worse than linear by ≥ 2 SE";
    }
  }

  /** The rows of Table 2a at one kn: linear ×1, the other rows the best is taken over, sqrt and no scaling. */
  record RuleRows(String linear, List<String> otherLinear, String sqrt, String none) {
    public RuleRows {
      otherLinear = List.copyOf(otherLinear);
    }
  }

  /** LEGW: inside the flat band of the base at every kn where linear scaling with a fixed warmup is outside it. */
  record LegwBand(String base, SortedMap<Integer, LegwRows> byKn) implements Claim {
    public LegwBand {
      byKn = sorted(byKn);
    }

    @Override
    public String statement() {
      return "LEGW inside the flat band (≤ base + max(0.5 pt, 2σ)) where the fixed warmup fails (is outside it)";
    }
  }

  /** The LEGW row and the linear + fixed warmup row at one kn. */
  record LegwRows(String legw, String fixed) {}

  private static <V> SortedMap<Integer, V> sorted(SortedMap<Integer, V> m) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(m));
  }
}
