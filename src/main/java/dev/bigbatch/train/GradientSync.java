package dev.bigbatch.train;

import dev.bigbatch.model.Param;
import java.util.List;
import java.util.Map;

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
