package dev.bigbatch.train;

import dev.bigbatch.schedule.ScalingRule;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Everything that defines a training run, validated at construction with messages that name the
 * flag. Batch sizes carry their meaning in their names: {@code perWorkerBatch} is n, {@code workers}
 * is k, the global batch is k·n.
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
    double epochs,
    long seed,
    int threads,
    boolean augment,
    int trainLimit,
    Path out) {

  public enum DataKind { FASHION_MNIST, MNIST, CIFAR10, IMAGE_FOLDER }

  public enum OptimizerKind { SGD }

  public enum WarmupKind { NONE, CONSTANT, GRADUAL, LEGW }

  public enum DecayKind { NONE, STEP, POLY, COSINE }

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
    require(trainLimit >= 0, "--train-limit must be >= 0, got " + trainLimit);
    decayEpochs = decayEpochs.clone();
    for (double e : decayEpochs) {
      require(e > 0 && e < epochs, "--decay-epochs values must lie in (0, epochs=" + epochs + "), got " + Arrays.toString(decayEpochs));
    }
    double effectiveWarmup = warmup == WarmupKind.NONE ? 0 : warmup == WarmupKind.LEGW
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

  public int globalBatch() {
    return perWorkerBatch * workers;
  }

  @Override
  public double[] decayEpochs() {
    return decayEpochs.clone();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "model=%s width=%d n=%d k=%d kn=%d optimizer=%s lr0=%g scaling=%s warmup=%s(%g epochs) decay=%s epochs=%g seed=%d",
        model, width, perWorkerBatch, workers, globalBatch(), optimizer, baseLr, lrScaling, warmup, warmupEpochs,
        decay, epochs, seed);
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
    public double baseLr = 0.1;
    public int baseBatch = 256;
    public ScalingRule lrScaling = ScalingRule.LINEAR;
    public WarmupKind warmup = WarmupKind.GRADUAL;
    public double warmupEpochs = 0.5;
    public Double warmupStartLr = null;
    public DecayKind decay = DecayKind.COSINE;
    public double[] decayEpochs = {};
    public double decayFactor = 0.1;
    public double decayPower = 2;
    public double momentum = 0.9;
    public double weightDecay = 5e-4;
    public boolean nesterov = true;
    public boolean decayBiasAndNorm = false;
    public double epochs = 4;
    public long seed = 1;
    public int threads = 0;
    public boolean augment = true;
    public int trainLimit = 0;
    public Path out = Path.of("runs", "latest");

    public TrainConfig build() {
      return new TrainConfig(data, dataDir, model, width, zeroGamma, perWorkerBatch, workers, workersPerChunk,
          optimizer, baseLr, baseBatch, lrScaling, warmup, warmupEpochs,
          warmupStartLr == null ? baseLr : warmupStartLr, decay, decayEpochs, decayFactor, decayPower, momentum,
          weightDecay, nesterov, decayBiasAndNorm, epochs, seed, threads, augment, trainLimit, out);
    }
  }
}
