package dev.bigbatch.train;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.model.Model;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Forward and backward of k workers' batches of n examples inside one process. The k·n examples
 * are processed in chunks of {@code workersPerChunk} workers (to bound memory); BN statistics are
 * per n-slice inside each chunk, and each chunk's mean loss is weighted by chunk/(k·n), so the
 * gradients accumulated in the parameters are exactly the mean over the global batch — what k
 * workers produce after allreduce-sum divided by k. Chunking changes memory, not results. The loss
 * is cross-entropy unless a {@link Loss} is given (it must be a mean over its chunk, see there).
 */
public final class VirtualWorkers {
  /** Mean loss over the k·n examples and how many were classified correctly. */
  public record Result(double loss, long correct) {}

  /**
   * How a step's workers are laid out over this process.
   *
   * @param perWorker n, examples per worker
   * @param local the workers this process holds (k/P)
   * @param total k, the workers of the whole job
   * @param perChunk workers run forward/backward together (bounds memory)
   */
  public record Layout(int perWorker, int local, int total, int perChunk) {
    public Layout {
      if (perWorker <= 0 || local <= 0 || total < local || perChunk <= 0) {
        throw new IllegalArgumentException("per-worker batch, workers and workers per chunk must be > 0 and the "
            + "local workers at most the job's, got n=" + perWorker + ", " + local + " of " + total + ", " + perChunk
            + " per chunk");
      }
    }
  }

  private VirtualWorkers() {}

  /** Accumulates gradients into the model's parameters; the caller zeroes them first. */
  public static Result forwardBackward(Model model, Tensor images, Tensor labels, int n, int k, int workersPerChunk) {
    return forwardBackward(model, images, labels, n, k, workersPerChunk, k, GradientSync.NONE);
  }

  /**
   * The local part of a job with {@code totalWorkers} workers: this process holds {@code k} of them.
   * Losses are normalised by totalWorkers·n, so summing the replicas' gradients gives the global mean.
   * The returned loss is this process' share of the global mean loss.
   */
  public static Result forwardBackward(Model model, Tensor images, Tensor labels, int n, int k, int workersPerChunk,
      int totalWorkers, GradientSync sync) {
    return forwardBackward(model, images, labels, new Layout(n, k, totalWorkers, workersPerChunk), Loss.CROSS_ENTROPY,
        sync);
  }

  /** The local workers of {@code workers} with {@code loss} instead of cross-entropy. */
  public static Result forwardBackward(Model model, Tensor images, Tensor labels, Layout workers, Loss loss,
      GradientSync sync) {
    int n = workers.perWorker();
    int k = workers.local();
    int workersPerChunk = workers.perChunk();
    int totalWorkers = workers.total();
    long local = (long) k * n;
    long global = (long) totalWorkers * n;
    if (images.size(0) != local || labels.size(0) != local) {
      throw new IllegalArgumentException("expected " + local + " examples (k=" + k + " × n=" + n + "), got " + images.size(0));
    }
    model.context().bnGroupSize(n);
    double share = 0; // this process' share of the objective
    long correct = 0;
    for (int w = 0; w < k; w += workersPerChunk) {
      // A scope per chunk: the Java handles of this chunk's activations keep their storage alive until
      // released, so without it every chunk's activations would live until the step ends.
      try (PointerScope chunkScope = Memory.scope()) {
        long chunk = (long) Math.min(workersPerChunk, k - w) * n;
        Tensor x = images.narrow(0, (long) w * n, chunk);
        Tensor y = labels.narrow(0, (long) w * n, chunk);
        Tensor logits = model.forward(x);
        Tensor weighted = loss.mean(logits, y);
        if (chunk != global) {
          weighted = weighted.mul(new Scalar((double) chunk / global)); // ×1 is exact: skipped for one chunk
        }
        if (w + workersPerChunk >= k) {
          sync.beforeLastBackward();
        }
        weighted.backward();
        share += weighted.item_double();
        try (NoGradGuard g = new NoGradGuard()) {
          correct += logits.argmax(new LongOptional(1), false).eq(y).sum().item_long();
        }
      }
    }
    model.context().commitStatistics();
    return new Result(share, correct);
  }
}
