package dev.bigbatch.spec;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The batch: k workers of n examples, A micro-batches each, or {@code --batch auto}.
 *
 * <p>Gradient accumulation is virtual workers: A micro-batches of n per worker and step, the loss normalised over the
 * whole global batch k·A·n, BN statistics per n-slice, is exactly k·A virtual workers of n processed at most k at a
 * time, so {@link #virtualWorkers()} = k·A and {@link #chunkWorkers()} = min(--workers-per-chunk, k) when A &gt; 1:
 * one forward/backward holds at most one micro-batch of each of the k workers, and its memory does not grow with A.
 *
 * @param perWorker n, examples per worker and micro-batch
 * @param workers k, the workers (the global batch is k·A·n)
 * @param workersPerChunk virtual workers per forward/backward chunk (memory vs speed)
 * @param accumulate A, micro-batches per worker and step
 * @param mode {@code AUTO} ({@code --batch auto}): the noise-scale autopilot chooses k while training (n fixed)
 * @param minBatch {@code --batch auto}: smallest global batch it may choose (null: 2 workers' worth)
 * @param maxBatch {@code --batch auto}: largest global batch it may choose (null: {@value #DEFAULT_MAX_BATCH})
 * @param measureSteps {@code --batch auto}: steps per measurement window (null: {@value #DEFAULT_MEASURE_STEPS})
 * @param ema {@code --batch auto}: EMA decay per step of the |G|² and tr(Σ) estimates (null: {@value #DEFAULT_EMA})
 * @param grow {@code --batch auto}: re-measure every epoch and grow the batch (never shrinks)
 */
public record BatchSpec(int perWorker, int workers, int workersPerChunk, int accumulate, Mode mode, Integer minBatch,
    Integer maxBatch, Integer measureSteps, Double ema, boolean grow) {
  public static final int DEFAULT_MAX_BATCH = 8192;
  public static final int DEFAULT_MEASURE_STEPS = 50;
  public static final double DEFAULT_EMA = 0.95;

  /** {@code FIXED}: k workers of n; {@code AUTO}: {@code --batch auto}. */
  public enum Mode { FIXED, AUTO }

  public BatchSpec {
    Check.positive(perWorker, "--batch-per-worker");
    Check.positive(workers, "--workers");
    Check.positive(workersPerChunk, "--workers-per-chunk");
    Check.notNull(mode, "--batch");
    Check.require(accumulate >= 1, "--accumulate must be >= 1, got " + accumulate);
    Check.require((long) workers * accumulate * perWorker <= Integer.MAX_VALUE,
        "--workers " + workers + " × --accumulate " + accumulate + " × --batch-per-worker " + perWorker + " is too large");
    if (mode == Mode.FIXED) {
      String stray = minBatch != null ? "--min-batch" : maxBatch != null ? "--max-batch"
          : measureSteps != null ? "--auto-measure-steps" : ema != null ? "--auto-ema" : grow ? "--auto-grow" : null;
      Check.require(stray == null, stray + " only applies with --batch auto");
    } else {
      Check.require(accumulate == 1, "--accumulate cannot be combined with --batch auto (it changes k itself)");
      Check.require(workers >= 2, "--batch auto measures at the starting --workers, which must be >= 2 "
          + "(B_big = k·n must exceed B_small = n), got " + workers);
      Check.require(minBatch == null || minBatch >= 0, "--min-batch must be >= 0, got " + minBatch);
      Check.require(maxBatch == null || maxBatch > 0, "--max-batch must be > 0, got " + maxBatch);
      int min = minBatch == null ? 0 : minBatch; // the accessors read fields, unset in a compact constructor
      int max = maxBatch == null ? DEFAULT_MAX_BATCH : maxBatch;
      Check.require(min <= max, "--min-batch " + min + " exceeds --max-batch " + max);
      Check.require(measureSteps == null || measureSteps >= 1, "--auto-measure-steps must be >= 1, got " + measureSteps);
      Check.require(ema == null || (ema >= 0 && ema < 1), "--auto-ema must be in [0, 1), got " + ema);
    }
  }

  /** True under {@code --batch auto}. */
  public boolean auto() {
    return mode == Mode.AUTO;
  }

  /** k·A: the virtual workers of n the trainer runs (the global batch, LR scaling and sampler shards follow from it). */
  public int virtualWorkers() {
    return workers * accumulate;
  }

  /** Virtual workers per forward/backward: at most one micro-batch of each worker when accumulating. */
  public int chunkWorkers() {
    return accumulate == 1 ? workersPerChunk : Math.min(workersPerChunk, workers);
  }

  /** k·A·n, the global batch of a step (the starting one under {@code --batch auto}). */
  public int global() {
    return virtualWorkers() * perWorker;
  }

  /** {@code --min-batch} resolved (0: two workers' worth). */
  public int minGlobalBatch() {
    return minBatch == null ? 0 : minBatch;
  }

  public int maxGlobalBatch() {
    return maxBatch == null ? DEFAULT_MAX_BATCH : maxBatch;
  }

  public int measureStepsOrDefault() {
    return measureSteps == null ? DEFAULT_MEASURE_STEPS : measureSteps;
  }

  public double emaDecay() {
    return ema == null ? DEFAULT_EMA : ema;
  }

  /** This batch with k workers of n and no accumulation (the same other settings). */
  public BatchSpec withWorkers(int perWorkerBatch, int k) {
    return new BatchSpec(perWorkerBatch, k, workersPerChunk, 1, mode, minBatch, maxBatch, measureSteps, ema, grow);
  }

  /** {@code --batch} takes the single value {@code auto}. */
  public static final class AutoOnly implements ITypeConverter<Mode> {
    @Override
    public Mode convert(String v) {
      if (!"auto".equals(v.trim())) {
        throw new IllegalArgumentException("--batch takes only 'auto', got '" + v + "'; for a fixed global batch set -k and -n");
      }
      return Mode.AUTO;
    }
  }

  /** Defaults and CLI flags of {@link BatchSpec}. */
  public static final class Builder {
    @Option(names = {"-n", "--batch-per-worker"}, description = "Per-worker batch n (default ${DEFAULT-VALUE}).")
    public int perWorker = 32;

    @Option(names = {"-k", "--workers"}, description = "Workers k; global batch is k·n (default ${DEFAULT-VALUE}).")
    public int workers = 8;

    @Option(names = "--workers-per-chunk",
        description = "Virtual workers per forward/backward chunk (memory vs speed; default ${DEFAULT-VALUE}).")
    public int workersPerChunk = 8;

    @Option(names = "--accumulate", paramLabel = "A", description = "Micro-batches of n per worker and step: global "
        + "batch k·A·n, loss normalised over all of it, BN per n-slice; memory of one micro-batch (default ${DEFAULT-VALUE}).")
    public int accumulate = 1;

    @Option(names = "--batch", paramLabel = "auto", converter = AutoOnly.class,
        description = "'auto': measure the gradient noise scale B_simple during training and run at global batch "
            + "k·n ≈ B_simple (n fixed, k changes), LR by --lr-scaling on an epoch axis. Starts measuring at --workers. "
            + "Fixed batches: use -k and -n.")
    public Mode mode = Mode.FIXED;

    @Option(names = "--min-batch", description = "With --batch auto: smallest global batch it may choose (default: "
        + "2 workers; e.g. the starting k·n to never go below it).")
    public Integer minBatch;

    @Option(names = "--max-batch", description = "With --batch auto: largest global batch it may choose (default "
        + DEFAULT_MAX_BATCH + "; also capped by the dataset size).")
    public Integer maxBatch;

    @Option(names = "--auto-measure-steps", description = "With --batch auto: steps per measurement window (default "
        + DEFAULT_MEASURE_STEPS + ").")
    public Integer measureSteps;

    @Option(names = "--auto-ema", description = "With --batch auto: EMA decay per step of the |G|^2 and tr(Sigma) "
        + "estimates (default " + DEFAULT_EMA + ").")
    public Double ema;

    @Option(names = "--auto-grow", description = "With --batch auto: re-measure at the start of every epoch and grow "
        + "the batch when B_simple has grown (never shrinks).")
    public boolean grow;

    public BatchSpec build() {
      return new BatchSpec(perWorker, workers, workersPerChunk, accumulate, mode, minBatch, maxBatch, measureSteps, ema,
          grow);
    }
  }
}
