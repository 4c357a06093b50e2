package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.engine.Torch;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** A k-virtual-worker step must equal k explicit per-worker computations whose gradients are averaged. */
class VirtualWorkersTest {
  private static final Models.InputSpec IN = new Models.InputSpec(1, 8, 8, 4);
  private static final int N = 4;
  private static final int K = 3;

  private static Model freshModel() {
    Torch.seed(11);
    return Models.create("resnet8", IN, 4, false); // γ = 1 so every path carries gradient
  }

  private static Tensor images() {
    Torch.seed(5);
    Tensor x = torch.randn(new long[] {K * N, 1, 8, 8}, new TensorOptions(ScalarType.Float));
    for (int w = 0; w < K; w++) { // give each worker's slice its own statistics
      x.narrow(0, (long) w * N, N).mul_(new org.bytedeco.pytorch.Scalar(1 + w));
    }
    return x;
  }

  private static Tensor labels() {
    long[] y = new long[K * N];
    for (int i = 0; i < y.length; i++) {
      y[i] = (i * 7) % 4;
    }
    return Tensors.fromLongs(y);
  }

  private static List<float[]> grads(Model m) {
    List<float[]> out = new ArrayList<>();
    for (ModelParameter p : m.params()) {
      out.add(Tensors.toFloats(p.value().grad()));
    }
    return out;
  }

  @Test
  void virtualWorkersEqualExplicitPerWorkerGradientsAveraged() {
    Tensor x = images();
    Tensor y = labels();

    Model virtual = freshModel();
    VirtualWorkers.Result r = VirtualWorkers.forwardBackward(virtual, x, y, N, K, K);
    List<float[]> got = grads(virtual);

    // Oracle: k independent workers (fresh replicas, whole-batch BN over their n examples), each with
    // its mean loss over n; gradients summed and divided by k, running statistics averaged.
    List<float[]> expected = null;
    List<float[]> expectedBuffers = null;
    double lossSum = 0;
    for (int w = 0; w < K; w++) {
      Model worker = freshModel();
      worker.context().bnGroupSize(0);
      Tensor loss = torch.cross_entropy(worker.forward(x.narrow(0, (long) w * N, N)), y.narrow(0, (long) w * N, N));
      loss.backward();
      worker.context().commitStatistics();
      lossSum += loss.item_double();
      List<float[]> g = grads(worker);
      List<float[]> b = new ArrayList<>();
      worker.buffers().forEach(buf -> b.add(Tensors.toFloats(buf.value())));
      expected = expected == null ? g : addInto(expected, g);
      expectedBuffers = expectedBuffers == null ? b : addInto(expectedBuffers, b);
    }
    scale(expected, 1.0f / K);
    scale(expectedBuffers, 1.0f / K);
    assertEquals(lossSum / K, r.loss(), 1e-5);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), got.get(i), 1e-5f, virtual.params().get(i).name());
    }
    for (int i = 0; i < expectedBuffers.size(); i++) {
      assertArrayEquals(expectedBuffers.get(i), Tensors.toFloats(virtual.buffers().get(i).value()), 1e-5f,
          virtual.buffers().get(i).name());
    }
  }

  private static List<float[]> addInto(List<float[]> acc, List<float[]> more) {
    for (int i = 0; i < acc.size(); i++) {
      for (int j = 0; j < acc.get(i).length; j++) {
        acc.get(i)[j] += more.get(i)[j];
      }
    }
    return acc;
  }

  private static void scale(List<float[]> xs, float f) {
    for (float[] x : xs) {
      for (int j = 0; j < x.length; j++) {
        x[j] *= f;
      }
    }
  }

  @Test
  void chunkingDoesNotChangeGradients() {
    Tensor x = images();
    Tensor y = labels();
    Model whole = freshModel();
    VirtualWorkers.forwardBackward(whole, x, y, N, K, K);
    Model oneByOne = freshModel();
    VirtualWorkers.forwardBackward(oneByOne, x, y, N, K, 1);
    Model pairs = freshModel();
    VirtualWorkers.forwardBackward(pairs, x, y, N, K, 2);
    List<float[]> a = grads(whole);
    List<float[]> b = grads(oneByOne);
    List<float[]> c = grads(pairs);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i), 1e-5f);
      assertArrayEquals(a.get(i), c.get(i), 1e-5f);
    }
    // Running statistics too: one update per step, averaged over the k slices, however chunked.
    for (int i = 0; i < whole.buffers().size(); i++) {
      float[] w = Tensors.toFloats(whole.buffers().get(i).value());
      assertArrayEquals(w, Tensors.toFloats(oneByOne.buffers().get(i).value()), 1e-5f, whole.buffers().get(i).name());
      assertArrayEquals(w, Tensors.toFloats(pairs.buffers().get(i).value()), 1e-5f, whole.buffers().get(i).name());
    }
    Optimizer.zeroGrad(whole.params());
    for (float v : Tensors.toFloats(whole.params().get(0).value().grad())) {
      assertEquals(0f, v);
    }
  }
}
