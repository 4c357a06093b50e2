package dev.bigbatch.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ModelParameter;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class MemoryTest {
  @Test
  void keptTensorsSurviveTheirScope() {
    Tensor kept;
    float[] expected;
    try (PointerScope s = Memory.scope()) {
      kept = Memory.keep(torch.arange(new org.bytedeco.pytorch.Scalar(6)).to(ScalarType.Float));
      expected = Tensors.toFloats(kept);
    }
    assertArrayEquals(expected, Tensors.toFloats(kept));
    assertEquals(6, kept.numel());
  }

  @Test
  void aModelBuiltInsideAScopeKeepsItsParameters() {
    Model m;
    List<float[]> before = new ArrayList<>();
    try (PointerScope s = Memory.scope()) {
      Torch.seed(3);
      m = Models.create("resnet8", new Models.InputSpec(1, 28, 28, 10), 4, true);
      for (ModelParameter p : m.params()) {
        before.add(Tensors.toFloats(p.value()));
      }
    }
    for (int i = 0; i < before.size(); i++) {
      assertArrayEquals(before.get(i), Tensors.toFloats(m.params().get(i).value()), m.params().get(i).name());
    }
    try (PointerScope s = Memory.scope()) {
      Tensor y = m.forward(torch.randn(new long[] {2, 1, 28, 28}, new TensorOptions(ScalarType.Float)));
      assertEquals(10, y.size(1));
    }
  }
}
