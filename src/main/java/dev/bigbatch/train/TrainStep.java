package dev.bigbatch.train;

import dev.bigbatch.data.Batch;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The synchronous SGD step: the one {@link Trainer} runs every step, and the one {@code bigbatch bench step} and
 * {@code bench ops} time. On this process' slice of the global batch of k·n examples (k/P of the k workers):
 *
 * <ol>
 *   <li>zero the gradients; the batch as tensors;
 *   <li>forward/backward of the local virtual workers through the {@link Objective} (per-n-slice BN, each chunk's
 *       mean loss weighted by chunk/(k·n), so the gradients summed over processes are the global mean, Goyal
 *       remark 3), gradient buckets starting their allreduce underneath ({@link GradientSync});
 *   <li>wait for the gradient sum; the loss and the correct count summed over the replicas;
 *   <li>a non-finite loss stops the run ({@link DivergedException});
 *   <li>the plan's {@link StepPlan#beforeUpdate} hook, then {@code optimizer.step(lr)}.
 * </ol>
 *
 * The model must be in training mode. Compute time is step 2, communication time step 3 (what the overlap left
 * exposed).
 */
public final class TrainStep {
  /**
   * What a step returns: the mean loss over the global batch, the correctly classified examples of the global batch,
   * forward/backward nanoseconds and exposed communication nanoseconds.
   */
  public record Result(double loss, long correct, long computeNanos, long commNanos) {}

  /** Runs between the gradient sum and the update ({@link StepPlan#beforeUpdate} has this shape). */
  @FunctionalInterface
  public interface BeforeUpdate {
    void run(StepPlan.Step s, Model model, Tensor images, Tensor labels, Replicas replicas);
  }

  private final Model model;
  private final Optimizer optimizer;
  private final Replicas replicas;
  private final GradientSync sync;
  private final Objective objective;
  private final int perWorkerBatch;
  private final int workersPerChunk;
  private final long[] exampleShape;
  private BeforeUpdate beforeUpdate = (s, m, x, y, r) -> {};
  private GradientObserver gradientObserver; // null: none

  /**
   * @param sync the gradient sum over {@code replicas} ({@link Replicas#gradientSync}; {@link GradientSync#NONE} for
   *     one process)
   * @param exampleShape the shape of one input example, e.g. {1, 28, 28}
   */
  public TrainStep(Model model, Optimizer optimizer, Replicas replicas, GradientSync sync, Objective objective,
      int perWorkerBatch, int workersPerChunk, long... exampleShape) {
    if (perWorkerBatch <= 0 || workersPerChunk <= 0) {
      throw new IllegalArgumentException("per-worker batch and workers per chunk must be > 0, got " + perWorkerBatch
          + ", " + workersPerChunk);
    }
    this.model = Objects.requireNonNull(model, "model");
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.replicas = Objects.requireNonNull(replicas, "replicas");
    this.sync = Objects.requireNonNull(sync, "sync");
    this.objective = Objects.requireNonNull(objective, "objective");
    this.perWorkerBatch = perWorkerBatch;
    this.workersPerChunk = workersPerChunk;
    this.exampleShape = exampleShape.clone();
  }

  /** One process, cross-entropy, no hooks: the step of a single process simulating every worker. */
  public static TrainStep singleProcess(Model model, Optimizer optimizer, int perWorkerBatch, int workersPerChunk,
      long... exampleShape) {
    return new TrainStep(model, optimizer, Replicas.single(), GradientSync.NONE, Objective.of(Loss.CROSS_ENTROPY),
        perWorkerBatch, workersPerChunk, exampleShape);
  }

  /** Runs {@code hook} between the gradient sum and the update (the plan's {@link StepPlan#beforeUpdate}). */
  public TrainStep beforeUpdate(BeforeUpdate hook) {
    this.beforeUpdate = Objects.requireNonNull(hook, "hook");
    return this;
  }

  /** Shows every step's global-mean gradients to {@code observer} before the update (null: none). */
  public TrainStep gradientObserver(GradientObserver observer) {
    this.gradientObserver = observer;
    return this;
  }

  /** Step 0 of k = {@code workers} workers at learning rate {@code lr}, outside any plan (benchmarks, replays). */
  public Result run(Batch batch, int workers, double lr) {
    return run(batch, new StepPlan.Step(0, workers, lr, 0, 0, 1));
  }

  /** Runs step {@code s} (its k and learning rate) on this process' part of its global batch. */
  public Result run(Batch batch, StepPlan.Step s) {
    if (s.workers() % replicas.size() != 0) {
      throw new IllegalArgumentException("k = " + s.workers() + " workers do not split over " + replicas.size()
          + " processes");
    }
    VirtualWorkers.Layout workers = new VirtualWorkers.Layout(perWorkerBatch, s.workers() / replicas.size(),
        s.workers(), workersPerChunk);
    long expected = (long) workers.local() * perWorkerBatch;
    if (batch.count() != expected) {
      throw new IllegalArgumentException("batch has " + batch.count() + " examples, the step needs k/P·n = " + expected);
    }
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = batch.count();
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    try (PointerScope scope = Memory.scope()) {
      Optimizer.zeroGrad(optimizer.params());
      Tensor images = Tensors.fromFloats(batch.images(), shape);
      Tensor labels = Tensors.fromLongs(batch.labels());
      long t0 = System.nanoTime();
      VirtualWorkers.Result r = objective.forwardBackward(model, images, labels, workers, sync);
      long t1 = System.nanoTime();
      sync.synchronize(optimizer.params());
      double[] lossAndCorrect = {r.loss(), r.correct()};
      replicas.sum(lossAndCorrect);
      double loss = lossAndCorrect[0];
      long t2 = System.nanoTime();
      if (gradientObserver != null) {
        gradientObserver.afterBackward(s.step(), model, images, labels);
      }
      if (!Double.isFinite(loss)) {
        throw new DivergedException(s.step(), loss, s.lr());
      }
      beforeUpdate.run(s, model, images, labels, replicas);
      optimizer.step(s.lr());
      return new Result(loss, (long) lossAndCorrect[1], t1 - t0, t2 - t1);
    }
  }
}
