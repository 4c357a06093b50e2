package dev.bigbatch.report;

import dev.bigbatch.schedule.ScalingRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The experiments of {@code bigbatch reproduce} as lists of train runs and the criteria stated for them before
 * they run (pure: nothing runs here). Names: {@code goyal-table1}, {@code goyal-table2a}, {@code goyal-figure1},
 * {@code legw}, {@code lars}. Every row uses n = 32 examples per (virtual) worker unless it says otherwise; the
 * global batch kn grows with the worker count k, as in Goyal et al.
 *
 * <p>The full budget is issue 16's regime, chosen so the papers' claims can pass or fail: the base is kn0 = 32
 * (k = 1) with η0 = 0.0125, so every peak is Goyal's 0.1·kn/256 and every warmup starts at η0; the tables sit
 * around the gradient noise scale (kn = 512 and 1024) instead of at 8k, where 7 steps per epoch leave nothing to
 * compare. Seeds: {@link Budget#seeds()} a row, {@link Budget#closeRowSeeds()} for the rows a criterion compares
 * within a fraction of a point (Figure 1's base and its rows at 16 and 32·kn0, every row of Table 1, the linear
 * rows of Table 2a, the bases of LEGW). The quick budget keeps Goyal's kn = 256 and 8k with η0 = 0.1 at B0 = 256.
 */
public final class Experiments {
  public static final List<String> NAMES = List.of("goyal-table1", "goyal-table2a", "goyal-figure1", "legw", "lars");

  /** Fashion-MNIST's training set: the examples per epoch of a run without --train-limit. */
  public static final int TRAIN_EXAMPLES = 60_000;

  /** A table row and what the paper reports for it (empty when there is no counterpart). */
  public record Row(String label, String reference) {}

  /** An experiment: its rows in table order, one run per row and seed, and its pre-stated criteria. */
  public record Plan(String name, String title, String referenceColumn, List<Row> rows, List<RunSpec> runs,
      List<Claim> claims) {
    public Plan {
      rows = List.copyOf(rows);
      runs = List.copyOf(runs);
      claims = List.copyOf(claims);
    }

    /** Epochs summed over the runs: the plan's compute in units of one epoch of one run. */
    public double runEpochs() {
      return runs.stream().mapToDouble(RunSpec::epochs).sum();
    }
  }

  /** The small-batch base of a budget's Goyal experiments: kn0 (= B0, k = kn0/32) and η0 there. */
  record Base(int kn0, double eta0) {}

  private Experiments() {}

  public static Plan plan(String name, Budget budget) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "goyal-table1" -> table1(budget);
      case "goyal-table2a" -> table2a(budget);
      case "goyal-figure1" -> figure1(budget);
      case "legw" -> legw(budget);
      case "lars" -> lars(budget);
      default -> throw new IllegalArgumentException("unknown experiment '" + name + "'; known: " + String.join(", ", NAMES));
    };
  }

  static Base base(Budget b) {
    return b.quick() ? new Base(256, 0.1) : new Base(32, 0.0125);
  }

  /** The kn of Table 1 and 2a beside their base: Goyal's 8k (quick), around the noise scale (full). */
  static List<Integer> tableKns(Budget b) {
    return b.quick() ? List.of(8192) : List.of(512, 1024);
  }

  /** The settings every row of a Goyal experiment shares: SGD, η0 at B0 = kn0, linear rule, step decay. */
  static RunSpec.Builder goyalBase(String experiment, Budget b) {
    RunSpec.Builder s = new RunSpec.Builder();
    s.experiment = experiment;
    s.model = b.model();
    s.width = b.width();
    s.perWorkerBatch = 32;
    s.workers = base(b).kn0() / 32;
    s.workersPerChunk = b.workersPerChunk();
    s.optimizer = "sgd";
    s.baseLr = base(b).eta0();
    s.baseBatch = base(b).kn0();
    s.lrScaling = ScalingRule.LINEAR;
    s.warmup = "gradual";
    s.warmupEpochs = b.warmupEpochs();
    s.decay = "step";
    s.decayEpochs = b.decayEpochs();
    s.epochs = b.epochs();
    s.trainLimit = b.trainLimit();
    s.augment = b.augment();
    s.extraArgs = List.of("--weight-decay", "1e-4");
    return s;
  }

  /** Goyal Table 1: the base (kn0, no warmup) vs large kn with no, constant and gradual warmup. */
  static Plan table1(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    RunSpec.Builder base = goyalBase("goyal-table1", b);
    base.warmup = "none";
    base.row = "kn=" + kn(base.workers * 32) + ", η=" + RunSpec.num(base.baseLr) + ", no warmup";
    rows.add(new Row(base.row, "23.60 ± 0.12" + (base.workers * 32 == 256 ? "" : " (at kn=256)")));
    addSeeds(runs, base, b.closeRowSeeds());
    SortedMap<Integer, Claim.WarmupRows> byKn = new TreeMap<>();
    String[][] arms = {{"none", "no warmup", "24.84 ± 0.37"}, {"constant", "constant warmup", "25.88 ± 0.56"},
        {"gradual", "gradual warmup", "23.74 ± 0.09"}};
    for (int kn : tableKns(b)) {
      List<String> labels = new ArrayList<>();
      for (String[] arm : arms) {
        RunSpec.Builder s = goyalBase("goyal-table1", b);
        s.workers = kn / 32;
        s.warmup = arm[0];
        s.row = "kn=" + kn(kn) + ", η=" + RunSpec.num(s.build().peakLr()) + ", " + arm[1];
        rows.add(new Row(s.row, arm[2] + (kn == 8192 ? "" : " (at 8k)")));
        labels.add(s.row);
        addSeeds(runs, s, b.closeRowSeeds());
      }
      byKn.put(kn, new Claim.WarmupRows(labels.get(0), labels.get(1), labels.get(2)));
    }
    return new Plan("goyal-table1", "Goyal Table 1: warmup at kn = " + kns(tableKns(b)) + " (base kn = " + kn(base.workers * 32)
        + ")", "Goyal top-1 err. (ResNet-50, ImageNet)", rows, runs, List.of(new Claim.Warmups(base.row, byKn)));
  }

  /** Goyal Table 2a: scaling rules (linear ×0.5, ×1, ×2, none, sqrt) at the large kn with gradual warmup. */
  static Plan table2a(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    SortedMap<Integer, Claim.RuleRows> byKn = new TreeMap<>();
    double eta0 = base(b).eta0();
    Object[][] arms = {
        {0.5, ScalingRule.LINEAR, " (linear ×0.5)", "24.27"},
        {1.0, ScalingRule.LINEAR, " (linear)", "23.74"},
        {2.0, ScalingRule.LINEAR, " (linear ×2)", "24.05"},
        {1.0, ScalingRule.NONE, " (no scaling)", "41.67"},
        {1.0, ScalingRule.SQRT, " (sqrt)", "26.22"}};
    for (int kn : tableKns(b)) {
      List<String> labels = new ArrayList<>();
      int k = kn / base(b).kn0();
      for (Object[] arm : arms) {
        RunSpec.Builder s = goyalBase("goyal-table2a", b);
        s.workers = kn / 32;
        s.baseLr = eta0 * (double) arm[0];
        s.lrScaling = (ScalingRule) arm[1];
        String times = switch (s.lrScaling) {
          case LINEAR -> "·" + k;
          case SQRT -> "·√" + k;
          default -> "";
        };
        s.row = "kn=" + kn(kn) + ", η=" + RunSpec.num(s.baseLr) + times + arm[2];
        rows.add(new Row(s.row, arm[3] + (kn == 8192 ? "" : " (at 8k)")));
        labels.add(s.row);
        addSeeds(runs, s, s.lrScaling == ScalingRule.LINEAR ? b.closeRowSeeds() : b.seeds());
      }
      byKn.put(kn, new Claim.RuleRows(labels.get(1), List.of(labels.get(0), labels.get(2)), labels.get(4), labels.get(3)));
    }
    return new Plan("goyal-table2a", "Goyal Table 2a: learning-rate scaling rules at kn = " + kns(tableKns(b)),
        "Goyal top-1 err. (ResNet-50, ImageNet)", rows, runs, List.of(new Claim.ScalingRules(byKn)));
  }

  /**
   * Goyal Figure 1: error vs kn, linear scaling + gradual warmup: kn = 32 … 8k (full; the base kn0 = 32 and the rows
   * at 16·kn0 and 32·kn0, where the band is expected to end, with {@link Budget#closeRowSeeds()}), 64 … 16k in the
   * quick budget, which trains 2 epochs (0.5 of warmup) here: nine runs, the small batches being the slow ones.
   */
  static Plan figure1(Budget budget) {
    Budget b = budget.quick() ? budget.withEpochs(2, 0.5) : budget;
    int first = b.quick() ? 64 : base(b).kn0();
    int last = b.quick() ? 16384 : 8192;
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    SortedMap<Integer, String> band = new TreeMap<>();
    for (int kn = first; kn <= last; kn *= 2) {
      RunSpec.Builder s = goyalBase("goyal-figure1", b);
      s.workers = kn / 32;
      s.row = "kn=" + kn;
      rows.add(new Row(s.row, kn <= 8192 ? "flat (≈23.6)" : kn == 16384 ? "24.79 ± 0.27 (γ=0 init)" : ""));
      boolean close = kn == first || kn == 16 * first || kn == 32 * first;
      addSeeds(runs, s, close ? b.closeRowSeeds() : b.seeds());
      if (kn > first) {
        band.put(kn, s.row);
      }
    }
    return new Plan("goyal-figure1", "Goyal Figure 1: error vs minibatch size (linear scaling + gradual warmup)",
        "Goyal (ResNet-50, ImageNet)", rows, runs,
        List.of(new Claim.FlatBand("Figure 1", "kn=" + first, band, 16 * first)));
  }

  /**
   * LEGW (sqrt scaling, warmup m0·kn/B0 epochs from η0). Full budget: an image arm on the Goyal model (base kn0 = 32;
   * at kn = 2k and 4k, where the fixed 1-epoch warmup is expected to fail, LEGW with m0 = 1/32 epoch, i.e. a 2- and
   * 4-epoch warmup, against linear + the fixed warmup) and the MNIST-LSTM arm at 20 epochs; quick: the LSTM arm only.
   */
  static Plan legw(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    List<Claim> claims = new ArrayList<>();
    if (!b.quick()) {
      RunSpec.Builder base = goyalBase("legw", b);
      base.row = "ResNet-8 kn=" + base.workers * 32 + ", linear (base)";
      rows.add(new Row(base.row, "baseline"));
      addSeeds(runs, base, b.closeRowSeeds());
      SortedMap<Integer, Claim.LegwRows> byKn = new TreeMap<>();
      for (int kn : List.of(2048, 4096)) {
        RunSpec.Builder legw = goyalBase("legw", b);
        legw.workers = kn / 32;
        legw.warmup = "legw";
        legw.warmupEpochs = 1.0 / 32;
        legw.row = "ResNet-8 kn=" + kn + ", LEGW (" + RunSpec.num(legw.warmupEpochs * kn / base(b).kn0()) + "-epoch warmup)";
        RunSpec.Builder fixed = goyalBase("legw", b);
        fixed.workers = kn / 32;
        fixed.row = "ResNet-8 kn=" + kn + ", linear + fixed warmup";
        for (RunSpec.Builder s : List.of(legw, fixed)) {
          rows.add(new Row(s.row, s == legw ? "inside the flat band" : ""));
          addSeeds(runs, s, b.seeds());
        }
        byKn.put(kn, new Claim.LegwRows(legw.row, fixed.row));
      }
      claims.add(new Claim.LegwBand(base.row, byKn));
    }
    claims.add(lstm(b, rows, runs));
    return new Plan("legw", b.quick() ? "LEGW vs linear scaling (MNIST-LSTM on Fashion-MNIST rows)"
        : "LEGW vs linear scaling (ResNet-8 from kn0 = 32; MNIST-LSTM on Fashion-MNIST rows)",
        "LEGW paper", rows, runs, claims);
  }

  /**
   * LEGW's MNIST-LSTM arm (image rows as time steps) from B0 = 128: LEGW vs linear scaling with a fixed gradual
   * warmup, at batch ×1 and ×s; quick: ×1 and ×16 over 2 epochs of 16384 images; full: ×1 … ×64 over 20 epochs of
   * the whole training set (LEGW's "×64 without loss" needs a run long enough that its warmup is a small part).
   * Both warm up from the base rate η0 = 0.1 (at ×1 there is nothing to ramp). Where the fixed warmup of m0 epochs is
   * under half an iteration (×16 quick, ×64 full) it does not exist (train refuses it), so that arm runs without
   * warmup and its row says so.
   */
  private static Claim lstm(Budget b, List<Row> rows, List<RunSpec> runs) {
    boolean quick = b.quick();
    int[] scales = quick ? new int[] {1, 16} : new int[] {1, 4, 16, 64};
    SortedMap<Integer, String> band = new TreeMap<>();
    String baseRow = null;
    for (int scale : scales) {
      for (String arm : scale == 1 ? List.of("legw") : List.of("legw", "linear")) {
        RunSpec.Builder s = goyalBase("legw", b);
        s.model = "lstm";
        s.width = quick ? 4 : 16;
        s.perWorkerBatch = 128;
        s.workers = scale;
        s.workersPerChunk = scale;
        s.baseBatch = 128;
        s.baseLr = 0.1;
        s.lrScaling = ScalingRule.LINEAR;
        s.warmupEpochs = 0.03125;
        s.decay = "cosine";
        s.decayEpochs = new double[0];
        s.epochs = quick ? 2 : 20;
        s.trainLimit = quick ? 16384 : b.trainLimit();
        s.augment = false;
        s.extraArgs = List.of("--weight-decay", "1e-4");
        int examples = s.trainLimit > 0 ? s.trainLimit : TRAIN_EXAMPLES;
        boolean fixedWarmupVanishes = Math.round(s.warmupEpochs * (examples / (128 * scale))) == 0;
        s.warmup = arm.equals("legw") ? "legw" : fixedWarmupVanishes ? "none" : "gradual";
        s.row = "kn=" + 128 * scale + " (×" + scale + "), " + (arm.equals("legw") ? "LEGW"
            : fixedWarmupVanishes ? "linear, fixed warmup under 1 step: none" : "linear + fixed warmup");
        rows.add(new Row(s.row, scale == 1 ? "baseline" : arm.equals("legw") ? "no loss up to ×64" : ""));
        addSeeds(runs, s, scale == 1 ? b.closeRowSeeds() : b.seeds());
        if (scale == 1) {
          baseRow = s.row;
        } else if (arm.equals("legw")) {
          band.put(128 * scale, s.row);
        }
      }
    }
    return new Claim.FlatBand("LEGW, MNIST-LSTM", baseRow, band, 128 * scales[scales.length - 1]);
  }

  /**
   * LARS vs Goyal momentum SGD at large batch; same η (linear), gradual warmup, poly decay p = 2. Quick: kn = 8k
   * and 16k (goyal-table1 has the kn = 256 reference); full: the base kn0 = 32 and kn = 2k, 4k, 8k, past the band.
   * No criterion was stated for it.
   */
  static Plan lars(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    List<Object[]> arms = new ArrayList<>();
    if (!b.quick()) {
      arms.add(new Object[] {base(b).kn0(), "sgd"});
    }
    for (int kn : b.quick() ? List.of(8192, 16384) : List.of(2048, 4096, 8192)) {
      arms.add(new Object[] {kn, "sgd"});
      arms.add(new Object[] {kn, "lars"});
    }
    for (Object[] arm : arms) {
      RunSpec.Builder s = goyalBase("lars", b);
      s.workers = (int) arm[0] / 32;
      s.optimizer = (String) arm[1];
      s.decay = "poly";
      s.decayEpochs = new double[0];
      s.extraArgs = s.optimizer.equals("lars") ? List.of("--weight-decay", "1e-4", "--trust-coefficient", "0.001")
          : List.of("--weight-decay", "1e-4");
      s.row = "kn=" + 32 * s.workers + ", " + s.optimizer.toUpperCase(Locale.ROOT);
      rows.add(new Row(s.row, s.optimizer.equals("lars") ? "LARS keeps accuracy past 8k (You et al.)" : ""));
      addSeeds(runs, s, b.seeds());
    }
    return new Plan("lars", "LARS vs momentum SGD at large batch", "You et al. (claim)", rows, runs, List.of());
  }

  private static void addSeeds(List<RunSpec> runs, RunSpec.Builder s, int seeds) {
    for (int seed = 1; seed <= seeds; seed++) {
      s.seed = seed;
      runs.add(s.build());
    }
  }

  /** "512", "1k", "8k": kn as Goyal writes it. */
  static String kn(int kn) {
    return kn >= 1024 && kn % 1024 == 0 ? (kn / 1024) + "k" : Integer.toString(kn);
  }

  private static String kns(List<Integer> kns) {
    return String.join(" and ", kns.stream().map(Experiments::kn).toList());
  }
}
