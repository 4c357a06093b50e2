package dev.bigbatch.train;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelBuffer;
import dev.bigbatch.model.ModelParameter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * ConAdv's second model: a copy of the main model's parameters and BN buffers one step old, which computes adversarial
 * examples in training mode (BN per n-slice, running statistics untouched) without gradients of its own.
 */
final class StaleCopy {
  private final Model main;
  private final Model stale;

  /** @param stale a second instance of {@code main}'s architecture; its values are overwritten */
  StaleCopy(Model main, Model stale, int perWorkerBatch) {
    if (main.params().size() != stale.params().size() || main.buffers().size() != stale.buffers().size()) {
      throw new IllegalArgumentException("the stale copy must have the main model's architecture");
    }
    for (int i = 0; i < main.params().size(); i++) {
      if (!main.params().get(i).name().equals(stale.params().get(i).name())) {
        throw new IllegalArgumentException("the stale copy must have the main model's architecture");
      }
      stale.params().get(i).value().requires_grad_(false);
    }
    stale.context().training(true);
    stale.context().trackStatistics(false);
    stale.context().bnGroupSize(perWorkerBatch);
    this.main = main;
    this.stale = stale;
  }

  Model model() {
    return stale;
  }

  /** stale := main (parameters and BN buffers). Main thread only, while no perturbation is running. */
  void snapshot() {
    try (PointerScope s = Memory.scope(); NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < main.params().size(); i++) {
        stale.params().get(i).value().copy_(main.params().get(i).value());
      }
      for (int i = 0; i < main.buffers().size(); i++) {
        stale.buffers().get(i).value().copy_(main.buffers().get(i).value());
      }
    }
  }

  /**
   * The copy's parameters and BN buffers, named for a checkpoint taken at a step boundary (the copy is only read here,
   * so a perturbation may be running from it).
   */
  Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (ModelParameter p : stale.params()) {
      out.put("param/" + p.name(), p.value());
    }
    for (ModelBuffer b : stale.buffers()) {
      out.put("buffer/" + b.name(), b.value());
    }
    return out;
  }

  /** Puts back what a checkpoint saved ({@link #state}). */
  void restore(Map<String, float[]> tensors) {
    Map<String, Tensor> targets = state();
    if (!targets.keySet().equals(tensors.keySet())) {
      throw new IllegalArgumentException("checkpoint's ConAdv stale parameters do not match this model ("
          + tensors.size() + " tensors, expected " + targets.size() + ")");
    }
    try (PointerScope s = Memory.scope(); NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : targets.entrySet()) {
        e.getValue().copy_(Tensors.fromFloats(tensors.get(e.getKey()), Tensors.shape(e.getValue())));
      }
    }
  }
}
