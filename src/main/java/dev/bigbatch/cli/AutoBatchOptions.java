package dev.bigbatch.cli;

import dev.bigbatch.autopilot.AutoBatchSettings;
import dev.bigbatch.autopilot.AutoRecipe;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.TrainConfig;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The {@code --batch auto} flags of {@code bigbatch train} (the noise-scale autopilot), as a picocli mixin. */
public final class AutoBatchOptions {
  static final int DEFAULT_MAX_BATCH = 8192;
  static final int DEFAULT_MEASURE_STEPS = 50;
  static final double DEFAULT_EMA = 0.95;

  private boolean auto;
  private Integer minBatch;
  private Integer maxBatch;
  private Integer measureSteps;
  private Double ema;
  private boolean grow;

  @Option(names = "--batch", paramLabel = "auto", description = "'auto': measure the gradient noise scale B_simple during "
      + "training and run at global batch k·n ≈ B_simple (n fixed, k changes), LR by --lr-scaling on an epoch axis. "
      + "Starts measuring at --workers. Fixed batches: use -k and -n.")
  void batch(String v) {
    if (!"auto".equals(v.trim())) {
      throw new IllegalArgumentException("--batch takes only 'auto', got '" + v + "'; for a fixed global batch set -k and -n");
    }
    auto = true;
  }

  @Option(names = "--min-batch", description = "With --batch auto: smallest global batch it may choose (default: "
      + "2 workers; e.g. the starting k·n to never go below it).")
  void minBatch(int v) {
    minBatch = v;
  }

  @Option(names = "--max-batch", description = "With --batch auto: largest global batch it may choose (default "
      + DEFAULT_MAX_BATCH + "; also capped by the dataset size).")
  void maxBatch(int v) {
    maxBatch = v;
  }

  @Option(names = "--auto-measure-steps", description = "With --batch auto: steps per measurement window (default "
      + DEFAULT_MEASURE_STEPS + ").")
  void measureSteps(int v) {
    measureSteps = v;
  }

  @Option(names = "--auto-ema", description = "With --batch auto: EMA decay per step of the |G|^2 and tr(Sigma) estimates "
      + "(default " + DEFAULT_EMA + ").")
  void ema(double v) {
    ema = v;
  }

  @Option(names = "--auto-grow", description = "With --batch auto: re-measure at the start of every epoch and grow the "
      + "batch when B_simple has grown (never shrinks).")
  void grow(boolean v) {
    grow = v;
  }

  public boolean enabled() {
    return auto;
  }

  /**
   * The validated autopilot settings, or null without {@code --batch auto}; one-line errors for autopilot
   * flags without it and for combinations it cannot run.
   */
  public AutoBatchSettings settings(TrainConfig config, int accumulate) {
    if (!auto) {
      String stray = minBatch != null ? "--min-batch" : maxBatch != null ? "--max-batch" : measureSteps != null ? "--auto-measure-steps"
          : ema != null ? "--auto-ema" : grow ? "--auto-grow" : null;
      if (stray != null) {
        throw new IllegalArgumentException(stray + " only applies with --batch auto");
      }
      return null;
    }
    if (accumulate != 1) {
      throw new IllegalArgumentException("--accumulate cannot be combined with --batch auto (it changes k itself)");
    }
    if (config.schedule() != TrainConfig.ScheduleKind.RECIPE) {
      throw new IllegalArgumentException("--schedule " + config.schedule().name().toLowerCase(Locale.ROOT)
          + " cannot be combined with --batch auto (its learning rate is a function of progress and the current batch)");
    }
    AutoRecipe.validate(config);
    if (config.workers() < 2) {
      throw new IllegalArgumentException("--batch auto measures at the starting --workers, which must be >= 2 "
          + "(B_big = k·n must exceed B_small = n), got " + config.workers());
    }
    return new AutoBatchSettings(minBatch == null ? 0 : minBatch, maxBatch == null ? DEFAULT_MAX_BATCH : maxBatch,
        measureSteps == null ? DEFAULT_MEASURE_STEPS : measureSteps, ema == null ? DEFAULT_EMA : ema, grow);
  }

  /** A checkpoint of the other kind (auto vs fixed) would resume at the wrong batch or position. */
  void checkResume(Checkpoints.State resumed) {
    if (resumed != null && !auto && resumed.progress().containsKey("position.epoch")) {
      throw new IllegalArgumentException("--resume: the checkpoint was written by a --batch auto run; add --batch auto");
    }
  }
}
