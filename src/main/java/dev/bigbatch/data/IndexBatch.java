package dev.bigbatch.data;

import java.util.Objects;

/**
 * Which examples make up one batch, and where it sits in training: the plan a {@link BatchDecoder} or
 * {@link Prefetcher} turns into a {@link Batch}. The epoch keys the augmentation; {@code stepInEpoch} is
 * carried through for the consumer. The array is not copied: do not modify it after handing it over.
 */
public record IndexBatch(long epoch, int stepInEpoch, int[] indices) {
  public IndexBatch {
    Objects.requireNonNull(indices, "indices");
    if (epoch < 0 || stepInEpoch < 0) {
      throw new IllegalArgumentException("epoch and stepInEpoch must be >= 0, got " + epoch + ", "
          + stepInEpoch);
    }
    if (indices.length == 0) {
      throw new IllegalArgumentException("an index batch needs at least one example");
    }
  }

  public int count() {
    return indices.length;
  }

  @Override
  public String toString() {
    return "IndexBatch[epoch=" + epoch + ", step=" + stepInEpoch + ", count=" + indices.length + "]";
  }
}
