package dev.bigbatch.autopilot;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.EpochCursor;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.data.Prefetcher;
import dev.bigbatch.diag.NoiseScaleProbe;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.schedule.ProgressSchedule;
import dev.bigbatch.train.BatchDecision;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.DivergedException;
import dev.bigbatch.train.EpochMetrics;
import dev.bigbatch.train.Evaluator;
import dev.bigbatch.train.GradientSync;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.StepMetrics;
import dev.bigbatch.train.TrainConfig;
import dev.bigbatch.train.TrainListener;
import dev.bigbatch.train.Trainer;
import dev.bigbatch.train.VirtualWorkers;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * {@link Trainer}'s synchronous step loop with a number of workers k that the {@link BatchAutopilot}
 * may change between steps; n (per-worker batch, hence BN statistics) never changes.
 *
 * <p>Per step: the step's start position p in the data ({@link EpochCursor}) and lr = schedule(p, k·n)
 * ({@link AutoRecipe}: warmup and decay on the epoch axis, scaling rule at the current k·n); forward and
 * backward of the local k/P workers ({@link VirtualWorkers}, loss normalised by k·n); gradient sum over
 * the replicas; inside a measurement window, the two squared norms for the autopilot; optimizer step.
 * Training ends when the next step would start at progress ≥ {@code --epochs}; an epoch ends (evaluation,
 * BN averaging, checkpoint) when the next step no longer fits in it.
 *
 * <p><b>|G_small|² and |G_big|².</b> |G_big|² is the squared norm of the global-mean gradient after the
 * allreduce (identical on every process). |G_small|² is one worker's n-example gradient: in a real
 * one-worker-per-process job it is the local gradient before the allreduce, free; here each process
 * holds k/P virtual workers whose gradients are summed in place during backward (and the bucketed
 * allreduce overwrites them), so each process takes it with one extra n-example forward/backward on its
 * first worker's slice ({@link NoiseScaleProbe#squaredNorms}) — only inside windows — and the P values are
 * averaged over the replicas (P independent samples, same expectation). Every process therefore feeds
 * the same numbers to its autopilot and makes the same decision without further communication.
 *
 * <p><b>Changing k.</b> A decision after step s applies from step s + 1: the prefetcher (which reads
 * ahead at the old k) is closed and restarted at the current data position with the new k. Checkpoints
 * carry the position (epoch, offset, step in epoch) and the autopilot's state, so a resumed run makes the
 * same decisions at the same steps as an uninterrupted one.
 *
 * <p>Why a second loop rather than options on {@link Trainer}: the three things Trainer fixes at
 * construction — k, the step → data mapping ({@code DistributedSampler}) and the step → lr mapping
 * ({@code Recipe}) — all vary here. Folding both loops behind one "batch plan" interface is the natural
 * next step once the trainer stops changing under parallel work.
 */
public final class AutoBatchTrainer {
  private final TrainConfig config;
  private final Model model;
  private final Optimizer optimizer;
  private final ImageDataset train;
  private final Evaluator evaluator;
  private final Normalization norm;
  private final Replicas replicas;
  private final List<TrainListener> listeners;
  private final EpochCursor cursor;
  private final ProgressSchedule schedule;
  private final BatchAutopilot autopilot;
  private Checkpoints.Policy checkpoints = Checkpoints.Policy.NONE;
  private long startStep;
  private EpochCursor.Position startPosition = EpochCursor.Position.START;
  private long stopAfter = Long.MAX_VALUE;

  public AutoBatchTrainer(TrainConfig config, AutoBatchSettings settings, Model model, Optimizer optimizer,
      ImageDataset train, ImageDataset test, Replicas replicas, List<TrainListener> listeners) {
    this.config = config;
    this.model = model;
    this.optimizer = optimizer;
    this.train = train;
    this.norm = Normalization.fromData(train);
    this.evaluator = new Evaluator(test, norm);
    this.replicas = replicas;
    this.listeners = List.copyOf(listeners);
    this.cursor = new EpochCursor(train.size(), config.seed());
    this.schedule = AutoRecipe.schedule(config);
    this.autopilot = new BatchAutopilot(settings, config.perWorkerBatch(), replicas.size(), train.size(), config.workers());
  }

  public BatchAutopilot autopilot() {
    return autopilot;
  }

  public ProgressSchedule schedule() {
    return schedule;
  }

  /** Saves checkpoints as the policy says (rank 0 writes; all ranks average BN buffers first). */
  public AutoBatchTrainer checkpoints(Checkpoints.Policy policy) {
    this.checkpoints = policy;
    return this;
  }

