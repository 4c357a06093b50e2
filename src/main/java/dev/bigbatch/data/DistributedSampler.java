package dev.bigbatch.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The order in which k workers visit a dataset, identical on every worker without communication.
 *
 * <p>Each epoch e the whole dataset is shuffled with a generator seeded from (seed, e) (the same on all
 * workers; a different epoch gives a different order — forgetting the epoch is the classic bug). The
 * permutation is cut into {@link #stepsPerEpoch()} = floor(N / kn) global batches of kn consecutive entries;
 * the last partial global batch is dropped, so every step has exactly kn examples and every example is seen
 * at most once per epoch. Global batch s is split into k contiguous shards: worker w gets entries
 * [w*n, (w+1)*n). Thread-safe.
 */
public final class DistributedSampler {
  private final int datasetSize;
  private final int workers;
  private final int perWorkerBatch;
  private final long seed;
  private final int stepsPerEpoch;
  private volatile EpochOrder cached; // the last epoch's permutation; immutable once published

  private record EpochOrder(long epoch, int[] permutation) {}

  public DistributedSampler(int datasetSize, int workers, int perWorkerBatch, long seed) {
    if (datasetSize <= 0 || workers <= 0 || perWorkerBatch <= 0) {
      throw new IllegalArgumentException("datasetSize, workers and perWorkerBatch must be positive, got "
          + datasetSize + ", " + workers + ", " + perWorkerBatch);
    }
    long global = (long) workers * perWorkerBatch;
    if (global > datasetSize) {
      throw new IllegalArgumentException("global batch " + workers + " workers x " + perWorkerBatch
          + " = " + global + " exceeds the dataset size " + datasetSize
          + ", so an epoch has no full step; use fewer workers or a smaller per-worker batch");
    }
    this.datasetSize = datasetSize;
    this.workers = workers;
    this.perWorkerBatch = perWorkerBatch;
    this.seed = seed;
    this.stepsPerEpoch = (int) (datasetSize / global);
  }

  public int datasetSize() {
    return datasetSize;
  }

  public int workers() {
    return workers;
  }

  public int perWorkerBatch() {
    return perWorkerBatch;
  }

  /** kn, the number of examples in one step over all workers. */
  public int globalBatchSize() {
    return workers * perWorkerBatch;
  }

  public long seed() {
    return seed;
  }

  /** floor(datasetSize / kn); at least 1 (checked at construction). */
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** Examples dropped at the end of every epoch: datasetSize - stepsPerEpoch*kn. */
  public int droppedPerEpoch() {
    return datasetSize - stepsPerEpoch * globalBatchSize();
  }

  /** The full shuffled order of {@code epoch} (a copy). */
  public int[] permutation(long epoch) {
    return order(epoch).clone();
  }

  /** The kn example indices of step {@code stepInEpoch}; worker w's shard is entries [w*n, (w+1)*n). */
  public int[] globalBatch(long epoch, int stepInEpoch) {
    checkStep(stepInEpoch);
    int from = stepInEpoch * globalBatchSize();
    return Arrays.copyOfRange(order(epoch), from, from + globalBatchSize());
  }

  /** The n example indices worker {@code worker} trains on at this step. */
  public int[] shard(long epoch, int stepInEpoch, int worker) {
    checkStep(stepInEpoch);
    checkWorker(worker);
    int from = stepInEpoch * globalBatchSize() + worker * perWorkerBatch;
    return Arrays.copyOfRange(order(epoch), from, from + perWorkerBatch);
  }

  /**
   * Worker {@code worker}'s shards from (startEpoch, startStep) up to the end of epoch endEpochExclusive - 1,
   * in training order; resume by starting at the saved position.
   */
  public Iterator<IndexBatch> shards(int worker, long startEpoch, int startStep, long endEpochExclusive) {
    checkWorker(worker);
    return new Positions(startEpoch, startStep, endEpochExclusive) {
      @Override
      IndexBatch at(long epoch, int step) {
        return new IndexBatch(epoch, step, shard(epoch, step, worker));
      }
    };
  }

  /**
   * Whole global batches (kn examples) from (startEpoch, startStep) to the end of epoch endEpochExclusive - 1:
   * for a single process that simulates k workers by slicing each batch into k parts of n.
   */
  public Iterator<IndexBatch> globalBatches(long startEpoch, int startStep, long endEpochExclusive) {
    return new Positions(startEpoch, startStep, endEpochExclusive) {
      @Override
      IndexBatch at(long epoch, int step) {
        return new IndexBatch(epoch, step, globalBatch(epoch, step));
      }
    };
  }

  private abstract class Positions implements Iterator<IndexBatch> {
    private long epoch;
    private int step;
    private final long endEpoch;

    Positions(long startEpoch, int startStep, long endEpochExclusive) {
      if (startEpoch < 0) {
        throw new IllegalArgumentException("startEpoch must be >= 0, got " + startEpoch);
      }
      checkStep(startStep);
      this.epoch = startEpoch;
      this.step = startStep;
      this.endEpoch = endEpochExclusive;
    }

    abstract IndexBatch at(long epoch, int step);

    @Override
    public boolean hasNext() {
      return epoch < endEpoch;
    }

    @Override
    public IndexBatch next() {
      if (!hasNext()) {
        throw new NoSuchElementException("past the end of epoch " + (endEpoch - 1));
      }
      IndexBatch b = at(epoch, step);
      if (++step == stepsPerEpoch) {
        step = 0;
        epoch++;
      }
      return b;
    }
  }

  private void checkWorker(int worker) {
    if (worker < 0 || worker >= workers) {
      throw new IllegalArgumentException("worker " + worker + " outside [0, " + workers + ")");
    }
  }

  private void checkStep(int stepInEpoch) {
    if (stepInEpoch < 0 || stepInEpoch >= stepsPerEpoch) {
      throw new IllegalArgumentException("step " + stepInEpoch + " outside [0, " + stepsPerEpoch + ")");
    }
  }

  private int[] order(long epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    EpochOrder c = cached;
    if (c == null || c.epoch != epoch) {
      c = new EpochOrder(epoch, shuffle(datasetSize, seed, epoch));
      cached = c;
    }
    return c.permutation;
  }

  /** Fisher–Yates over 0..size-1 with a generator seeded from (seed, epoch). */
  static int[] shuffle(int size, long seed, long epoch) {
    SplittableRandom rng = new SplittableRandom(Augmentation.mix64(Augmentation.mix64(seed) + epoch));
    int[] p = new int[size];
    for (int i = 0; i < size; i++) {
      p[i] = i;
    }
    for (int i = size - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
