package dev.bigbatch.train;

import dev.bigbatch.model.Param;
import java.util.List;

/**
 * Makes every worker's gradients the mean over the global batch after backward. In a single process
 * simulating k workers the gradients already are that mean (the loss is normalised by k·n), so
 * {@link #NONE} does nothing; the distributed trainer sums with allreduce and divides by k.
 */
@FunctionalInterface
public interface GradientSync {
  GradientSync NONE = params -> {};

  void synchronize(List<Param> params);

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
  default void restore(Checkpoints.Sections sections) {}
}
