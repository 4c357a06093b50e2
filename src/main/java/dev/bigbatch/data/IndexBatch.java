package dev.bigbatch.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
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

  /**
   * Evaluation order: every example of a dataset of {@code datasetSize} exactly once, in index order, in
   * batches of {@code batchSize} (the last one may be smaller); epoch 0, step = batch number. Nothing is
   * dropped, unlike training. Use with {@link Augmentation#NONE}.
   */
  public static Iterator<IndexBatch> sequential(int datasetSize, int batchSize) {
    return sequential(datasetSize, batchSize, 0, 1);
  }

  /**
   * Worker {@code worker}'s part of distributed evaluation: the contiguous range
   * [worker*N/k, (worker+1)*N/k) of the dataset, in index order, in batches of at most {@code batchSize}.
   * The k ranges are disjoint and cover every example once, so summing correct counts over workers (and
   * dividing by N) gives the exact accuracy. A worker whose range is empty gets no batches.
   */
  public static Iterator<IndexBatch> sequential(int datasetSize, int batchSize, int worker, int workers) {
    if (datasetSize < 0 || batchSize <= 0 || workers <= 0 || worker < 0 || worker >= workers) {
      throw new IllegalArgumentException("need datasetSize >= 0, batchSize > 0 and 0 <= worker < workers,"
          + " got " + datasetSize + ", " + batchSize + ", " + worker + ", " + workers);
    }
    int from = (int) ((long) worker * datasetSize / workers);
    int to = (int) ((long) (worker + 1) * datasetSize / workers);
    return new Iterator<>() {
      private int next = from;
      private int step;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public IndexBatch next() {
        if (!hasNext()) {
          throw new NoSuchElementException("evaluation range [" + from + ", " + to + ") is exhausted");
        }
        int count = Math.min(batchSize, to - next);
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
          indices[i] = next + i;
        }
        next += count;
        return new IndexBatch(0, step++, indices);
      }
    };
  }

  public int count() {
    return indices.length;
  }

  @Override
  public String toString() {
    return "IndexBatch[epoch=" + epoch + ", step=" + stepInEpoch + ", count=" + indices.length + "]";
  }
}
