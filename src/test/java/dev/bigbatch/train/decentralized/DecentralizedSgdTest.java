package dev.bigbatch.train.decentralized;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.LocalWorld;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.model.ParamGroup;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.SyncSpec;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DmSGD and DecentLaM over real TCP gossip (one thread per rank) against float64 oracles: an explicit
 * re-computation of the paper's updates with the mixing matrix written out by hand, and the closed-form
 * fixed points on a quadratic with a different optimum per replica.
 */
class DecentralizedSgdTest {
  /**
   * Replica r's loss: Σ_e a_r[e]·x[e]²/2 + b_{r,t}[e]·x[e], so its gradient is a_r ⊙ x + b_{r,t}. Elements
   * 0..5 form a 2×3 weight (weight decay applies), 6..8 a bias (no weight decay).
   */
  interface Problem {
    double a(int rank, int e);

    double b(int rank, int step, int e);

    double init(int rank, int e);
  }

  static final int WEIGHT = 6;
  static final int N = 9;

  static final Problem MIXED = new Problem() {
    public double a(int r, int e) {
      return 0.5 + 0.25 * ((r + e) % 3);
    }

    public double b(int r, int t, int e) {
      return Math.cos(r + 2 * e + 3 * t);
    }

    public double init(int r, int e) {
      return Math.sin(1 + 7 * r + e);
    }
  };

  /** Runs {@code lrs.length} steps on {@code p} ranks; returns each rank's final x (9 values). */
  static List<double[]> train(int p, SyncSpec.Topology kind, DecentralizedSgd.Options opts, Problem pr, double[] lrs)
      throws Exception {
    return LocalWorld.run(p, LocalWorld.testOptions(), comm -> {
      int r = comm.rank();
      float[] w0 = new float[WEIGHT];
      float[] b0 = new float[N - WEIGHT];
      for (int e = 0; e < N; e++) {
        if (e < WEIGHT) {
          w0[e] = (float) pr.init(r, e);
        } else {
          b0[e - WEIGHT] = (float) pr.init(r, e);
        }
      }
      List<ModelParameter> params = List.of(
          new ModelParameter("w", Tensors.fromFloats(w0, 2, 3).set_requires_grad(true), ParamGroup.WEIGHT),
          new ModelParameter("b", Tensors.fromFloats(b0, 3).set_requires_grad(true), ParamGroup.BIAS_OR_NORM));
      DecentralizedSgd opt = new DecentralizedSgd(params, opts, new Gossip(comm, Topology.of(kind, p)));
      for (int t = 0; t < lrs.length; t++) {
        Optimizer.zeroGrad(params);
        Tensor loss = null;
        int off = 0;
        for (ModelParameter prm : params) {
          int n = (int) prm.numel();
          float[] a = new float[n];
          float[] b = new float[n];
          for (int e = 0; e < n; e++) {
            a[e] = (float) pr.a(r, off + e);
            b[e] = (float) pr.b(r, t, off + e);
          }
          long[] shape = Tensors.shape(prm.value());
          Tensor x = prm.value();
          Tensor term = x.square().mul(Tensors.fromFloats(a, shape)).mul(new Scalar(0.5))
              .add(x.mul(Tensors.fromFloats(b, shape))).sum();
          loss = loss == null ? term : loss.add(term);
          off += n;
        }
        loss.backward();
        opt.step(lrs[t]);
      }
      double[] out = new double[N];
      int off = 0;
      for (ModelParameter prm : params) {
        float[] v = Tensors.toFloats(prm.value());
        for (int e = 0; e < v.length; e++) {
          out[off + e] = v[e];
        }
        off += v.length;
      }
      return out;
    });
  }

  /** The mixing matrices written out by hand (not from Topology): P = 4, weights 1/3. */
  static double[][] handW(String kind) {
    double[][] w = new double[4][4];
    for (int i = 0; i < 4; i++) {
      int[] from = kind.equals("RING") ? new int[] {i, (i + 3) % 4, (i + 1) % 4} : new int[] {i, (i + 3) % 4, (i + 2) % 4};
      for (int j : from) {
        w[i][j] = 1.0 / 3;
      }
    }
    return w;
  }

