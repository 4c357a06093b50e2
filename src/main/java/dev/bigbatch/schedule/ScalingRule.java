package dev.bigbatch.schedule;

/**
 * How the learning rate grows with the global batch kn relative to a base batch B0 (Goyal Table 2a).
 * {@code LINEAR}: η = η0·kn/B0 (Goyal); {@code SQRT}: η = η0·sqrt(kn/B0) (Krizhevsky, LEGW);
 * {@code NONE}: η = η0.
 */
public enum ScalingRule {
  LINEAR,
  SQRT,
  NONE;

  public double scale(double baseLr, long globalBatch, long baseBatch) {
    if (globalBatch <= 0 || baseBatch <= 0) {
      throw new IllegalArgumentException("batch sizes must be positive: global=" + globalBatch + " base=" + baseBatch);
    }
    double ratio = (double) globalBatch / baseBatch;
    return switch (this) {
      case LINEAR -> baseLr * ratio;
      case SQRT -> baseLr * Math.sqrt(ratio);
      case NONE -> baseLr;
    };
  }
}
