package dev.bigbatch.train;

import dev.bigbatch.data.Batch;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One synchronous SGD step on a global batch of k·n examples, in one process simulating k workers:
 * zero the gradients, forward/backward per chunk of {@code workersPerChunk} workers with each chunk's
 * loss scaled by chunk/(k·n) (so the accumulated gradient is the mean over the global batch, Goyal
 * remark 3), synchronise, update. The trainer runs it in its loop; {@code bigbatch bench step} times it.
 */
public final class TrainStep {
  /** Mean loss over the global batch and the number of correctly classified examples. */
  public record Result(double loss, long correct) {}

  private final Model model;
  private final Optimizer optimizer;
  private final GradientSync sync;
  private final int perWorkerBatch;
  private final int workers;
  private final int workersPerChunk;
  private final long[] exampleShape;

  /** @param exampleShape the shape of one input example, e.g. {1, 28, 28} */
  public TrainStep(Model model, Optimizer optimizer, GradientSync sync, int perWorkerBatch, int workers,
      int workersPerChunk, long... exampleShape) {
    if (perWorkerBatch <= 0 || workers <= 0 || workersPerChunk <= 0) {
      throw new IllegalArgumentException("per-worker batch, workers and workers per chunk must be > 0, got "
          + perWorkerBatch + ", " + workers + ", " + workersPerChunk);
    }
    this.model = model;
    this.optimizer = optimizer;
    this.sync = sync;
    this.perWorkerBatch = perWorkerBatch;
    this.workers = workers;
    this.workersPerChunk = workersPerChunk;
    this.exampleShape = exampleShape.clone();
  }

  /** Runs the step with learning rate {@code lr}; the model must be in training mode. */
  public Result run(Batch batch, double lr) {
    int n = perWorkerBatch;
    int global = workers * n;
    if (batch.count() != global) {
      throw new IllegalArgumentException("batch has " + batch.count() + " examples, the step needs k·n = " + global);
    }
    long[] shape = new long[exampleShape.length + 1];
    shape[0] = global;
    System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
    try (PointerScope scope = Memory.scope()) {
      Optimizer.zeroGrad(optimizer.params());
      Tensor images = Tensors.fromFloats(batch.images(), shape);
      Tensor labels = Tensors.fromLongs(batch.labels());
      VirtualWorkers.Result r = VirtualWorkers.forwardBackward(model, images, labels, n, workers, workersPerChunk,
          workers, sync);
      double lossSum = r.loss();
      long correct = r.correct();
      if (Double.isFinite(lossSum)) {
        sync.synchronize(optimizer.params());
        optimizer.step(lr);
      }
      return new Result(lossSum, correct);
    }
  }
}
