package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ModelParameter;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Why the linter's {@code loss-normalised-per-worker} rule cannot fire: {@link VirtualWorkers} weights each
 * chunk's mean loss by chunk/(k·n), so with a model without BN the gradient equals that of the mean loss
 * over all k·n examples at once — however the k workers are chunked (accumulated). Normalising per chunk
 * (by n, or per micro-batch) would make it k/chunk times larger.
 */
class LossNormalisationTest {
  private static final int N = 5;

  private static Model mlp() {
    Torch.seed(3);
    return Models.create("mlp", new Models.InputSpec(1, 4, 4, 3), 1, false);
  }

  private static List<float[]> grads(Model m) {
    List<float[]> out = new ArrayList<>();
    for (ModelParameter p : m.params()) {
      out.add(Tensors.toFloats(p.value().grad()));
    }
    return out;
  }

  @ParameterizedTest(name = "k={0} chunk={1}")
  @CsvSource({"8, 1", "8, 2", "6, 4", "1, 1"})
  void gradientIsTheMeanOverTheGlobalBatch(int k, int chunk) {
    Torch.seed(9);
    Tensor x = torch.randn(new long[] {(long) k * N, 1, 4, 4}, new TensorOptions(ScalarType.Float));
    long[] labels = new long[k * N];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (i * 5) % 3;
    }
    Tensor y = Tensors.fromLongs(labels);

    Model virtual = mlp();
    VirtualWorkers.Result r = VirtualWorkers.forwardBackward(virtual, x, y, N, k, chunk);
    Model whole = mlp();
    Tensor loss = torch.cross_entropy(whole.forward(x), y); // mean over k·n
    loss.backward();

    assertEquals(loss.item_double(), r.loss(), 1e-5);
    List<float[]> got = grads(virtual);
    List<float[]> expected = grads(whole);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), got.get(i), 1e-6f, virtual.params().get(i).name());
    }
  }
}
