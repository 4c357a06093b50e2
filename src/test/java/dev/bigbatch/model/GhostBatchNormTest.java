package dev.bigbatch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bigbatch.engine.Torch;
import dev.bigbatch.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** k-slice BN must equal k separate per-slice batch norms (what k workers compute). */
class GhostBatchNormTest {
  @Test
  void slicesAreNormalisedIndependentlyAndStatisticsAveraged() {
    Torch.seed(7);
    int k = 3;
    int n = 4;
    int c = 5;
    ForwardContext ctx = new ForwardContext();
    ctx.bnGroupSize(n);
    ParamRegistry reg = new ParamRegistry();
    GhostBatchNorm bn = new GhostBatchNorm(reg, "bn", c, false, ctx);
    Tensor gamma = reg.params().get(0).value();
    Tensor beta = reg.params().get(1).value();
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      gamma.copy_(torch.rand(new long[] {c}, new TensorOptions(ScalarType.Float)).add_(new org.bytedeco.pytorch.Scalar(0.5)));
      beta.copy_(torch.randn(new long[] {c}, new TensorOptions(ScalarType.Float)));
    }
    // Slices with very different statistics, so whole-batch normalisation would be visibly wrong.
    Tensor x = torch.randn(new long[] {k * n, c, 3, 3}, new TensorOptions(ScalarType.Float));
    for (int s = 0; s < k; s++) {
      x.narrow(0, (long) s * n, n).mul_(new org.bytedeco.pytorch.Scalar(1 + s)).add_(new org.bytedeco.pytorch.Scalar(3.0 * s));
    }
    Tensor weights = torch.randn(new long[] {k * n, c, 3, 3}, new TensorOptions(ScalarType.Float));
    Tensor y = bn.forward(x);
    y.mul(weights).sum().backward();
    ctx.commitStatistics();
    float[] gammaGrad = Tensors.toFloats(gamma.grad());
    float[] betaGrad = Tensors.toFloats(beta.grad());

    // Explicit oracle: each slice through its own native batch norm with its own running stats.
    Tensor g2 = gamma.detach().clone().set_requires_grad(true);
    Tensor b2 = beta.detach().clone().set_requires_grad(true);
    Tensor meanSum = torch.zeros(new long[] {c}, new TensorOptions(ScalarType.Float));
    Tensor varSum = torch.zeros(new long[] {c}, new TensorOptions(ScalarType.Float));
    Tensor expected = null;
    for (int s = 0; s < k; s++) {
      Tensor rm = torch.zeros(new long[] {c}, new TensorOptions(ScalarType.Float));
      Tensor rv = torch.ones(new long[] {c}, new TensorOptions(ScalarType.Float));
      Tensor ys = torch.batch_norm(x.narrow(0, (long) s * n, n), new TensorOptional(g2), new TensorOptional(b2),
          new TensorOptional(rm), new TensorOptional(rv), true, GhostBatchNorm.MOMENTUM, GhostBatchNorm.EPS, false);
      ys.mul(weights.narrow(0, (long) s * n, n)).sum().backward();
      meanSum.add_(rm);
      varSum.add_(rv);
      float[] ysv = Tensors.toFloats(ys);
      float[] yv = Tensors.toFloats(y.narrow(0, (long) s * n, n));
      assertArrayEquals(ysv, yv, 1e-5f, "slice " + s);
      expected = ys;
    }
    assertArrayEquals(Tensors.toFloats(g2.grad()), gammaGrad, 1e-4f);
    assertArrayEquals(Tensors.toFloats(b2.grad()), betaGrad, 1e-4f);
    float[] avgMean = Tensors.toFloats(meanSum.div(new org.bytedeco.pytorch.Scalar(k)));
    float[] avgVar = Tensors.toFloats(varSum.div(new org.bytedeco.pytorch.Scalar(k)));
    assertArrayEquals(avgMean, Tensors.toFloats(reg.buffers().get(0).value()), 1e-5f);
    assertArrayEquals(avgVar, Tensors.toFloats(reg.buffers().get(1).value()), 1e-5f);
    assertEquals(k * n, y.size(0));
    assertEquals(n, expected.size(0));
  }

  @Test
  void rejectsABatchThatIsNotWholeGroups() {
    ForwardContext ctx = new ForwardContext();
    ctx.bnGroupSize(4);
    GhostBatchNorm bn = new GhostBatchNorm(new ParamRegistry(), "bn", 2, false, ctx);
    Tensor x = torch.randn(new long[] {6, 2, 2, 2}, new TensorOptions(ScalarType.Float));
    assertThrows(IllegalStateException.class, () -> bn.forward(x));
  }
}