  /** Stops (as if preempted) once {@code steps} steps are done; for tests and preemption drills. */
  public AutoBatchTrainer stopAfter(long steps) {
    this.stopAfter = steps;
    return this;
  }

  /** Continues from a checkpoint written by an {@code --batch auto} run with the same settings. */
  public AutoBatchTrainer resumeFrom(Checkpoints.State state) {
    Map<String, String> p = state.progress();
    if (!p.containsKey("position.epoch")) {
      throw new IllegalArgumentException("checkpoint was not written by a --batch auto run (no data position in it);"
          + " resume it without --batch auto");
    }
    state.applyTo(config, model, optimizer);
    startStep = state.nextStep();
    startPosition = new EpochCursor.Position(Long.parseLong(p.get("position.epoch")),
        Integer.parseInt(p.get("position.offset")), Integer.parseInt(p.get("position.stepInEpoch")));
    Map<String, String> pilot = new LinkedHashMap<>();
    p.forEach((k, v) -> {
      if (k.startsWith("autopilot.")) {
        pilot.put(k.substring("autopilot.".length()), v);
      }
    });
    autopilot.restore(pilot);
    return this;
  }

  /** Trains to the end and returns the last epoch's metrics. */
  public EpochMetrics run() {
    int n = config.perWorkerBatch();
    int firstKn = autopilot.workers() * n;
    listeners.forEach(l -> l.onStart(config, model.describe(), train.size() / firstKn,
        Math.round(config.epochs() * (train.size() / firstKn))));
    if (startStep == 0) {
      replicas.broadcastFromRankZero(model);
    }
    GradientSync sync = replicas.gradientSync(model);
    model.context().training(true);
    EpochMetrics last = null;
    EpochCursor.Position pos = startPosition;
    Prefetcher data = null;
    try {
      EpochStats stats = new EpochStats();
      for (long step = startStep; step < stopAfter; step++) {
        int k = autopilot.workers();
        EpochCursor.Position at = cursor.start(pos, k * n);
        double progress = cursor.progressEpochs(at);
        if (!(progress < config.epochs())) {
          break;
        }
        double lr = schedule.lrAt(progress, (long) k * n);
        autopilot.beforeStep(at);
        if (data == null) {
          data = new Prefetcher(train, norm, config.augment() ? new Augmentation(2, true) : Augmentation.NONE,
              config.seed(), 4, localPart(cursor.plan(pos, k * n, config.epochs()), k));
        }
        long t0 = System.nanoTime();
        Batch batch = data.next();
        long dataNanos = System.nanoTime() - t0;
        stats.dataWaitNanos += dataNanos;
        StepResult r = trainStep(batch, step, lr, k, sync);
        data.recycle(batch);
        double seconds = (System.nanoTime() - t0) / 1e9;
        stats.add((long) k * n, seconds, r.loss, r.correct);
        pos = cursor.after(pos, k * n);
        StepMetrics sm = new StepMetrics(step, at.epoch(), at.stepInEpoch(), train.size() / (k * n), r.loss, lr,
            (long) k * n, seconds, dataNanos / 1e9, r.computeNanos / 1e9, r.commNanos / 1e9);
        listeners.forEach(l -> l.onStep(sm));
        if (r.outcome != null) {
          decided(r.outcome, step, at, progress, lr, pos);
          if (autopilot.workers() != k) {
            data.close(); // it read ahead at the old k
            data = null;
          }
        }
        int nextKn = autopilot.workers() * n;
        boolean lastStep = !(cursor.progressEpochs(cursor.start(pos, nextKn)) < config.epochs());
        boolean epochEnd = cursor.epochEndsBefore(pos, nextKn) || lastStep;
        if ((step + 1) % Trainer.CHECK_EVERY_STEPS == 0 || lastStep) {
          replicas.checkIdentical(model, step);
        }
        if (epochEnd) {
          last = endEpoch(at.epoch(), stats);
          stats = new EpochStats();
        }
        if (checkpointDue(step + 1, epochEnd, lastStep)) {
          if (!epochEnd) {
            replicas.averageBuffers(model);
          }
          if (replicas.rank() == 0) {
            Checkpoints.save(checkpoints.path(), Checkpoints.State.capture(config, model, optimizer, step + 1)
                .withProgress(progressState(pos)));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for data", e);
    } catch (RuntimeException e) {
      EpochMetrics lastSeen = last;
      listeners.forEach(l -> l.onEnd(lastSeen, e));
      throw e;
    } finally {
      if (data != null) {
        data.close();
      }
    }
    EpochMetrics result = last;
    listeners.forEach(l -> l.onEnd(result, null));
    return result;
  }

  private void decided(BatchAutopilot.Outcome o, long step, EpochCursor.Position at, double progress, double lr,
      EpochCursor.Position next) {
    int n = config.perWorkerBatch();
    int newKn = o.newWorkers() * n;
    double nextProgress = cursor.progressEpochs(cursor.start(next, newKn));
    BatchDecision d = new BatchDecision(step, at.epoch(), progress, (int) o.estimate().steps(), o.smallBatch(),
        o.bigBatch(), o.estimate().gradNormSq(), o.estimate().traceSigma(), o.estimate().bSimple(),
        o.oldWorkers() * n, newKn, lr, schedule.lrAt(nextProgress, newKn), o.reason());
    listeners.forEach(l -> l.onBatchDecision(d));
  }

  private boolean checkpointDue(long nextStep, boolean epochEnd, boolean lastStep) {
    if (checkpoints.path() == null) {
      return false;
    }
    return (checkpoints.everySteps() > 0 && nextStep % checkpoints.everySteps() == 0)
        || (checkpoints.everyEpoch() && epochEnd) || lastStep;
  }

  private Map<String, String> progressState(EpochCursor.Position pos) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("position.epoch", Long.toString(pos.epoch()));
    m.put("position.offset", Integer.toString(pos.offset()));
    m.put("position.stepInEpoch", Integer.toString(pos.stepInEpoch()));
    autopilot.state().forEach((k, v) -> m.put("autopilot." + k, v));
    return m;
  }

  /** This replica's contiguous k/P workers of each global batch of k workers. */
  private Iterator<IndexBatch> localPart(Iterator<IndexBatch> global, int workers) {
    int slice = workers / replicas.size() * config.perWorkerBatch();
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

  private record StepResult(double loss, long correct, long computeNanos, long commNanos, BatchAutopilot.Outcome outcome) {}

  /** One synchronous SGD step at k workers; measures the two gradient norms inside a window. */
  private StepResult trainStep(Batch batch, long step, double lr, int workers, GradientSync sync) {
    int n = config.perWorkerBatch();
    try (PointerScope scope = Memory.scope()) {
      Optimizer.zeroGrad(optimizer.params());
      Tensor images = Tensors.fromFloats(batch.images(), batch.count(), train.channels(), train.height(), train.width());
      Tensor labels = Tensors.fromLongs(batch.labels());
      long t0 = System.nanoTime();
      VirtualWorkers.Result r = VirtualWorkers.forwardBackward(model, images, labels, n, workers / replicas.size(),
          config.workersPerChunk(), workers, sync);
      long t1 = System.nanoTime();
      sync.synchronize(optimizer.params());
      double[] lossAndCorrect = {r.loss(), r.correct()};
      replicas.sum(lossAndCorrect);
      long t2 = System.nanoTime();
      if (!Double.isFinite(lossAndCorrect[0])) {
        throw new DivergedException(step, lossAndCorrect[0], lr);
      }
      BatchAutopilot.Outcome outcome = null;
      if (autopilot.measuring()) {
        double[] norms = NoiseScaleProbe.squaredNorms(model, images, labels, n);
        double[] small = {norms[0]};
        replicas.sum(small);
        outcome = autopilot.afterStep(small[0] / replicas.size(), norms[1]);
      }
      optimizer.step(lr);
      return new StepResult(lossAndCorrect[0], (long) lossAndCorrect[1], t1 - t0, t2 - t1, outcome);
    }
  }

  private EpochMetrics endEpoch(long epoch, EpochStats s) {
    replicas.averageBuffers(model);
    double[] sums = evaluator.partialSums(model, replicas.rank(), replicas.size());
    replicas.sum(sums);
    EpochMetrics m = new EpochMetrics(epoch, s.lossSum / s.examples, (double) s.correct / s.examples,
        sums[0] / sums[2], sums[1] / sums[2], s.examples / s.seconds, s.dataWaitNanos / 1e9, s.seconds);
    listeners.forEach(l -> l.onEpoch(m));
    return m;
  }

  private static final class EpochStats {
    long examples;
    long correct;
    double lossSum;
    double seconds;
    long dataWaitNanos;

    void add(long count, double stepSeconds, double meanLoss, long correctCount) {
      examples += count;
      seconds += stepSeconds;
      lossSum += meanLoss * count;
      correct += correctCount;
    }
  }
}
