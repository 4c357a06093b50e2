package dev.bigbatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Torch;
import dev.bigbatch.engine.Tensors;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class ModelsTest {
  private static final Models.InputSpec FMNIST = new Models.InputSpec(1, 28, 28, 10);

  @Test
  void cifarResNetShapesParamsAndGroups() {
    Torch.seed(0);
    Model m = Models.create("resnet20", FMNIST, 16, true);
    Tensor y = m.forward(torch.randn(new long[] {4, 1, 28, 28}, new TensorOptions(ScalarType.Float)));
    assertEquals(4, y.size(0));
    assertEquals(10, y.size(1));
    // He et al.: ResNet-20 at width 16 has ~0.27M parameters (with projection shortcuts a bit more).
    assertTrue(m.paramCount() > 260_000 && m.paramCount() < 300_000, m.describe());
    Set<String> names = new HashSet<>();
    int zeroGammas = 0;
    for (ModelParameter p : m.params()) {
      assertTrue(names.add(p.name()), "unique names");
      long[] shape = Tensors.shape(p.value());
      assertEquals(shape.length > 1 ? ParamGroup.WEIGHT : ParamGroup.BIAS_OR_NORM, p.group(), p.name());
      if (p.name().endsWith("bn2.weight")) {
        float[] v = Tensors.toFloats(p.value());
        for (float f : v) {
          assertEquals(0f, f);
        }
        zeroGammas++;
      }
    }
    assertEquals(9, zeroGammas, "one zero-γ BN per residual block");
  }

  @Test
  void zeroGammaCanBeTurnedOff() {
    Model m = Models.create("resnet8", FMNIST, 8, false);
    for (ModelParameter p : m.params()) {
      if (p.name().endsWith("bn2.weight")) {
        assertEquals(1f, Tensors.toFloats(p.value())[0]);
      }
    }
  }

  @Test
  void mlpAndResNet50Shapes() {
    Model mlp = Models.create("mlp", FMNIST, 8, true);
    assertEquals(10, mlp.forward(torch.randn(new long[] {3, 1, 28, 28}, new TensorOptions(ScalarType.Float))).size(1));
    Model r50 = Models.create("resnet50", new Models.InputSpec(3, 224, 224, 1000), 0, true);
    // ResNet-50 has 25.56M parameters (He et al.; torchvision 25,557,032).
    assertEquals(25_557_032L, r50.paramCount());
    r50.context().training(false);
    Tensor y = r50.forward(torch.randn(new long[] {1, 3, 224, 224}, new TensorOptions(ScalarType.Float)));
    assertEquals(1000, y.size(1));
  }

  @Test
  void unknownModelAndBadDepthAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.create("vgg", FMNIST, 16, true));
    assertTrue(e.getMessage().contains("unknown model 'vgg'"));
    assertThrows(IllegalArgumentException.class, () -> Models.create("resnet9", FMNIST, 16, true));
  }
}
