package dev.bigbatch.train;

import dev.bigbatch.model.ModelParameter;
import java.util.List;

/**
 * Turns the gradients backward left on this replica into the ones its optimizer steps with. The loss of every
 * worker is divided by the global batch k·n ({@link VirtualWorkers}), so in a single process simulating all k workers
 * the gradients already are the global mean and {@link #NONE} does nothing; synchronous replicas sum them over the
 * processes with allreduce ({@link GradientBuckets}), which is the global mean with no division left; decentralized
 * replicas multiply by the number of processes P, giving the mean over their own k/P·n examples.
 */
@FunctionalInterface
public interface GradientSync {
  GradientSync NONE = params -> {};

  void synchronize(List<ModelParameter> params);

  /**
   * Called right before the step's last backward pass, so an implementation that overlaps
   * communication with backward (autograd hooks) knows the gradients it sees next are final.
   */
  default void beforeLastBackward() {}

  /**
   * {@code state} with what a resumed run needs to synchronise exactly as the uninterrupted one would from the
   * next step (fp16 compression's per-bucket scales, section {@link GradientBuckets#SCALES}); identical on every
   * replica. Unchanged by default.
   */
  default Checkpoints.State checkpoint(Checkpoints.State state) {
    return state;
  }

  /** Continues from this sync's section among a checkpoint's {@code sections} (others are ignored). */
  default void restore(CheckpointSections sections) {}
}