  /** The paper's updates in float64 for all replicas at once. */
  static double[][] reference(double[][] w, DecentralizedSgd.Options o, Problem pr, double[] lrs) {
    int p = w.length;
    double[][] x = new double[p][N];
    double[][] m = new double[p][N];
    for (int i = 0; i < p; i++) {
      for (int e = 0; e < N; e++) {
        x[i][e] = (float) pr.init(i, e);
      }
    }
    double beta = o.momentum();
    for (int t = 0; t < lrs.length; t++) {
      double g = lrs[t];
      double[][] d = new double[p][N];
      double[][] y = new double[p][N];
      for (int i = 0; i < p; i++) {
        for (int e = 0; e < N; e++) {
          double lambda = e < WEIGHT ? o.weightDecay() : 0;
          d[i][e] = (float) pr.a(i, e) * x[i][e] + (float) pr.b(i, t, e) + lambda * x[i][e];
          if (o.method() == SyncSpec.Method.DMSGD) {
            m[i][e] = beta * m[i][e] + d[i][e];
            y[i][e] = x[i][e] - g * (o.nesterov() ? d[i][e] + beta * m[i][e] : m[i][e]);
          } else {
            y[i][e] = x[i][e] - g * d[i][e];
          }
        }
      }
      for (int i = 0; i < p; i++) {
        for (int e = 0; e < N; e++) {
          double z = 0;
          for (int j = 0; j < p; j++) {
            z += w[i][j] * y[j][e];
          }
          if (o.method() == SyncSpec.Method.DMSGD) {
            x[i][e] = z;
          } else {
            double gTilde = (x[i][e] - z) / g;
            m[i][e] = beta * m[i][e] + gTilde;
            x[i][e] -= g * (o.nesterov() ? gTilde + beta * m[i][e] : m[i][e]);
          }
        }
      }
    }
    return x;
  }

  @ParameterizedTest(name = "{0} {1} nesterov={2}")
  @CsvSource({"DECENTLAM, RING, false", "DECENTLAM, EXP, true", "DMSGD, RING, true", "DMSGD, EXP, false"})
  void fourStepsMatchTheFloat64Reference(SyncSpec.Method method, SyncSpec.Topology kind, boolean nesterov)
      throws Exception {
    var opts = new DecentralizedSgd.Options(method, 0.9, 0.01, nesterov, false);
    double[] lrs = {0.1, 0.2, 0.15, 0.05}; // a schedule: the lr changes every step
    List<double[]> actual = train(4, kind, opts, MIXED, lrs);
    double[][] expected = reference(handW(kind.name()), opts, MIXED, lrs);
    for (int i = 0; i < 4; i++) {
      for (int e = 0; e < N; e++) {
        assertEquals(expected[i][e], actual.get(i)[e], 2e-5, "rank " + i + " element " + e);
      }
    }
    // the replicas are not identical (else the test would not test the mixing)
    assertTrue(Math.abs(actual.get(0)[0] - actual.get(2)[0]) > 1e-3);
  }

  /** f_i(x) = ½||x − c_i||²: replica optima differ, so gossip cannot reach exact consensus. */
  static Problem quadratic(double[][] c) {
    return new Problem() {
      public double a(int r, int e) {
        return 1;
      }

      public double b(int r, int t, int e) {
        return -c[r][e];
      }

      public double init(int r, int e) {
        return 0.3 * Math.sin(3 * r + e);
      }
    };
  }

  static double consensusDistance(List<double[]> x) {
    int p = x.size();
    double total = 0;
    for (int e = 0; e < N; e++) {
      double mean = 0;
      for (double[] xi : x) {
        mean += xi[e] / p;
      }
      for (double[] xi : x) {
        total += (xi[e] - mean) * (xi[e] - mean);
      }
    }
    return total / p;
  }

