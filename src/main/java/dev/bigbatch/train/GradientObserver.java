package dev.bigbatch.train;

import dev.bigbatch.model.Model;
import org.bytedeco.pytorch.Tensor;

/**
 * Sees each step's gradients after they are the global mean and before the optimizer applies them
 * (diagnostics such as the gradient noise scale). An observer may run extra forward/backward passes
 * on the step's local batch but must leave the gradients and BN statistics as it found them.
 */
@FunctionalInterface
public interface GradientObserver {
  /**
   * @param images this process' k·n examples of the step (worker w holds rows w·n .. w·n + n − 1)
   * @param labels their labels
   */
  void afterBackward(long step, Model model, Tensor images, Tensor labels);
}
