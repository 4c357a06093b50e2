package dev.bigbatch.optim;

import dev.bigbatch.model.ModelParameter;
import java.util.List;

/**
 * Base of the momentum optimizers (Sgd, Lars): they differ only in {@link #step}; parameters,
 * velocities and the momentum-correction learning rate live in one {@link MomentumState}, which is
 * also what they checkpoint.
 */
abstract class MomentumOptimizer implements Optimizer {
  protected final MomentumState momentum;

  MomentumOptimizer(String name, List<ModelParameter> params) {
    this.momentum = new MomentumState(name, params);
  }

  @Override
  public final List<StateTensor> state() {
    return momentum.state();
  }

  @Override
  public final double[] scalars() {
    return momentum.scalars();
  }

  @Override
  public final void restoreScalars(double[] values) {
    momentum.restoreScalars(values);
  }

  @Override
  public final List<ModelParameter> params() {
    return momentum.params();
  }
}
