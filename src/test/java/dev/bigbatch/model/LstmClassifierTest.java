package dev.bigbatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.engine.Torch;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** LstmClassifier: shapes and groups, forward against a plain-Java LSTM, gradients against finite differences. */
class LstmClassifierTest {
  private static final Models.InputSpec FMNIST = new Models.InputSpec(1, 28, 28, 10);

  @Test
  void mnistLstmShapesNamesAndGroups() {
    Torch.seed(0);
    Model m = Models.create("lstm", FMNIST, 16, true); // hidden = 8·16 = 128, LEGW's MNIST-LSTM
    int h = 128;
    assertEquals(4L * h * 28 + 4L * h * h + 2 * 4L * h + 10L * h + 10, m.paramCount(), m.describe());
    List<ModelParameter> ps = m.params();
    assertEquals(List.of("lstm.weight_ih", "lstm.weight_hh", "lstm.bias_ih", "lstm.bias_hh", "fc.weight", "fc.bias"),
        ps.stream().map(ModelParameter::name).toList());
    assertEquals(List.of(ParamGroup.WEIGHT, ParamGroup.WEIGHT, ParamGroup.BIAS_OR_NORM, ParamGroup.BIAS_OR_NORM,
        ParamGroup.WEIGHT, ParamGroup.BIAS_OR_NORM), ps.stream().map(ModelParameter::group).toList());
    Tensor y = m.forward(torch.randn(new long[] {5, 1, 28, 28}, new TensorOptions(ScalarType.Float)));
    assertEquals(5, y.size(0));
    assertEquals(10, y.size(1));
    assertThrows(IllegalArgumentException.class,
        () -> m.forward(torch.randn(new long[] {2, 1, 28, 27}, new TensorOptions(ScalarType.Float))));
  }

  @Test
  void forwardMatchesAPlainJavaLstmOverRows() {
    Torch.seed(3);
    int c = 2;
    int rows = 4;
    int cols = 3;
    int hidden = 5;
    int classes = 3;
    LstmClassifier m = new LstmClassifier(c * cols, hidden, classes);
    Tensor x = torch.randn(new long[] {2, c, rows, cols}, new TensorOptions(ScalarType.Float));
    float[] logits = Tensors.toFloats(m.forward(x));
    float[] in = Tensors.toFloats(x);
    float[][] p = new float[6][];
    for (int i = 0; i < 6; i++) {
      p[i] = Tensors.toFloats(m.params().get(i).value());
    }
    int f = c * cols;
    for (int b = 0; b < 2; b++) {
      double[] hs = new double[hidden];
      double[] cs = new double[hidden];
      for (int t = 0; t < rows; t++) {
        double[] xt = new double[f]; // row t of every channel, channels concatenated
        for (int ch = 0; ch < c; ch++) {
          for (int j = 0; j < cols; j++) {
            xt[ch * cols + j] = in[((b * c + ch) * rows + t) * cols + j];
          }
        }
        double[] gates = new double[4 * hidden];
        for (int r = 0; r < 4 * hidden; r++) {
          double s = p[2][r] + p[3][r];
          for (int j = 0; j < f; j++) {
            s += p[0][r * f + j] * xt[j];
          }
          for (int j = 0; j < hidden; j++) {
            s += p[1][r * hidden + j] * hs[j];
          }
          gates[r] = s;
        }
        for (int j = 0; j < hidden; j++) {
          double ig = sigmoid(gates[j]);
          double fg = sigmoid(gates[hidden + j]);
          double gg = Math.tanh(gates[2 * hidden + j]);
          double og = sigmoid(gates[3 * hidden + j]);
          cs[j] = fg * cs[j] + ig * gg;
          hs[j] = og * Math.tanh(cs[j]);
        }
      }
      for (int k = 0; k < classes; k++) {
        double s = p[5][k];
        for (int j = 0; j < hidden; j++) {
          s += p[4][k * hidden + j] * hs[j];
        }
        assertEquals(s, logits[b * classes + k], 1e-5, "batch " + b + " class " + k);
      }
    }
  }

  @Test
  void gradientsMatchCentralFiniteDifferencesInFloat64() {
    Torch.seed(7);
    LstmClassifier m = new LstmClassifier(3, 4, 3, ScalarType.Double);
    Tensor x = torch.randn(new long[] {2, 1, 5, 3}, new TensorOptions(ScalarType.Double));
    Tensor y = Tensors.fromLongs(new long[] {2, 0});
    torch.cross_entropy(m.forward(x), y).backward();
    double h = 1e-6;
    int checked = 0;
    for (ModelParameter p : m.params()) {
      Tensor flat = p.value().detach().view(-1); // shares storage with the parameter
      Tensor grad = p.value().grad().view(-1);
      for (long i = 0; i < flat.numel(); i++) {
        double plus;
        double minus;
        try (NoGradGuard g = new NoGradGuard()) {
          flat.select(0, i).add_(new Scalar(h));
          plus = torch.cross_entropy(m.forward(x), y).item_double();
          flat.select(0, i).sub_(new Scalar(2 * h));
          minus = torch.cross_entropy(m.forward(x), y).item_double();
          flat.select(0, i).add_(new Scalar(h));
        }
        double numeric = (plus - minus) / (2 * h);
        double analytic = grad.select(0, i).item_double();
        assertEquals(numeric, analytic, 1e-7 + 1e-5 * Math.abs(numeric), p.name() + "[" + i + "]");
        checked++;
      }
    }
    assertEquals(4 * 4 * 3 + 4 * 4 * 4 + 2 * 4 * 4 + 3 * 4 + 3, checked);
    assertTrue(m.describe().startsWith("lstm(features=3, hidden=4)"), m.describe());
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
