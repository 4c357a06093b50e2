package dev.bigbatch.optim;

import dev.bigbatch.model.ModelParameter;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Updates parameters in place from their {@code grad()} with a learning rate supplied per step by
 * the schedule; the optimizer never owns a step counter that the schedule depends on.
 */
public interface Optimizer {
  /** Applies one update with learning rate {@code lr} (the schedule's value for this step). */
  void step(double lr);

  /** Named state tensors (momentum buffers, moments) in a fixed order, for checkpoints. */
  List<StateTensor> state();

  /** Scalar state (previous lr, step count) for checkpoints; restored by {@link #restoreScalars}. */
  double[] scalars();

  void restoreScalars(double[] values);

  List<ModelParameter> params();

  /** A named optimizer state tensor, e.g. {@code momentum/fc.weight}. */
  record StateTensor(String name, Tensor value) {}

  /** Sets every parameter's gradient to zero (keeping the storage). */
  static void zeroGrad(List<ModelParameter> params) {
    try (NoGradGuard g = new NoGradGuard()) {
      for (ModelParameter p : params) {
        Tensor grad = p.value().grad();
        if (grad.defined()) {
          grad.zero_();
        }
      }
    }
  }
}
