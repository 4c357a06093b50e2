import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
/**
 * LibTorch only: whole channel blocks (16, 32, 48, 64) with kernels 1, 3, 5, 7 and strides 1, 2 on sizes 7–28,
 * float32 forward/backward vs float64; args: rounds threads. docs/RESULTS-zen5.md, run with
 * ONEDNN_PRIMITIVE_CACHE_CAPACITY=0 java -cp "target/bigbatch.jar:$(cat target/classpath.txt)" bench/onednn-zen5/ConvSweepBlocks.java 3 1
 */
public class ConvSweepBlocks {
  static long[] s(long... v) { return v; }
  public static void main(String[] a) {
    torch.set_num_threads(Integer.parseInt(a[1]));
    int reps = Integer.parseInt(a[0]);
    int[] chans = {16, 32, 48, 64};
    int[][] geo = {{3,1,1},{3,2,1},{1,1,0},{1,2,0},{5,1,2},{7,2,3}};
    int[] sizes = {7, 8, 14, 28};
    int wrongCount = 0, total = 0;
    for (int rep = 0; rep < reps; rep++)
    for (int ci : chans) for (int co : chans) for (int[] g : geo) for (int h : sizes) {
      try (PointerScope sc = new PointerScope()) {
        torch.manual_seed(ci * 1000 + co + rep);
        int n = 1 + rep % 8;
        Tensor x = torch.randn(s(n, ci, h, h)), w = torch.randn(s(co, ci, g[0], g[0]));
        long oh = (h + 2 * g[2] - g[0]) / g[1] + 1;
        Tensor go = torch.randn(s(n, co, oh, oh));
        double[] err = new double[3];
        Tensor[][] r = new Tensor[2][];
        for (int d = 0; d < 2; d++) {
          ScalarType t = d == 0 ? ScalarType.Float : ScalarType.Double;
          Tensor xx = x.to(t).detach().clone(); xx.requires_grad_(true);
          Tensor ww = w.to(t).detach().clone(); ww.requires_grad_(true);
          Tensor y = torch.conv2d(xx, ww, new TensorOptional(), s(g[1], g[1]), s(g[2], g[2]), s(1, 1), 1);
          y.mul(go.to(t)).sum().backward();
          r[d] = new Tensor[]{y.detach().to(ScalarType.Double), xx.grad().to(ScalarType.Double), ww.grad().to(ScalarType.Double)};
        }
        boolean bad = false;
        for (int i = 0; i < 3; i++) { err[i] = r[0][i].sub(r[1][i]).abs().max().item().toDouble() / r[1][i].abs().max().item().toDouble(); if (!(err[i] < 1e-4)) bad = true; }
        total++;
        if (bad) { wrongCount++; System.out.printf("WRONG n %d ci %d co %d k%d s%d h%d: fwd %.2g bwd_data %.2g bwd_w %.2g%n", n, ci, co, g[0], g[1], h, err[0], err[1], err[2]); }
      }
    }
    System.out.println("wrong " + wrongCount + " of " + total);
  }
}