  @Test
  void onAHeterogeneousQuadraticBothReachTheirClosedFormFixedPointAndDecentLamHasTheSmallerBias() throws Exception {
    int p = 4;
    double gamma = 0.05;
    double beta = 0.9;
    double[][] c = new double[p][N];
    for (int i = 0; i < p; i++) {
      for (int e = 0; e < N; e++) {
        c[i][e] = Math.cos(2 * i + e) * (1 + i);
      }
    }
    double[] lrs = new double[400];
    java.util.Arrays.fill(lrs, gamma);
    double[][] w = handW("RING");
    // Fixed points, per coordinate: DmSGD (I − (1−a)W) x = a W c with a = γ/(1−β); DecentLaM the same with a = γ.
    double[][] dmsgdStar = fixedPoint(w, c, gamma / (1 - beta));
    double[][] lamStar = fixedPoint(w, c, gamma);
    List<double[]> dmsgd = train(p, SyncSpec.Topology.RING,
        new DecentralizedSgd.Options(SyncSpec.Method.DMSGD, beta, 0, false, false), quadratic(c), lrs);
    List<double[]> lam = train(p, SyncSpec.Topology.RING,
        new DecentralizedSgd.Options(SyncSpec.Method.DECENTLAM, beta, 0, false, false), quadratic(c), lrs);
    for (int i = 0; i < p; i++) {
      for (int e = 0; e < N; e++) {
        assertEquals(dmsgdStar[i][e], dmsgd.get(i)[e], 1e-4, "DmSGD rank " + i + " element " + e);
        assertEquals(lamStar[i][e], lam.get(i)[e], 1e-4, "DecentLaM rank " + i + " element " + e);
      }
    }
    double dDmsgd = consensusDistance(dmsgd);
    double dLam = consensusDistance(lam);
    // The momentum-amplified inconsistency bias: ≈ (1/(1−β))² = 100× in squared distance for small steps.
    assertTrue(dDmsgd > 20 * dLam, "DmSGD consensus distance " + dDmsgd + " vs DecentLaM " + dLam);
  }

  @Test
  void consensusDistanceShrinksToZeroWhenTheReplicasShareTheOptimum() throws Exception {
    int p = 4;
    double[][] c = new double[p][N];
    for (int i = 0; i < p; i++) {
      for (int e = 0; e < N; e++) {
        c[i][e] = Math.cos(e); // same optimum everywhere; replicas start apart
      }
    }
    Problem pr = quadratic(c);
    List<double[]> start = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      double[] x0 = new double[N];
      for (int e = 0; e < N; e++) {
        x0[e] = (float) pr.init(i, e);
      }
      start.add(x0);
    }
    double d0 = consensusDistance(start);
    double[] lrs = new double[200];
    java.util.Arrays.fill(lrs, 0.05);
    for (SyncSpec.Method method : SyncSpec.Method.values()) {
      List<double[]> end = train(p, SyncSpec.Topology.RING, new DecentralizedSgd.Options(method, 0.9, 0, false, false), pr, lrs);
      double d = consensusDistance(end);
      assertTrue(d < 1e-8 * d0, method + ": consensus distance " + d0 + " → " + d);
      for (int e = 0; e < N; e++) {
        assertEquals(Math.cos(e), end.get(0)[e], 1e-4, method + " reaches the optimum");
      }
    }
  }

  /** Solves (I − (1−a)W) x = a W c for each coordinate (Gaussian elimination, float64). */
  static double[][] fixedPoint(double[][] w, double[][] c, double a) {
    int p = w.length;
    double[][] x = new double[p][N];
    for (int e = 0; e < N; e++) {
      double[][] m = new double[p][p + 1];
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          m[i][j] = (i == j ? 1 : 0) - (1 - a) * w[i][j];
          m[i][p] += a * w[i][j] * c[j][e];
        }
      }
      for (int col = 0; col < p; col++) {
        int piv = col;
        for (int r = col + 1; r < p; r++) {
          if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
            piv = r;
          }
        }
        double[] tmp = m[col];
        m[col] = m[piv];
        m[piv] = tmp;
        for (int r = 0; r < p; r++) {
          if (r != col) {
            double f = m[r][col] / m[col][col];
            for (int k = col; k <= p; k++) {
              m[r][k] -= f * m[col][k];
            }
          }
        }
      }
      for (int i = 0; i < p; i++) {
        x[i][e] = m[i][p] / m[i][i];
      }
    }
    return x;
  }
}
