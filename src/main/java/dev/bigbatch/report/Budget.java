package dev.bigbatch.report;

import java.util.Locale;

/**
 * How much compute an experiment may spend: the model, epochs, warmup and seeds every row shares.
 * Goyal's schedule (90 epochs, ÷10 at 30/60/80, 5 warmup epochs) is kept in proportion: decays at
 * 1/3, 2/3 and 8/9 of the epochs. {@code lastEpochs}: a run's error is the median of its last
 * that many epochs' test errors (5 in Goyal). {@code seeds} runs per row, {@code closeRowSeeds} for the
 * rows a pre-stated criterion compares within a fraction of a point (see {@link Experiments}).
 */
public record Budget(String name, String model, int width, int trainLimit, double epochs, double warmupEpochs,
    int seeds, int closeRowSeeds, int lastEpochs, int workersPerChunk, boolean augment) {

  /**
   * About 10 minutes per experiment on a shared 2-core machine: an MLP (784-128-64-10, no BN; a
   * ResNet-8 manages ~150 examples/s there, too slow for more than a handful of steps at kn = 8k),
   * the full training set, 5 epochs with 1 epoch of warmup, one seed, error of the last epoch.
   */
  public static final Budget QUICK = new Budget("quick", "mlp", 4, 0, 5, 1, 1, 1, 1, 64, false);

  /**
   * Issue 16's regime: Goyal's schedule at 1/5 length (18 epochs, ÷10 at 6/12/16, 1 warmup epoch) on a ResNet-8
   * w16 with per-worker BN (n = 32, γ = 0) and augmentation, error = median of the last 5 epochs; 2 seeds a row,
   * 3 for the rows the criteria compare closely.
   */
  public static final Budget FULL = new Budget("full", "resnet8", 16, 0, 18, 1, 2, 3, 5, 16, true);

  public Budget {
    if (epochs <= warmupEpochs || seeds < 1 || closeRowSeeds < 1 || lastEpochs < 1) {
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

  public boolean quick() {
    return this.name.equals("quick");
  }

  /** Goyal's step decay epochs (30/60/80 of 90) scaled to this budget's length. */
  public double[] decayEpochs() {
    return new double[] {epochs / 3, epochs * 2 / 3, epochs * 8 / 9};
  }

  public Budget withModel(String model, int width) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, closeRowSeeds, lastEpochs,
        workersPerChunk, augment);
  }

  public Budget withEpochs(double epochs, double warmupEpochs) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, closeRowSeeds,
        Math.min(lastEpochs, (int) Math.ceil(epochs)), workersPerChunk, augment);
  }

  /** The same number of seeds for every row (--seeds). */
  public Budget withSeeds(int seeds) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, seeds, lastEpochs, workersPerChunk,
        augment);
  }

  public Budget withTrainLimit(int trainLimit) {
    return new Budget(name, model, width, trainLimit, epochs, warmupEpochs, seeds, closeRowSeeds, lastEpochs,
        workersPerChunk, augment);
  }
}
