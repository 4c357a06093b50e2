package dev.bigbatch.model;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * Collects a model's parameters and buffers in creation order under hierarchical names
 * ({@code stage2.block0.conv1.weight}). Order is part of the contract: optimizers, checkpoints and
 * gradient buckets all iterate in it, identically on every worker.
 */
public final class ParamRegistry {
  private final List<ModelParameter> params = new ArrayList<>();
  private final List<ModelBuffer> buffers = new ArrayList<>();
  private final Set<String> names = new HashSet<>();

  /** Registers {@code t} as a trainable parameter (sets requires_grad). */
  public Tensor param(String name, Tensor t) {
    claim(name);
    Tensor p = Memory.keep(t.detach().set_requires_grad(true));
    params.add(new ModelParameter(name, p, ParamGroup.ofShape(Tensors.shape(p))));
    return p;
  }

  /** Registers {@code t} as a buffer (running statistics). */
  public Tensor buffer(String name, Tensor t) {
    claim(name);
    Tensor b = Memory.keep(t);
    buffers.add(new ModelBuffer(name, b));
    return b;
  }

  private void claim(String name) {
    if (!names.add(name)) {
      throw new IllegalArgumentException("duplicate parameter name " + name);
    }
  }

  public List<ModelParameter> params() {
    return Collections.unmodifiableList(params);
  }

  public List<ModelBuffer> buffers() {
    return Collections.unmodifiableList(buffers);
  }
}
