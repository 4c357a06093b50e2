package dev.bigbatch.train;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.DistributedSampler;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.data.Prefetcher;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.schedule.LrSchedule;
import java.util.List;

/**
 * Synchronous data-parallel SGD over k workers of n examples each. In one process the k workers are
 * virtual: each step's global batch of k·n examples is processed in chunks of
 * {@code workersPerChunk} workers, BN statistics are per n-slice, and each chunk's loss is scaled by
 * chunk/(k·n) so the accumulated gradient is the mean over the global batch (Goyal remark 3).
 */
public final class Trainer {
  private final TrainConfig config;
  private final Model model;
  private final ImageDataset train;
  private final Evaluator evaluator;
  private final Normalization norm;
  private final List<TrainListener> listeners;
  private final DistributedSampler sampler;
  private final LrSchedule schedule;
  private final long totalSteps;
  private final TrainStep step;

  public Trainer(TrainConfig config, Model model, Optimizer optimizer, ImageDataset train, ImageDataset test,
      GradientSync sync, List<TrainListener> listeners) {
    this.config = config;
    this.model = model;
    this.train = train;
    this.norm = Normalization.fromData(train);
    this.evaluator = new Evaluator(test, norm);
    this.listeners = List.copyOf(listeners);
    this.sampler = new DistributedSampler(train.size(), config.workers(), config.perWorkerBatch(), config.seed());
    this.schedule = Recipe.schedule(config, sampler.stepsPerEpoch());
    this.totalSteps = Recipe.totalSteps(config, sampler.stepsPerEpoch());
    this.step = new TrainStep(model, optimizer, sync, config.perWorkerBatch(), config.workers(),
        config.workersPerChunk(), train.channels(), train.height(), train.width());
  }

  public LrSchedule schedule() {
    return schedule;
  }

  public int stepsPerEpoch() {
    return sampler.stepsPerEpoch();
  }

  /** Trains to the end and returns the last epoch's metrics. */
  public EpochMetrics run() {
    int spe = sampler.stepsPerEpoch();
    long endEpoch = (totalSteps + spe - 1) / spe;
    Augmentation aug = config.augment() ? new Augmentation(2, true) : Augmentation.NONE;
    listeners.forEach(l -> l.onStart(config, model.describe(), spe, totalSteps));
    model.context().training(true);
    model.context().bnGroupSize(config.perWorkerBatch());
    EpochMetrics last = null;
    try (Prefetcher data = new Prefetcher(train, norm, aug, config.seed(), 4, sampler.globalBatches(0, 0, endEpoch))) {
      EpochStats stats = new EpochStats();
      for (long step = 0; step < totalSteps; step++) {
        double lr = schedule.lrAt(step);
        long t0 = System.nanoTime();
        Batch batch = data.next();
        stats.dataWaitNanos += System.nanoTime() - t0;
        double loss = trainStep(batch, lr, stats);
        double seconds = (System.nanoTime() - t0) / 1e9;
        stats.add(batch.count(), seconds);
        StepMetrics sm = new StepMetrics(step, batch.epoch(), batch.stepInEpoch(), spe, loss, lr, batch.count(), seconds);
        listeners.forEach(l -> l.onStep(sm));
        if (batch.stepInEpoch() == spe - 1 || step == totalSteps - 1) {
          last = endEpoch(batch.epoch(), stats);
          stats = new EpochStats();
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

  /** One synchronous SGD step on a global batch; returns the mean loss over the batch. */
  private double trainStep(Batch batch, double lr, EpochStats stats) {
    TrainStep.Result r = step.run(batch, lr);
    if (!Double.isFinite(r.loss())) {
      throw new DivergedException(batch.epoch() * sampler.stepsPerEpoch() + batch.stepInEpoch(), r.loss(), lr);
    }
    stats.correct += r.correct();
    stats.lossSum += r.loss() * batch.count();
    return r.loss();
  }

  private EpochMetrics endEpoch(long epoch, EpochStats s) {
    Evaluator.Result test = evaluator.evaluate(model);
    EpochMetrics m = new EpochMetrics(epoch, s.lossSum / s.examples, (double) s.correct / s.examples, test.loss(),
        test.accuracy(), s.examples / s.seconds, s.dataWaitNanos / 1e9, s.seconds);
    listeners.forEach(l -> l.onEpoch(m));
    return m;
  }

  private static final class EpochStats {
    long examples;
    long correct;
    double lossSum;
    double seconds;
    long dataWaitNanos;

    void add(int count, double stepSeconds) {
      examples += count;
      seconds += stepSeconds;
    }
  }
}
