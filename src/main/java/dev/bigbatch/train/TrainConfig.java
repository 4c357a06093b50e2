package dev.bigbatch.train;

import dev.bigbatch.optim.Lars;
import dev.bigbatch.optim.Optimizers;
import dev.bigbatch.schedule.ScalingRule;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Everything that defines a training run, validated at construction with messages that name the
 * flag. Batch sizes carry their meaning in their names: {@code perWorkerBatch} is n, {@code workers}
 * is k, the global batch is k·n.
 *
 * @param warmupStartLr the warmup's rate at its first iteration (and AutoWU's η_start): --warmup-start-lr, by
 *     default ({@link Builder#build}) the base rate η0, the recipe's rate at B0. Goyal et al. 2017 §2.2: "we start
 *     from a learning rate of η and increment it by a constant amount at each iteration such that it reaches
 *     η̂ = kη after 5 epochs". See {@link Recipe} for the whole schedule.
 */
public record TrainConfig(
    DataKind data,
    Path dataDir,
    String model,
    int width,
    boolean zeroGamma,
    int perWorkerBatch,
    int workers,
    int workersPerChunk,
    OptimizerKind optimizer,
    double baseLr,
    int baseBatch,
    ScalingRule lrScaling,
    WarmupKind warmup,
    double warmupEpochs,
    double warmupStartLr,
    DecayKind decay,
    double[] decayEpochs,
    double decayFactor,
    double decayPower,
    double momentum,
    double weightDecay,
    boolean nesterov,
    boolean decayBiasAndNorm,
    double trustCoefficient,
    double beta1,
    double beta2,
    double eps,
    double epochs,
    long seed,
    int threads,
    boolean augment,
    int trainLimit,
    Path out,
    ScheduleKind schedule,
    double autoWuMaxLr,
    double autoWuMaxWarmup,
    int autoWuPatience) {

  public enum DataKind { FASHION_MNIST, MNIST, CIFAR10, IMAGE_FOLDER }

  /** Momentum SGD (Goyal), LARS (You, Gitman, Ginsburg), LAMB (You et al. 2020). */
  public enum OptimizerKind { SGD, LARS, LAMB }

  public enum WarmupKind { NONE, CONSTANT, GRADUAL, LEGW }

  public enum DecayKind { NONE, STEP, POLY, COSINE }

  /**
   * {@code RECIPE}: warmup + decay as configured (a pure function of the step). {@code AUTOWU}: Kim et al.'s
   * adaptive exponential warmup, then {@code --decay} (cosine or poly) to zero; ignores --warmup and
   * --warmup-epochs, starts at --warmup-start-lr ({@link Recipe#schedule}).
   */
  public enum ScheduleKind { RECIPE, AUTOWU }

  public TrainConfig {
    require(perWorkerBatch > 0, "--batch-per-worker must be > 0, got " + perWorkerBatch);
    require(workers > 0, "--workers must be > 0, got " + workers);
    require(workersPerChunk > 0, "--workers-per-chunk must be > 0, got " + workersPerChunk);
    require(width > 0, "--width must be > 0, got " + width);
    require(baseLr > 0 && Double.isFinite(baseLr), "--lr must be a positive number, got " + baseLr);
    require(baseBatch > 0, "--base-batch must be > 0, got " + baseBatch);
    require(warmupEpochs >= 0 && Double.isFinite(warmupEpochs), "--warmup-epochs must be >= 0, got " + warmupEpochs);
    require(warmupStartLr > 0 && Double.isFinite(warmupStartLr), "--warmup-start-lr must be > 0, got " + warmupStartLr);
    require(epochs > 0 && Double.isFinite(epochs), "--epochs must be > 0, got " + epochs);
    require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
    require(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
    require(decayFactor > 0 && decayFactor <= 1, "--decay-factor must be in (0, 1], got " + decayFactor);
    require(decayPower > 0, "--decay-power must be > 0, got " + decayPower);
    require(trustCoefficient > 0 && Double.isFinite(trustCoefficient),
        "--trust-coefficient must be a positive number, got " + trustCoefficient);
    require(beta1 >= 0 && beta1 < 1, "--beta1 must be in [0, 1), got " + beta1);
    require(beta2 >= 0 && beta2 < 1, "--beta2 must be in [0, 1), got " + beta2);
    require(eps > 0 && Double.isFinite(eps), "--eps must be a positive number, got " + eps);
    require(trainLimit >= 0, "--train-limit must be >= 0, got " + trainLimit);
    decayEpochs = decayEpochs.clone();
    for (double e : decayEpochs) {
      require(e > 0 && e < epochs, "--decay-epochs values must lie in (0, epochs=" + epochs + "), got " + Arrays.toString(decayEpochs));
    }
    require(autoWuMaxLr >= 0 && Double.isFinite(autoWuMaxLr), "--autowu-max-lr must be >= 0 (0 = auto), got " + autoWuMaxLr);
    require(autoWuMaxLr == 0 || autoWuMaxLr > warmupStartLr, "--autowu-max-lr " + autoWuMaxLr
        + " must exceed the warmup start --warmup-start-lr " + warmupStartLr);
    require(autoWuMaxWarmup > 0 && autoWuMaxWarmup <= 1, "--autowu-max-warmup must be in (0, 1], got " + autoWuMaxWarmup);
    require(autoWuPatience >= 1, "--autowu-patience must be >= 1, got " + autoWuPatience);
    require(schedule != ScheduleKind.AUTOWU || decay == DecayKind.COSINE || decay == DecayKind.POLY,
        "--schedule autowu decays to zero after its warmup: use --decay cosine or --decay poly, not --decay "
            + decay.name().toLowerCase(Locale.ROOT));
    double effectiveWarmup = schedule == ScheduleKind.AUTOWU || warmup == WarmupKind.NONE ? 0 : warmup == WarmupKind.LEGW
        ? warmupEpochs * (double) perWorkerBatch * workers / baseBatch : warmupEpochs;
    require(effectiveWarmup < epochs, String.format(Locale.ROOT,
        "warmup of %.3g epochs is not shorter than training (--epochs %.3g); shorten --warmup-epochs or train longer",
        effectiveWarmup, epochs));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** What {@link Optimizers#create} needs; the distributed trainer builds its optimizer from this too. */
  public Optimizers.Settings optimizerSettings() {
    Optimizers.Kind kind = switch (optimizer) {
      case SGD -> Optimizers.Kind.SGD;
      case LARS -> Optimizers.Kind.LARS;
      case LAMB -> Optimizers.Kind.LAMB;
    };
    return new Optimizers.Settings(kind, momentum, weightDecay, nesterov, decayBiasAndNorm, trustCoefficient,
        beta1, beta2, eps);
  }

  public int globalBatch() {
    return perWorkerBatch * workers;
  }

  @Override
  public double[] decayEpochs() {
    return decayEpochs.clone();
  }

  @Override
  public String toString() {
    String opt = switch (optimizer) {
      case SGD -> String.format(Locale.ROOT, "(m=%g nesterov=%b)", momentum, nesterov);
      case LARS -> String.format(Locale.ROOT, "(m=%g trust=%g)", momentum, trustCoefficient);
      case LAMB -> String.format(Locale.ROOT, "(beta1=%g beta2=%g eps=%g)", beta1, beta2, eps);
    };
    return String.format(Locale.ROOT,
        "model=%s width=%d n=%d k=%d kn=%d optimizer=%s%s wd=%g lr0=%g scaling=%s warmup=%s decay=%s epochs=%g seed=%d",
        model, width, perWorkerBatch, workers, globalBatch(), optimizer, opt, weightDecay, baseLr, lrScaling,
        schedule == ScheduleKind.AUTOWU ? String.format(Locale.ROOT, "AUTOWU(start %g, max %s, <= %g of steps, patience %d)",
            warmupStartLr, autoWuMaxLr == 0 ? "auto" : String.format(Locale.ROOT, "%g", autoWuMaxLr), autoWuMaxWarmup,
            autoWuPatience)
            : warmup == WarmupKind.NONE ? String.format(Locale.ROOT, "%s(%g epochs)", warmup, warmupEpochs)
            : String.format(Locale.ROOT, "%s(%g epochs from %g)", warmup, warmupEpochs, warmupStartLr), decay, epochs, seed);
  }

  /** Defaults of {@code bigbatch train}; override with {@link Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Mutable builder with the CLI defaults; {@link #build()} validates. */
  public static final class Builder {
    public DataKind data = DataKind.FASHION_MNIST;
    public Path dataDir = null;
    public String model = "resnet8";
    public int width = 16;
    public boolean zeroGamma = true;
    public int perWorkerBatch = 32;
    public int workers = 8;
    public int workersPerChunk = 8;
    public OptimizerKind optimizer = OptimizerKind.SGD;
    public double baseLr = 0.4;
    public int baseBatch = 256;
    public ScalingRule lrScaling = ScalingRule.LINEAR;
    public WarmupKind warmup = WarmupKind.GRADUAL;
    public double warmupEpochs = 0.5;
    /** null: the base rate {@link #baseLr} (Goyal's η). */
    public Double warmupStartLr = null;
    public DecayKind decay = DecayKind.COSINE;
    public double[] decayEpochs = {};
    public double decayFactor = 0.1;
    public double decayPower = 2;
    public double momentum = 0.9;
    public double weightDecay = 5e-4;
    public boolean nesterov = true;
    public boolean decayBiasAndNorm = false;
    public double trustCoefficient = Lars.Options.DEFAULT_TRUST_COEFFICIENT;
    public double beta1 = 0.9;
    public double beta2 = 0.999;
    public double eps = 1e-6;
    public double epochs = 5;
    public long seed = 1;
    public int threads = 0;
    public boolean augment = true;
    public int trainLimit = 0;
    public Path out = Path.of("runs", "latest");
    public ScheduleKind schedule = ScheduleKind.RECIPE;
    public double autoWuMaxLr = 0;
    public double autoWuMaxWarmup = 0.5;
    public int autoWuPatience = 3;

    public TrainConfig build() {
      return new TrainConfig(data, dataDir, model, width, zeroGamma, perWorkerBatch, workers, workersPerChunk,
          optimizer, baseLr, baseBatch, lrScaling, warmup, warmupEpochs,
          warmupStartLr == null ? baseLr : warmupStartLr, decay, decayEpochs, decayFactor, decayPower, momentum,
          weightDecay, nesterov, decayBiasAndNorm, trustCoefficient, beta1, beta2, eps, epochs, seed, threads, augment, trainLimit, out,
          schedule, autoWuMaxLr, autoWuMaxWarmup, autoWuPatience);
    }
  }
}
