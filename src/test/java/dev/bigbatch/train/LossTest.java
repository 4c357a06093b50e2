package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step's loss as an extension point: label smoothing against a float64 oracle written out by hand (value and
 * gradient in the logits), and a program's loss that computes cross-entropy giving the default run bit for bit.
 */
class LossTest {
  private static final double[][] LOGITS = {{2.0, -1.0, 0.5, 0.0}, {-0.3, 0.8, 1.7, -2.2}, {0.1, 0.1, -0.4, 3.0}};
  private static final long[] LABELS = {0, 2, 1};

  /** (1 − ε)·(−log p_y) + ε·(1/C)·Σ_c −log p_c, averaged over the examples, in float64. */
  private static double oracleLoss(double eps) {
    double sum = 0;
    for (int i = 0; i < LOGITS.length; i++) {
      double[] logp = logSoftmax(LOGITS[i]);
      double uniform = 0;
      for (double lp : logp) {
        uniform -= lp / logp.length;
      }
      sum += (1 - eps) * -logp[(int) LABELS[i]] + eps * uniform;
    }
    return sum / LOGITS.length;
  }

  /** dL/dz_ic = (p_ic − q_ic)/m with q the smoothed target (1 − ε)·onehot + ε/C. */
  private static double[] oracleGradient(double eps) {
    int m = LOGITS.length;
    int classes = LOGITS[0].length;
    double[] g = new double[m * classes];
    for (int i = 0; i < m; i++) {
      double[] logp = logSoftmax(LOGITS[i]);
      for (int c = 0; c < classes; c++) {
        double target = (c == LABELS[i] ? 1 - eps : 0) + eps / classes;
        g[i * classes + c] = (Math.exp(logp[c]) - target) / m;
      }
    }
    return g;
  }

  private static double[] logSoftmax(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (double v : z) {
      s += Math.exp(v - max);
    }
    double log = max + Math.log(s);
    double[] out = new double[z.length];
    for (int c = 0; c < z.length; c++) {
      out[c] = z[c] - log;
    }
    return out;
  }

  @Test
  void labelSmoothingMatchesTheFloat64Oracle() {
    for (double eps : new double[] {0.0, 0.1, 0.5, 0.9}) {
      try (PointerScope scope = new PointerScope()) {
        float[] flat = new float[LOGITS.length * LOGITS[0].length];
        for (int i = 0; i < LOGITS.length; i++) {
          for (int c = 0; c < LOGITS[i].length; c++) {
            flat[i * LOGITS[i].length + c] = (float) LOGITS[i][c];
          }
        }
        Tensor z = Tensors.fromFloats(flat, LOGITS.length, LOGITS[0].length).set_requires_grad(true);
        Tensor loss = Loss.labelSmoothing(eps).mean(z, Tensors.fromLongs(LABELS));
        assertEquals(oracleLoss(eps), loss.item_double(), 1e-6, "loss at ε=" + eps);
        loss.backward();
        float[] grad = Tensors.toFloats(z.grad());
        double[] expected = oracleGradient(eps);
        for (int j = 0; j < expected.length; j++) {
          assertEquals(expected[j], grad[j], 1e-6, "dL/dz[" + j + "] at ε=" + eps);
        }
      }
    }
    // Control: the oracle is sensitive to ε (a smoothing that did nothing would fail above).
    assertTrue(Math.abs(oracleLoss(0.1) - oracleLoss(0)) > 1e-3);
  }

  @Test
  void zeroSmoothingIsTheCrossEntropyPathAndOutOfRangeIsRefused() {
    assertSame(Loss.CROSS_ENTROPY, Loss.labelSmoothing(0));
    assertSame(Loss.CROSS_ENTROPY, Loss.of(JobSpec.builder().build().extras()));
    for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
      assertThrows(IllegalArgumentException.class, () -> Loss.labelSmoothing(bad));
    }
  }

  /** The losses of the first steps, and the final state, of a trainer minimising {@code objective} (null: default). */
  private static List<Object> run(JobSpec c, Objective objective) {
    Model m = DistributedEquivalenceTest.model(c.seed());
    Sgd opt = DistributedEquivalenceTest.sgd(m, c);
    List<Double> losses = new ArrayList<>();
    TrainListener record = new TrainListener() {
      @Override
      public void onStep(StepMetrics s) {
        losses.add(s.loss());
      }
    };
    Trainer t = new Trainer(c, m, opt, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST,
        Replicas.single(), List.of(record)).stopAfter(4);
    if (objective != null) {
      t.objective(objective);
    }
    t.run();
    List<Object> out = new ArrayList<>(losses);
    Checkpoints.State.capture(c, m, opt, 4).tensors().forEach((name, v) -> out.add(name + "=" + java.util.Arrays.toString(v)));
    return out;
  }

  @Test
  void aProgramsCrossEntropyGivesTheDefaultRunBitForBit(@TempDir Path dir) {
    JobSpec c = DistributedEquivalenceTest.config(4, dir);
    List<Object> builtIn = run(c, null);
    List<Object> user = run(c, Objective.of((logits, labels) -> torch.cross_entropy(logits, labels)));
    assertEquals(builtIn, user, "a user loss equal to cross-entropy: same losses and parameters, bit for bit");
    // Control: a different loss changes the run, so the comparison above can fail.
    JobSpec.Builder b = c.toBuilder();
    b.extras.labelSmoothing = 0.1;
    assertTrue(!builtIn.equals(run(b.build(), null)), "--label-smoothing 0.1 changes the run");
  }
}
