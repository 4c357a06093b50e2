package dev.bigbatch.optim;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.model.ModelParameter;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The state shared by the momentum optimizers (Sgd, Lars): one velocity v = η·u per parameter and
 * the previous step's learning rate for the momentum correction η_{t+1}/η_t; checkpointed as
 * {@code momentum/<name>} tensors plus the previous learning rate.
 */
final class MomentumState {
  private final String optimizer;
  private final List<ModelParameter> params;
  private final List<Tensor> velocity = new ArrayList<>();
  private double prevLr;

  MomentumState(String optimizer, List<ModelParameter> params) {
    this.optimizer = optimizer;
    this.params = List.copyOf(params);
    for (ModelParameter p : this.params) {
      velocity.add(Memory.keep(torch.zeros_like(p.value()).detach()));
    }
  }

  List<ModelParameter> params() {
    return params;
  }

  Tensor velocity(int i) {
    return velocity.get(i);
  }

  /** η_{t+1}/η_t when correcting and a previous step exists (v = 0 before it), else 1. */
  double correction(double lr, boolean enabled) {
    return (enabled && prevLr > 0) ? lr / prevLr : 1.0;
  }

  /** Records the learning rate the step just used. */
  void stepped(double lr) {
    prevLr = lr;
  }

  List<Optimizer.StateTensor> state() {
    List<Optimizer.StateTensor> out = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      out.add(new Optimizer.StateTensor("momentum/" + params.get(i).name(), velocity.get(i)));
    }
    return out;
  }

  double[] scalars() {
    return new double[] {prevLr};
  }

  void restoreScalars(double[] values) {
    if (values.length != 1) {
      throw new IllegalArgumentException(optimizer + " state has 1 scalar, checkpoint has " + values.length);
    }
    prevLr = values[0];
  }
}
