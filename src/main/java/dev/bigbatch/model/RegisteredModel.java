package dev.bigbatch.model;

import java.util.List;

/**
 * Base of the built-in models, and of yours: owns the {@link ForwardContext} its layers read (training or evaluation,
 * the per-worker BN group) and the {@link ParamRegistry} they register into ({@link Linear}, {@link Conv2d},
 * {@link GhostBatchNorm}), and answers {@link Model}'s bookkeeping from them. A subclass builds its layers in its
 * constructor, in a fixed order (every worker must list parameters identically), and implements {@link #forward} and
 * {@link #describe}.
 */
public abstract class RegisteredModel implements Model {
  protected final ForwardContext ctx = new ForwardContext();
  protected final ParamRegistry reg = new ParamRegistry();

  @Override
  public final ForwardContext context() {
    return ctx;
  }

  @Override
  public final List<ModelParameter> params() {
    return reg.params();
  }

  @Override
  public final List<ModelBuffer> buffers() {
    return reg.buffers();
  }
}
