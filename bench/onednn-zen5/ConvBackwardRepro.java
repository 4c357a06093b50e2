import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Minimal reproduction for upstream (LibTorch 2.10 / oneDNN 3.7.1 through the JavaCPP presets, no bigbatch code):
 * the input gradient of one 3x3 convolution, 8 -> 8 channels, 14x14, batch 4, stride 1, padding 1, one thread,
 * against float64. On the affected machine (docs/RESULTS-zen5.md) oneDNN picks jit:avx512_core backward_data and
 * every element is wrong, NaN in some runs; with ONEDNN_MAX_CPU_ISA=SSE41 (gemm:jit) none is.
 *   java -cp "target/bigbatch.jar:$(cat target/classpath.txt)" bench/onednn-zen5/ConvBackwardRepro.java
 */
public class ConvBackwardRepro {
  public static void main(String[] args) {
    torch.set_num_threads(1);
    torch.manual_seed(3);
    Tensor w = torch.randn(8, 8, 3, 3);
    Tensor gradOut = torch.randn(4, 8, 14, 14);
    Tensor[] gradIn = new Tensor[2];
    ScalarType[] types = {ScalarType.Float, ScalarType.Double};
    for (int i = 0; i < 2; i++) {
      Tensor x = torch.zeros(new long[] {4, 8, 14, 14}, new TensorOptions(types[i]));
      x.requires_grad_(true);
      Tensor y = torch.conv2d(x, w.to(types[i]), new TensorOptional(), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
      y.mul(gradOut.to(types[i])).sum().backward();
      gradIn[i] = x.grad().to(ScalarType.Double);
    }
    Tensor bad = gradIn[0].sub(gradIn[1]).abs().gt(new Scalar(1e-3)).logical_or(gradIn[0].isnan());
    System.out.printf("input gradient: %d of %d elements wrong (largest reference magnitude %.3f, largest error %.3f)%n",
        bad.sum().item().toLong(), bad.numel(), gradIn[1].abs().max().item().toDouble(),
        gradIn[0].sub(gradIn[1]).abs().max().item().toDouble());
  }
}
