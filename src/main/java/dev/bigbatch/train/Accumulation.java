package dev.bigbatch.train;

/**
 * Gradient accumulation as virtual workers. {@code --accumulate A} with k workers of n examples means:
 * every worker runs A micro-batches of n per step, the loss is normalised per example over the whole global
 * batch k·A·n, and BN statistics are per n-slice. That is exactly k·A virtual workers of n
 * ({@link VirtualWorkers}) processed a bounded number at a time, so the mapping is: workers ← k·A (global
 * batch, LR scaling, sampler shards and checkpoint identity all follow from it) and workersPerChunk ←
 * min(workersPerChunk, k), so one forward/backward holds at most one micro-batch of each of the k workers
 * and its memory does not grow with A. Gradients accumulate in the parameters across chunks; with
 * several processes the allreduce runs once per step, overlapped with the last chunk's backward.
 */
public final class Accumulation {
  private Accumulation() {}

  /** Rewrites {@code b} in place for A micro-batches per worker and step; A = 1 leaves it unchanged. */
  public static TrainConfig.Builder apply(TrainConfig.Builder b, int microBatches) {
    if (microBatches < 1) {
      throw new IllegalArgumentException("--accumulate must be >= 1, got " + microBatches);
    }
    if (microBatches == 1) {
      return b;
    }
    int physical = b.workers;
    if ((long) physical * microBatches > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--workers " + physical + " × --accumulate " + microBatches + " is too large");
    }
    b.workers = physical * microBatches;
    b.workersPerChunk = Math.min(b.workersPerChunk, physical);
    return b;
  }
}
