package dev.bigbatch.train;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.DistributedSampler;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.data.Prefetcher;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.schedule.AdaptiveSchedule;
import dev.bigbatch.schedule.LrSchedule;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Synchronous data-parallel SGD over k workers of n examples each, spread over the processes of
 * {@link Replicas} (each holds k/P workers; one process holds all k as virtual workers). Per step:
 * learning rate for this step, forward/backward of the local workers ({@link VirtualWorkers}, loss
 * normalised by k·n), gradient sum over replicas, optimizer step. BN statistics are per n-slice;
 * running statistics are averaged over replicas before evaluation and checkpoints.
 */
public final class Trainer {
  /** How often (steps) replicas compare parameter checksums. */
  public static final int CHECK_EVERY_STEPS = 50;

  private final TrainConfig config;
  private final Model model;
  private final Optimizer optimizer;
  private final ImageDataset train;
  private final Evaluator evaluator;
  private final Normalization norm;
  private final Replicas replicas;
  private final List<TrainListener> listeners;
  private final DistributedSampler sampler;
  private final LrSchedule schedule;
  private final long totalSteps;
  private final int localWorkers;
  private Checkpoints.Policy checkpoints = Checkpoints.Policy.NONE;
  private long startStep;
  private long stopAfter = Long.MAX_VALUE;
  private GradientObserver gradientObserver;
  private ConAdv conAdv; // null: the plain clean-only step
  private Map<String, float[]> resumedStale = Map.of(); // ConAdv's stale copy from the resumed checkpoint

  public Trainer(TrainConfig config, Model model, Optimizer optimizer, ImageDataset train, ImageDataset test,
      Replicas replicas, List<TrainListener> listeners) {
    if (config.workers() % replicas.size() != 0) {
      throw new IllegalArgumentException("--workers " + config.workers() + " is not a multiple of the "
          + replicas.size() + " processes");
    }
    this.config = config;
    this.model = model;
    this.optimizer = optimizer;
    this.train = train;
    this.norm = Normalization.fromData(train);
    this.evaluator = new Evaluator(test, norm);
    this.replicas = replicas;
    this.listeners = List.copyOf(listeners);
    this.localWorkers = config.workers() / replicas.size();
    this.sampler = new DistributedSampler(train.size(), config.workers(), config.perWorkerBatch(), config.seed());
    this.schedule = Recipe.schedule(config, sampler.stepsPerEpoch());
    this.totalSteps = Recipe.totalSteps(config, sampler.stepsPerEpoch());
  }

  public LrSchedule schedule() {
    return schedule;
  }

  public int stepsPerEpoch() {
    return sampler.stepsPerEpoch();
  }

  public long totalSteps() {
    return totalSteps;
  }

  /** Saves checkpoints as the policy says, through {@link Replicas#saveCheckpoint} (synchronous: rank 0 writes). */
  public Trainer checkpoints(Checkpoints.Policy policy) {
    this.checkpoints = policy;
    return this;
  }

  /** Stops (as if preempted) once {@code steps} steps are done; for tests and preemption drills. */
  public Trainer stopAfter(long steps) {
    this.stopAfter = steps;
    return this;
  }

  /** Shows every step's global-mean gradients to {@code observer} before the update (diagnostics). */
  public Trainer gradientObserver(GradientObserver observer) {
    this.gradientObserver = observer;
    return this;
  }

  /**
   * Trains on clean plus adversarial examples from one-step-stale parameters ({@link ConAdv}); the caller
   * owns and closes {@code adversarial}. Without this call the step is exactly the clean-only one.
   */
  public Trainer conAdv(ConAdv adversarial) {
    this.conAdv = adversarial;
    return this;
  }

  /** Continues from a checkpoint instead of rank 0's initial parameters. */
  public Trainer resumeFrom(Checkpoints.State state) {
    state.applyTo(config, model, optimizer);
    if (schedule instanceof AdaptiveSchedule adaptive) {
      if (state.scheduleState().length == 0) {
        throw new IllegalArgumentException("checkpoint has no adaptive schedule state: it was not written by a "
            + "--schedule autowu run; resume with the schedule it was written with");
      }
      adaptive.restore(state.scheduleState());
    } else if (state.scheduleState().length > 0) {
      throw new IllegalArgumentException("checkpoint was written by a --schedule autowu run; resume it with --schedule autowu");
    }
    this.startStep = state.nextStep();
    this.resumedStale = state.tensorsWithPrefix(ConAdv.CHECKPOINT_PREFIX);
    return this;
  }

