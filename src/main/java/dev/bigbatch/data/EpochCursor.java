package dev.bigbatch.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A sampler addressed by example position instead of step number, so the global batch may change
 * between steps without skipping or repeating an example within an epoch.
 *
 * <p>Epoch e visits the same permutation as {@link DistributedSampler} (Fisher–Yates seeded from
 * (seed, e)). A {@link Position} is (epoch, offset, stepInEpoch): the next step of kn examples takes
 * permutation entries [offset, offset + kn); if fewer than kn entries are left, the rest of the epoch
 * is dropped (fewer than kn examples, as DistributedSampler drops its last partial batch) and the step
 * starts the next epoch at offset 0. With a constant kn this yields exactly
 * {@link DistributedSampler#globalBatches}. All methods are pure functions of their arguments.
 */
public final class EpochCursor {
  /**
   * Where the next step starts: {@code offset} examples of epoch {@code epoch}'s permutation are
   * consumed, in {@code stepInEpoch} steps.
   */
  public record Position(long epoch, int offset, int stepInEpoch) {
    public static final Position START = new Position(0, 0, 0);

    public Position {
      if (epoch < 0 || offset < 0 || stepInEpoch < 0) {
        throw new IllegalArgumentException("position fields must be >= 0, got epoch=" + epoch + " offset=" + offset
            + " stepInEpoch=" + stepInEpoch);
      }
    }
  }

  private final int datasetSize;
  private final long seed;
  private volatile Order cached; // the last epoch's permutation; immutable once published

  private record Order(long epoch, int[] permutation) {}

  public EpochCursor(int datasetSize, long seed) {
    if (datasetSize <= 0) {
      throw new IllegalArgumentException("dataset size must be positive, got " + datasetSize);
    }
    this.datasetSize = datasetSize;
    this.seed = seed;
  }

  public int datasetSize() {
    return datasetSize;
  }

  /** Where a step of {@code globalBatch} examples from {@code p} really starts (the next epoch if it does not fit). */
  public Position start(Position p, int globalBatch) {
    checkBatch(globalBatch);
    return (long) p.offset() + globalBatch > datasetSize ? new Position(p.epoch() + 1, 0, 0) : p;
  }

  /** The position after one step of {@code globalBatch} examples from {@code p}. */
  public Position after(Position p, int globalBatch) {
    Position s = start(p, globalBatch);
    return new Position(s.epoch(), s.offset() + globalBatch, s.stepInEpoch() + 1);
  }

  /** True when the next step of {@code globalBatch} examples from {@code p} begins a new epoch. */
  public boolean epochEndsBefore(Position p, int globalBatch) {
    return p.offset() > 0 && start(p, globalBatch).epoch() != p.epoch();
  }

  /** Training progress of position {@code p} in epochs: epoch + offset / datasetSize. */
  public double progressEpochs(Position p) {
    return p.epoch() + (double) p.offset() / datasetSize;
  }

  /** The example indices of the step of {@code globalBatch} examples from {@code p} (worker w: [w·n, (w+1)·n)). */
  public IndexBatch batch(Position p, int globalBatch) {
    Position s = start(p, globalBatch);
    int[] order = order(s.epoch());
    return new IndexBatch(s.epoch(), s.stepInEpoch(), Arrays.copyOfRange(order, s.offset(), s.offset() + globalBatch));
  }

  /**
   * Steps of {@code globalBatch} examples from {@code from} while their start position's progress is
   * below {@code endProgressEpochs}: the plan of a stretch of training at one batch size.
   */
  public Iterator<IndexBatch> plan(Position from, int globalBatch, double endProgressEpochs) {
    checkBatch(globalBatch);
    return new Iterator<>() {
      private Position next = from;

      @Override
      public boolean hasNext() {
        return progressEpochs(start(next, globalBatch)) < endProgressEpochs;
      }

      @Override
      public IndexBatch next() {
        if (!hasNext()) {
          throw new NoSuchElementException("training ends at " + endProgressEpochs + " epochs");
        }
        IndexBatch b = batch(next, globalBatch);
        next = after(next, globalBatch);
        return b;
      }
    };
  }

  private void checkBatch(int globalBatch) {
    if (globalBatch <= 0 || globalBatch > datasetSize) {
      throw new IllegalArgumentException("global batch " + globalBatch + " outside [1, dataset size " + datasetSize + "]");
    }
  }

  private int[] order(long epoch) {
    Order c = cached;
    if (c == null || c.epoch != epoch) {
      c = new Order(epoch, DistributedSampler.shuffle(datasetSize, seed, epoch));
      cached = c;
    }
    return c.permutation;
  }
}
