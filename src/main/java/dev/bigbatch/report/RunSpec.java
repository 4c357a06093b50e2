package dev.bigbatch.report;

import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.spec.Specs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code bigbatch train} run of an experiment: the settings a table row compares (k, n, scaling
 * rule, η0, warmup, optimizer, model) plus the budget's common settings, rendered as CLI flags by
 * {@link #trainArgs}. {@code row} names the table row; the seeds of a row are separate specs.
 */
public record RunSpec(
    String experiment,
    String row,
    String model,
    int width,
    int workers,
    int perWorkerBatch,
    int workersPerChunk,
    String optimizer,
    double baseLr,
    int baseBatch,
    ScalingRule lrScaling,
    String warmup,
    double warmupEpochs,
    String decay,
    double[] decayEpochs,
    double epochs,
    int trainLimit,
    boolean augment,
    long seed,
    List<String> extraArgs) {

  public RunSpec {
    decayEpochs = decayEpochs.clone();
    extraArgs = List.copyOf(extraArgs);
  }

  public int globalBatch() {
    return workers * perWorkerBatch;
  }

  /** The learning-rate recipe these flags give {@code train} (the flags this spec does not set at their defaults). */
  public LrSpec lr() {
    LrSpec.Builder b = new LrSpec.Builder();
    b.base = baseLr;
    b.baseBatch = baseBatch;
    b.scaling = lrScaling;
    b.warmup = Specs.parseEnum(LrSpec.Warmup.class, warmup);
    b.warmupEpochs = warmupEpochs;
    b.decay = Specs.parseEnum(LrSpec.Decay.class, decay);
    b.decayEpochs = decayEpochs;
    return b.build();
  }

  /** Peak learning rate the run will use ({@link LrSpec#peak}; LEGW always scales by sqrt). */
  public double peakLr() {
    return lr().peak(globalBatch());
  }

  /** Directory name under the experiment's directory, unique per row and seed. */
  public String id() {
    return row.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-|-$)", "") + "-s" + seed;
  }

  @Override
  public double[] decayEpochs() {
    return decayEpochs.clone();
  }

  /** The flags of {@code bigbatch train} for this run, without {@code --out}. */
  public List<String> trainArgs() {
    List<String> a = new ArrayList<>(List.of(
        "--model", model, "--width", Integer.toString(width),
        "--workers", Integer.toString(workers), "--batch-per-worker", Integer.toString(perWorkerBatch),
        "--workers-per-chunk", Integer.toString(Math.min(workersPerChunk, workers)),
        "--optimizer", optimizer, "--lr", num(baseLr), "--base-batch", Integer.toString(baseBatch),
        "--lr-scaling", lrScaling.name().toLowerCase(Locale.ROOT),
        "--warmup", warmup, "--warmup-epochs", num(warmupEpochs),
        "--decay", decay, "--epochs", num(epochs), "--seed", Long.toString(seed)));
    if (decayEpochs.length > 0) {
      StringBuilder s = new StringBuilder();
      for (double e : decayEpochs) {
        s.append(s.length() == 0 ? "" : ",").append(num(e));
      }
      a.addAll(List.of("--decay-epochs", s.toString()));
    }
    if (trainLimit > 0) {
      a.addAll(List.of("--train-limit", Integer.toString(trainLimit)));
    }
    if (!augment) {
      a.add("--no-augment");
    }
    a.addAll(extraArgs);
    return a;
  }

  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
  }

  /** A copy with some fields changed; experiments derive rows from a budget's base spec. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable copy of a spec. */
  public static final class Builder {
    public String experiment;
    public String row;
    public String model;
    public int width;
    public int workers;
    public int perWorkerBatch;
    public int workersPerChunk;
    public String optimizer;
    public double baseLr;
    public int baseBatch;
    public ScalingRule lrScaling;
    public String warmup;
    public double warmupEpochs;
    public String decay;
    public double[] decayEpochs;
    public double epochs;
    public int trainLimit;
    public boolean augment;
    public long seed;
    public List<String> extraArgs;

    public Builder() {}

    Builder(RunSpec s) {
      experiment = s.experiment;
      row = s.row;
      model = s.model;
      width = s.width;
      workers = s.workers;
      perWorkerBatch = s.perWorkerBatch;
      workersPerChunk = s.workersPerChunk;
      optimizer = s.optimizer;
      baseLr = s.baseLr;
      baseBatch = s.baseBatch;
      lrScaling = s.lrScaling;
      warmup = s.warmup;
      warmupEpochs = s.warmupEpochs;
      decay = s.decay;
      decayEpochs = s.decayEpochs;
      epochs = s.epochs;
      trainLimit = s.trainLimit;
      augment = s.augment;
      seed = s.seed;
      extraArgs = s.extraArgs;
    }

    public RunSpec build() {
      return new RunSpec(experiment, row, model, width, workers, perWorkerBatch, workersPerChunk, optimizer, baseLr,
          baseBatch, lrScaling, warmup, warmupEpochs, decay, decayEpochs, epochs, trainLimit, augment, seed, extraArgs);
    }
  }
}
