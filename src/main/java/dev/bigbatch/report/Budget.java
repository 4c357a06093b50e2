package dev.bigbatch.report;

import java.util.Locale;

/**
 * How much compute an experiment may spend: the model, epochs, warmup and seeds every row shares.
 * Goyal's schedule (90 epochs, ÷10 at 30/60/80, 5 warmup epochs) is kept in proportion: decays at
 * 1/3, 2/3 and 8/9 of the epochs. {@code lastEpochs}: a run's error is the median of its last
 * that many epochs' test errors (5 in Goyal).
 */
public record Budget(String name, String model, int width, int trainLimit, double epochs, double warmupEpochs,
    int seeds, int lastEpochs, int workersPerChunk, boolean augment) {

  /**
   * About 10 minutes per experiment on a shared 2-core machine: an MLP (784-128-64-10, no BN; a
   * ResNet-8 manages ~150 examples/s there, too slow for more than a handful of steps at kn = 8k),
   * the full training set, 5 epochs with 1 epoch of warmup, one seed, error of the last epoch.
   */
  public static final Budget QUICK = new Budget("quick", "mlp", 4, 0, 5, 1, 1, 1, 64, false);

  /** Goyal's schedule at 1/5 length on a ResNet-8 with per-worker BN: 18 epochs, 1 warmup epoch, 3 seeds. */
  public static final Budget FULL = new Budget("full", "resnet8", 16, 0, 18, 1, 3, 5, 16, true);

  public Budget {
    if (epochs <= warmupEpochs || seeds < 1 || lastEpochs < 1) {
      throw new IllegalArgumentException("budget needs epochs > warmup, seeds >= 1, lastEpochs >= 1");
    }
  }

  public static Budget parse(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "quick" -> QUICK;
      case "full" -> FULL;
      default -> throw new IllegalArgumentException("--budget: unknown value '" + name + "'; expected quick or full");
    };
  }

  /** Goyal's step decay epochs (30/60/80 of 90) scaled to this budget's length. */
  public double[] decayEpochs() {
    return new double[] {epochs / 3, epochs * 2 / 3, epochs * 8 / 9};
  }

  public Budget withModel(String model, int width) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, lastEpochs, workersPerChunk, augment);
  }

  public Budget withEpochs(double epochs, double warmupEpochs) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, Math.min(lastEpochs, (int) Math.ceil(epochs)),
        workersPerChunk, augment);
  }

  public Budget withSeeds(int seeds) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, lastEpochs, workersPerChunk, augment);
  }

  public Budget withTrainLimit(int trainLimit) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, lastEpochs, workersPerChunk, augment);
  }
}
