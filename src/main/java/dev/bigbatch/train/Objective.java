package dev.bigbatch.train;

import dev.bigbatch.data.Batch;
import dev.bigbatch.model.Model;
import org.bytedeco.pytorch.Tensor;

/**
 * What a step minimises, and how: the forward/backward of this process' virtual workers on the step's batch, with
 * gradients weighted so that their sum over processes is the gradient of the objective on the global batch of k·n
 * examples. {@link TrainStep} runs it between zeroing the gradients and the gradient sync.
 *
 * <ul>
 *   <li>{@link #of(Loss)}: the plain objective, the loss's mean over the global batch ({@link VirtualWorkers}); with
 *       {@link Loss#CROSS_ENTROPY} this is bigbatch's default step.
 *   <li>{@link ConAdv}: the same loss on the clean batch mixed with adversarial examples from one-step-stale
 *       parameters; it reads each batch one step ahead ({@link #next}).
 * </ul>
 */
public interface Objective {
  /** Where the trainer's batches come from (the replica's prefetcher). */
  @FunctionalInterface
  interface Batches {
    Batch next() throws InterruptedException;
  }

  /**
   * Accumulates the gradients of this process' share of the objective into {@code model}'s parameters (the caller
   * zeroed them); {@code images}/{@code labels} are its {@code workers.local()}·n examples. Calls
   * {@link GradientSync#beforeLastBackward} before its last backward. Returns this process' share of the objective's
   * value (the replicas' sum is the global value) and how many of its clean examples were classified correctly.
   */
  VirtualWorkers.Result forwardBackward(Model model, Tensor images, Tensor labels, VirtualWorkers.Layout workers,
      GradientSync sync);

  /**
   * The batch of the step about to start, taken from {@code data}; {@code anotherStep} says whether a step follows
   * it. The plain objective takes the next one; an objective may read ahead (then {@link #readsAhead}).
   */
  default Batch next(Batches data, boolean anotherStep) throws InterruptedException {
    return data.next();
  }

  /** True when {@link #next} reads the following step's batch early (at the current k). */
  default boolean readsAhead() {
    return false;
  }

  /** The mean of {@code loss} over the global batch. */
  static Objective of(Loss loss) {
    java.util.Objects.requireNonNull(loss, "loss");
    return (model, images, labels, workers, sync) -> VirtualWorkers.forwardBackward(model, images, labels, workers,
        loss, sync);
  }
}
