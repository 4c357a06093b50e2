package dev.bigbatch.train;

import dev.bigbatch.model.Param;
import java.util.List;
import java.util.Map;

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
   * What a resumed run needs to synchronise exactly as the uninterrupted one would from the next step (fp16
   * compression's per-bucket scales), as checkpoint progress entries; identical on every replica. Empty by default.
   */
  default Map<String, String> state() {
    return Map.of();
  }

  /** Continues from the {@link #state} entries among a checkpoint's progress (others are ignored). */
  default void restore(Map<String, String> progress) {}
}
