package dev.bigbatch.model;

import java.util.List;

/**
 * Base of the built-in models: owns the {@link ForwardContext} its layers read and the
 * {@link ParamRegistry} they register into, and answers {@link Model}'s bookkeeping from them.
 */
abstract class RegisteredModel implements Model {
  protected final ForwardContext ctx = new ForwardContext();
  protected final ParamRegistry reg = new ParamRegistry();

  @Override
  public final ForwardContext context() {
    return ctx;
  }

  @Override
  public final List<Param> params() {
    return reg.params();
  }

  @Override
  public final List<Buffer> buffers() {
    return reg.buffers();
  }
}
