package dev.bigbatch.diag;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Measures forward+backward compute per example on this machine: {@code warmup} untimed steps, then the
 * median of {@code steps} timed steps of one worker's batch of n random inputs (training mode, per-worker BN),
 * divided by n. No optimizer step and no data loading: this is the c of the cost model.
 */
public final class ComputeProbe {
  private ComputeProbe() {}

  public static double secondsPerExample(Model model, int channels, int height, int width, int classes,
      int perWorkerBatch, int warmup, int steps) {
    if (steps < 1 || perWorkerBatch < 1) {
      throw new IllegalArgumentException("probe needs steps >= 1 and n >= 1, got " + steps + ", " + perWorkerBatch);
    }
    Torch.init();
    model.context().training(true);
    model.context().bnGroupSize(perWorkerBatch);
    double[] seconds = new double[steps];
    for (int i = -warmup; i < steps; i++) {
      try (PointerScope scope = Memory.scope()) {
        Tensor x = torch.randn(new long[] {perWorkerBatch, channels, height, width}, new TensorOptions(ScalarType.Float));
        Tensor y = torch.randint(classes, new long[] {perWorkerBatch}, new TensorOptions(ScalarType.Long));
        Optimizer.zeroGrad(model.params());
        long t0 = System.nanoTime();
        torch.cross_entropy(model.forward(x), y).backward();
        long t1 = System.nanoTime();
        model.context().commitStatistics();
        if (i >= 0) {
          seconds[i] = (t1 - t0) / 1e9;
        }
      }
    }
    Arrays.sort(seconds);
    return seconds[steps / 2] / perWorkerBatch;
  }
}
