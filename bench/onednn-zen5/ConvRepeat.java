import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LibTorch only: the eight convolutions of a ResNet-8 of width 4 on 28x28 inputs, batch 32, each repeated
 * (args: repetitions [index]) on fixed inputs; counts runs that differ from the first, non-finite results and
 * results wrong against float64 (forward, backward-data, backward-weights). NO_MKLDNN=1 turns oneDNN off.
 * docs/RESULTS-zen5.md: with MALLOC_PERTURB_=1 and ONEDNN_PRIMITIVE_CACHE_CAPACITY=0, index 4 is wrong 30 of 30
 * times and never NaN:
 *   MALLOC_PERTURB_=1 ONEDNN_PRIMITIVE_CACHE_CAPACITY=0 java -cp "target/bigbatch.jar:$(cat target/classpath.txt)" bench/onednn-zen5/ConvRepeat.java 30 4
 */
public class ConvRepeat {
  static long[] s(long... v) { return v; }
  static TensorOptions f = new TensorOptions(ScalarType.Float);
  public static void main(String[] a) {
    int reps = Integer.parseInt(a[0]);
    torch.set_num_threads(1);
    if (System.getenv("NO_MKLDNN") != null) torch.globalContext().setUserEnabledMkldnn(false);
    // n, cin, h, cout, k, stride, pad
    int[][] cfg = {{32,1,28,4,3,1,1},{32,4,28,4,3,1,1},{32,4,28,8,3,2,1},{32,4,28,8,1,2,0},{32,8,14,8,3,1,1},{32,8,14,16,3,2,1},{32,8,14,16,1,2,0},{32,16,7,16,3,1,1}};
    String only = a.length > 1 ? a[1] : "all";
    for (int ci = 0; ci < cfg.length; ci++) {
      if (!only.equals("all") && Integer.parseInt(only) != ci) continue;
      int[] c = cfg[ci];
      torch.manual_seed(7 + ci);
      Tensor x0 = torch.randn(s(c[0], c[1], c[2], c[2]), f);
      Tensor w0 = torch.randn(s(c[3], c[1], c[4], c[4]), f);
      long oh = (c[2] + 2L * c[6] - c[4]) / c[5] + 1;
      Tensor go = torch.randn(s(c[0], c[3], oh, oh), f);
      Tensor[] ref = null;
      Tensor[] dref;
      {
        Tensor x = x0.to(ScalarType.Double); x.requires_grad_(true);
        Tensor w = w0.to(ScalarType.Double); w.requires_grad_(true);
        Tensor y = torch.conv2d(x, w, new TensorOptional(), s(c[5], c[5]), s(c[6], c[6]), s(1, 1), 1);
        y.mul(go.to(ScalarType.Double)).sum().backward();
        dref = new Tensor[]{y.detach().to(ScalarType.Float), x.grad().to(ScalarType.Float), w.grad().to(ScalarType.Float)};
      }
      int[] wrong = new int[3];
      int bad[] = new int[3], nonfinite[] = new int[3];
      for (int r = 0; r < reps; r++) {
        try (PointerScope scope = new PointerScope()) {
          Tensor x = x0.clone(); x.requires_grad_(true);
          Tensor w = w0.clone(); w.requires_grad_(true);
          Tensor y = torch.conv2d(x, w, new TensorOptional(), s(c[5], c[5]), s(c[6], c[6]), s(1, 1), 1);
          y.mul(go).sum().backward();
          Tensor[] out = {y.detach().clone(), x.grad().clone(), w.grad().clone()};
          for (int i = 0; i < 3; i++) if (!torch.isfinite(out[i]).all().item().toBool()) nonfinite[i]++;
          for (int i = 0; i < 3; i++) if (out[i].sub(dref[i]).abs().max().item().toDouble() > 1e-3 * (1 + dref[i].abs().max().item().toDouble())) wrong[i]++;
          if (ref == null) { ref = out; for (Tensor t : ref) t.retainReference(); }
          else for (int i = 0; i < 3; i++) if (!torch.equal(out[i], ref[i])) bad[i]++;
        }
      }
      System.out.printf("cfg %d %s: differ fwd %d bwd_data %d bwd_w %d; nonfinite %d %d %d; wrong vs float64 %d %d %d%n", ci, java.util.Arrays.toString(c), bad[0], bad[1], bad[2], nonfinite[0], nonfinite[1], nonfinite[2], wrong[0], wrong[1], wrong[2]);
    }
  }
}