  /** Trains to the end and returns the last epoch's metrics. */
  public EpochMetrics run() {
    if (!resumedStale.isEmpty() && conAdv == null) {
      throw new IllegalArgumentException("checkpoint was written by a --conadv run; resume it with --conadv");
    }
    if (conAdv != null && startStep != 0) {
      if (resumedStale.isEmpty()) {
        throw new IllegalArgumentException("--conadv: the checkpoint holds no ConAdv stale parameters (written "
            + "without --conadv), so the first resumed step could not match the uninterrupted run");
      }
      conAdv.restoreStale(resumedStale);
    }
    int spe = sampler.stepsPerEpoch();
    long endEpoch = (totalSteps + spe - 1) / spe;
    Augmentation aug = config.augment() ? new Augmentation(2, true) : Augmentation.NONE;
    listeners.forEach(l -> l.onStart(config, model.describe(), spe, totalSteps));
    if (startStep == 0) {
      replicas.broadcastFromRankZero(model);
    }
    GradientSync sync = replicas.gradientSync(model);
    model.context().training(true);
    EpochMetrics last = null;
    Iterator<IndexBatch> plan = localPart(sampler.globalBatches(startStep / spe, (int) (startStep % spe), endEpoch));
    try (Prefetcher data = new Prefetcher(train, norm, aug, config.seed(), 4, plan)) {
      EpochStats stats = new EpochStats();
      long end = Math.min(totalSteps, stopAfter);
      for (long step = startStep; step < end; step++) {
        double lr = schedule.lrAt(step);
        long t0 = System.nanoTime();
        Batch batch = conAdv == null ? data.next() : conAdv.next(data, step + 1 < end);
        long dataNanos = System.nanoTime() - t0;
        stats.dataWaitNanos += dataNanos;
        StepTimes times = new StepTimes();
        double loss = trainStep(batch, step, lr, sync, stats, times);
        data.recycle(batch); // its floats were copied into a tensor; the buffer can take a later batch
        double seconds = (System.nanoTime() - t0) / 1e9;
        stats.add((long) batch.count() * replicas.size(), seconds);
        StepMetrics sm = new StepMetrics(step, batch.epoch(), batch.stepInEpoch(), spe, loss, lr,
            (long) config.globalBatch(), seconds, dataNanos / 1e9, times.computeNanos / 1e9, times.commNanos / 1e9);
        listeners.forEach(l -> l.onStep(sm));
        if (schedule instanceof AdaptiveSchedule adaptive) { // the global-mean loss: same decision on every replica
          adaptive.observe(step, loss).ifPresent(s -> listeners.forEach(l -> l.onScheduleSwitch(s)));
        }
        boolean epochEnd = batch.stepInEpoch() == spe - 1 || step == totalSteps - 1;
        if ((step + 1) % CHECK_EVERY_STEPS == 0 || step == totalSteps - 1) {
          replicas.checkIdentical(model, step);
        }
        if (epochEnd) {
          last = endEpoch(batch.epoch(), stats);
          stats = new EpochStats();
        }
        if (checkpoints.due(step + 1, epochEnd, totalSteps)) {
          long nextStep = step + 1;
          replicas.saveCheckpoint(checkpoints.path(), model, epochEnd, () -> checkpointState(nextStep));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for data", e);
    } catch (RuntimeException e) {
      EpochMetrics lastSeen = last;
      listeners.forEach(l -> l.onEnd(lastSeen, e));
      throw e;
    }
    EpochMetrics result = last;
    listeners.forEach(l -> l.onEnd(result, null));
    return result;
  }

  /** Everything a resume at {@code nextStep} needs from this replica. */
  private Checkpoints.State checkpointState(long nextStep) {
    Checkpoints.State state = Checkpoints.State.capture(config, model, optimizer, nextStep);
    if (conAdv != null) {
      state = state.withTensors(conAdv.staleState());
    }
    return schedule instanceof AdaptiveSchedule adaptive ? state.withScheduleState(adaptive.state()) : state;
  }

  /** Restricts the global plan to this replica's workers: a contiguous slice of each global batch. */
  private Iterator<IndexBatch> localPart(Iterator<IndexBatch> global) {
    int slice = localWorkers * config.perWorkerBatch();
    int from = replicas.rank() * slice;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return global.hasNext();
      }

      @Override
      public IndexBatch next() {
        IndexBatch b = global.next();
        return new IndexBatch(b.epoch(), b.stepInEpoch(), Arrays.copyOfRange(b.indices(), from, from + slice));
      }
    };
  }

  /** One synchronous SGD step; returns the mean loss over the global batch. */
  private double trainStep(Batch batch, long step, double lr, GradientSync sync, EpochStats stats, StepTimes times) {
    int n = config.perWorkerBatch();
    try (PointerScope scope = Memory.scope()) {
      Optimizer.zeroGrad(optimizer.params());
      Tensor images = Tensors.fromFloats(batch.images(), batch.count(), train.channels(), train.height(), train.width());
      Tensor labels = Tensors.fromLongs(batch.labels());
      long t0 = System.nanoTime();
      VirtualWorkers.Result r = conAdv == null
          ? VirtualWorkers.forwardBackward(model, images, labels, n, localWorkers, config.workersPerChunk(),
              config.workers(), sync)
          : conAdv.forwardBackward(images, labels, localWorkers, config.workers(), sync);
      long t1 = System.nanoTime();
      sync.synchronize(optimizer.params());
      double[] lossAndCorrect = {r.loss(), r.correct()};
      replicas.sum(lossAndCorrect);
      double loss = lossAndCorrect[0];
      times.computeNanos = t1 - t0;
      times.commNanos = System.nanoTime() - t1;
      if (gradientObserver != null) {
        gradientObserver.afterBackward(step, model, images, labels);
      }
      if (!Double.isFinite(loss)) {
        throw new DivergedException(step, loss, lr);
      }
      optimizer.step(lr);
      stats.correct += (long) lossAndCorrect[1];
      stats.lossSum += loss * config.globalBatch();
      return loss;
    }
  }

  private EpochMetrics endEpoch(long epoch, EpochStats s) {
    replicas.averageBuffers(model);
    double[] sums = replicas.atConsensus(model, epoch, () -> evaluator.partialSums(model, replicas.rank(), replicas.size()));
    replicas.sum(sums);
    EpochMetrics m = new EpochMetrics(epoch, s.lossSum / s.examples, (double) s.correct / s.examples,
        sums[0] / sums[2], sums[1] / sums[2], s.examples / s.seconds, s.dataWaitNanos / 1e9, s.seconds);
    listeners.forEach(l -> l.onEpoch(m));
    return m;
  }

  private static final class StepTimes {
    long computeNanos;
    long commNanos;
  }

  private static final class EpochStats {
    long examples;
    long correct;
    double lossSum;
    double seconds;
    long dataWaitNanos;

    void add(long count, double stepSeconds) {
      examples += count;
      seconds += stepSeconds;
    }
  }
}
