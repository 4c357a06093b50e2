package dev.bigbatch.model;

/**
 * Mutable per-model switches read by layers during forward: training vs evaluation and the number of
 * examples per batch-norm statistics group (the per-worker batch n).
 */
public final class ForwardContext {
  private boolean training = true;
  private int bnGroupSize;
  private boolean trackStatistics = true;
  private final java.util.List<GhostBatchNorm> norms = new java.util.ArrayList<>();

  void register(GhostBatchNorm bn) {
    norms.add(bn);
  }

  /**
   * Ends a training step for the running statistics: every BN layer sets its running mean/variance
   * to the average over all n-slices seen since the last commit of the per-slice updates
   * (1 − m)·running + m·slice statistic. Call once per optimizer step, after all chunks.
   */
  public void commitStatistics() {
    for (GhostBatchNorm bn : norms) {
      bn.commitStatistics();
    }
  }

  public boolean training() {
    return training;
  }

  public void training(boolean training) {
    this.training = training;
  }

  /**
   * Whether training-mode forwards feed BN running statistics (default true). Off for forwards whose
   * batch statistics must not reach the inference statistics: the adversarial half of a ConAdv step and
   * the stale copy that computes adversarial examples ({@code dev.bigbatch.train.ConAdv}). Normalisation
   * itself still uses each n-slice's own batch statistics.
   */
  public boolean trackStatistics() {
    return trackStatistics;
  }

  public void trackStatistics(boolean track) {
    this.trackStatistics = track;
  }

  /** Examples per BN statistics group; 0 means the whole batch is one group. */
  public int bnGroupSize() {
    return bnGroupSize;
  }

  public void bnGroupSize(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("BN group size must be >= 0, got " + n);
    }
    this.bnGroupSize = n;
  }
}
