package dev.bigbatch.report;

import dev.bigbatch.schedule.ScalingRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The experiments of {@code bigbatch reproduce} as lists of train runs (pure: nothing runs here).
 * Names: {@code goyal-table1}, {@code goyal-table2a}, {@code goyal-figure1}, {@code legw}, {@code lars}.
 * Every row uses n = 32 examples per (virtual) worker unless it says otherwise; the global batch kn
 * grows with the worker count k, as in Goyal et al.
 */
public final class Experiments {
  public static final List<String> NAMES = List.of("goyal-table1", "goyal-table2a", "goyal-figure1", "legw", "lars");

  /** A table row and what the paper reports for it (empty when there is no counterpart). */
  public record Row(String label, String reference) {}

  /** An experiment: its rows in table order and one run per row and seed. */
  public record Plan(String name, String title, String referenceColumn, List<Row> rows, List<RunSpec> runs) {
    public Plan {
      rows = List.copyOf(rows);
      runs = List.copyOf(runs);
    }
  }

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

  /** The settings every row of a Goyal experiment shares: SGD, η0 = 0.1 at B0 = 256, step decay. */
  static RunSpec.Builder goyalBase(String experiment, Budget b) {
    RunSpec.Builder s = new RunSpec.Builder();
    s.experiment = experiment;
    s.model = b.model();
    s.width = b.width();
    s.perWorkerBatch = 32;
    s.workers = 8;
    s.workersPerChunk = b.workersPerChunk();
    s.optimizer = "sgd";
    s.baseLr = 0.1;
    s.baseBatch = 256;
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

  /** Goyal Table 1: kn = 256 vs kn = 8k (k = 256) with no, constant and gradual warmup. */
  static Plan table1(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    String[][] arms = {
        {"8", "none", "kn=256, η=0.1, no warmup", "23.60 ± 0.12"},
        {"256", "none", "kn=8k, η=3.2, no warmup", "24.84 ± 0.37"},
        {"256", "constant", "kn=8k, η=3.2, constant warmup", "25.88 ± 0.56"},
        {"256", "gradual", "kn=8k, η=3.2, gradual warmup", "23.74 ± 0.09"}};
    for (String[] arm : arms) {
      RunSpec.Builder s = goyalBase("goyal-table1", b);
      s.workers = Integer.parseInt(arm[0]);
      s.warmup = arm[1];
      s.row = arm[2];
      rows.add(new Row(arm[2], arm[3]));
      addSeeds(runs, s, b);
    }
    return new Plan("goyal-table1", "Goyal Table 1: warmup at kn = 8k", "Goyal top-1 err. (ResNet-50, ImageNet)", rows, runs);
  }

  /** Goyal Table 2a: scaling rules at kn = 8k with gradual warmup. */
  static Plan table2a(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    Object[][] arms = {
        {0.05, ScalingRule.LINEAR, "kn=8k, η=0.05·32 (linear ×0.5)", "24.27"},
        {0.1, ScalingRule.LINEAR, "kn=8k, η=0.1·32 (linear)", "23.74"},
        {0.2, ScalingRule.LINEAR, "kn=8k, η=0.2·32 (linear ×2)", "24.05"},
        {0.1, ScalingRule.NONE, "kn=8k, η=0.1 (no scaling)", "41.67"},
        {0.1, ScalingRule.SQRT, "kn=8k, η=0.1·√32 (sqrt)", "26.22"}};
    for (Object[] arm : arms) {
      RunSpec.Builder s = goyalBase("goyal-table2a", b);
      s.workers = 256;
      s.baseLr = (double) arm[0];
      s.lrScaling = (ScalingRule) arm[1];
      s.row = (String) arm[2];
      rows.add(new Row(s.row, (String) arm[3]));
      addSeeds(runs, s, b);
    }
    return new Plan("goyal-table2a", "Goyal Table 2a: learning-rate scaling rules at kn = 8k",
        "Goyal top-1 err. (ResNet-50, ImageNet)", rows, runs);
  }

  /**
   * Goyal Figure 1: error vs kn from 64 to 16k, linear scaling + gradual warmup. The quick budget
   * trains 2 epochs (0.5 of warmup) here: nine runs, the small batches being the slow ones.
   */
  static Plan figure1(Budget budget) {
    Budget b = budget.name().equals("quick") ? budget.withEpochs(2, 0.5) : budget;
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    for (int kn = 64; kn <= 16384; kn *= 2) {
      RunSpec.Builder s = goyalBase("goyal-figure1", b);
      s.workers = kn / 32;
      s.row = "kn=" + kn;
      rows.add(new Row(s.row, kn <= 8192 ? "flat (≈23.6)" : kn == 16384 ? "24.79 ± 0.27 (γ=0 init)" : ""));
      addSeeds(runs, s, b);
    }
    return new Plan("goyal-figure1", "Goyal Figure 1: error vs minibatch size (linear scaling + gradual warmup)",
        "Goyal (ResNet-50, ImageNet)", rows, runs);
  }

  /**
   * LEGW on the MNIST-LSTM (image rows as time steps) from B0 = 128: LEGW (sqrt scaling, warmup
   * m0·kn/B0) vs linear scaling with a fixed gradual warmup, at batch ×1 and ×s. Both warm up from the base
   * rate η0 = 0.1 (the recipe's default start; at ×1 there is nothing to ramp). Where the fixed warmup of m0
   * epochs is under half an iteration (×16 in the quick budget, ×64 in the full one: 0.25 and 0.125 iterations)
   * does not exist (train refuses it), so that arm runs without warmup and its row says so.
   */
  static Plan legw(Budget b) {
    boolean quick = b.name().equals("quick");
    int[] scales = quick ? new int[] {1, 16} : new int[] {1, 4, 16, 64};
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
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
        s.epochs = quick ? 2 : 3;
        s.trainLimit = quick ? 16384 : 32768;
        s.augment = false;
        s.extraArgs = List.of("--weight-decay", "1e-4");
        boolean fixedWarmupVanishes = Math.round(s.warmupEpochs * (s.trainLimit / (128 * scale))) == 0;
        s.warmup = arm.equals("legw") ? "legw" : fixedWarmupVanishes ? "none" : "gradual";
        s.row = "kn=" + 128 * scale + " (×" + scale + "), " + (arm.equals("legw") ? "LEGW"
            : fixedWarmupVanishes ? "linear, fixed warmup under 1 step: none" : "linear + fixed warmup");
        rows.add(new Row(s.row, scale == 1 ? "baseline" : arm.equals("legw") ? "no loss up to ×64" : ""));
        addSeeds(runs, s, b);
      }
    }
    return new Plan("legw", "LEGW vs linear scaling (MNIST-LSTM on Fashion-MNIST rows)", "LEGW paper (MNIST-LSTM)",
        rows, runs);
  }

  /**
   * LARS vs Goyal momentum SGD at large batch; same η (linear), gradual warmup, poly decay p = 2. The
   * quick budget leaves out the kn = 256 reference (goyal-table1 has it).
   */
  static Plan lars(Budget b) {
    List<Row> rows = new ArrayList<>();
    List<RunSpec> runs = new ArrayList<>();
    Object[][] arms = b.name().equals("quick")
        ? new Object[][] {{256, "sgd"}, {256, "lars"}, {512, "sgd"}, {512, "lars"}}
        : new Object[][] {{8, "sgd"}, {256, "sgd"}, {256, "lars"}, {512, "sgd"}, {512, "lars"}};
    for (Object[] arm : arms) {
      RunSpec.Builder s = goyalBase("lars", b);
      s.workers = (int) arm[0];
      s.optimizer = (String) arm[1];
      s.decay = "poly";
      s.decayEpochs = new double[0];
      s.extraArgs = s.optimizer.equals("lars") ? List.of("--weight-decay", "1e-4", "--trust-coefficient", "0.001")
          : List.of("--weight-decay", "1e-4");
      s.row = "kn=" + 32 * s.workers + ", " + s.optimizer.toUpperCase(Locale.ROOT);
      rows.add(new Row(s.row, s.optimizer.equals("lars") ? "LARS keeps accuracy past 8k (You et al.)" : ""));
      addSeeds(runs, s, b);
    }
    return new Plan("lars", "LARS vs momentum SGD at large batch", "You et al. (claim)", rows, runs);
  }

  private static void addSeeds(List<RunSpec> runs, RunSpec.Builder s, Budget b) {
    for (int seed = 1; seed <= b.seeds(); seed++) {
      s.seed = seed;
      runs.add(s.build());
    }
  }
}
