package dev.bigbatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** GP regression against independent float64 references: a hand-solved 2×2 case and a Gauss-Jordan inverse. */
class GaussianProcessTest {
  private static double rbf(double a, double b, double l) {
    return Math.exp(-(a - b) * (a - b) / (2 * l * l));
  }

  @Test
  void twoPointPosteriorMatchesTheHandSolvedCase() {
    double l = 0.3;
    double s2 = 2.0;
    double n2 = 0.5;
    double m = 1.0;
    double[] x = {0.0, 0.2};
    double[] y = {3.0, -1.0};
    // K = s²[[1, ρ], [ρ, 1]], A = K + σ²I = [[a, c], [c, a]], A⁻¹ = [[a, −c], [−c, a]] / (a² − c²).
    double rho = Math.exp(-0.04 / (2 * l * l));
    double a = s2 + n2;
    double c = s2 * rho;
    double det = a * a - c * c;
    double r0 = y[0] - m;
    double r1 = y[1] - m;
    double alpha0 = (a * r0 - c * r1) / det;
    double alpha1 = (-c * r0 + a * r1) / det;
    double mean0 = m + s2 * alpha0 + c * alpha1;
    double mean1 = m + c * alpha0 + s2 * alpha1;
    // Σ = K − K A⁻¹ K; entry (0,0) = s² − (s²·(a·s² − c·c) + c·(−c·s² + a·c)) / det
    double var0 = s2 - (s2 * (a * s2 - c * c) + c * (-c * s2 + a * c)) / det;
    double cov01 = c - (s2 * (a * c - c * s2) + c * (-c * c + a * s2)) / det;

    GaussianProcess.Posterior p = GaussianProcess.posterior(x, y, l, m, s2, n2);
    assertEquals(mean0, p.mean()[0], 1e-12);
    assertEquals(mean1, p.mean()[1], 1e-12);
    assertEquals(var0, p.covariance()[0][0], 1e-12);
    assertEquals(var0, p.covariance()[1][1], 1e-12); // symmetric design
    assertEquals(cov01, p.covariance()[0][1], 1e-12);
  }

  @Test
  void posteriorMatchesADirectMatrixInverse() {
    Random r = new Random(7);
    int n = 9;
    double l = 0.25;
    double s2 = 0.7;
    double n2 = 0.05;
    double m = 0.3;
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i / (n - 1.0) + 0.01 * r.nextGaussian();
      y[i] = Math.sin(3 * x[i]) + 0.2 * r.nextGaussian();
    }
    double[][] k = new double[n][n];
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        k[i][j] = s2 * rbf(x[i], x[j], l);
        a[i][j] = k[i][j] + (i == j ? n2 : 0);
      }
    }
    double[][] inv = gaussJordanInverse(a);
    double[][] kInv = multiply(k, inv);
    double[][] kInvK = multiply(kInv, k);
    GaussianProcess.Posterior p = GaussianProcess.posterior(x, y, l, m, s2, n2);
    for (int i = 0; i < n; i++) {
      double mean = m;
      for (int j = 0; j < n; j++) {
        mean += kInv[i][j] * (y[j] - m);
      }
      assertEquals(mean, p.mean()[i], 1e-9, "mean " + i);
      for (int j = 0; j < n; j++) {
        assertEquals(k[i][j] - kInvK[i][j], p.covariance()[i][j], 1e-9, "cov " + i + "," + j);
      }
    }
  }

  @Test
  void fittedSmoothingRemovesMostOfTheNoise() {
    for (long seed = 1; seed <= 5; seed++) {
      Random r = new Random(seed);
      int n = 80;
      double[] x = new double[n];
      double[] f = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = i / (n - 1.0);
        f[i] = 2 - 1.5 * x[i] + Math.pow(x[i] - 0.6, 2) * 3;
        y[i] = f[i] + 0.15 * r.nextGaussian();
      }
      GaussianProcess.Posterior p = GaussianProcess.fit(x, y, 0.2);
      double raw = 0;
      double smooth = 0;
      for (int i = 0; i < n; i++) {
        raw += (y[i] - f[i]) * (y[i] - f[i]);
        smooth += (p.mean()[i] - f[i]) * (p.mean()[i] - f[i]);
      }
      assertTrue(smooth < 0.2 * raw, "seed " + seed + ": smoothed error " + smooth + " vs raw " + raw);
      double noiseSd = Math.sqrt(p.noiseVariance());
      assertTrue(noiseSd > 0.1 && noiseSd < 0.2, "fitted noise sd " + noiseSd + " (true 0.15)");
    }
  }

  @Test
  void normalCdfMatchesTabulatedValues() {
    assertEquals(0.5, GaussianProcess.normalCdf(0), 1e-7);
    assertEquals(0.975, GaussianProcess.normalCdf(1.959963984540054), 1e-7);
    assertEquals(0.15865525393145707, GaussianProcess.normalCdf(-1), 1e-7);
    assertEquals(0.9986501019683699, GaussianProcess.normalCdf(3), 1e-7);
    assertEquals(0.0013498980316301, GaussianProcess.normalCdf(-3), 1e-7);
  }

  static double[][] gaussJordanInverse(double[][] m) {
    int n = m.length;
    double[][] a = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, a[i], 0, n);
      a[i][n + i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int piv = col;
      for (int i = col + 1; i < n; i++) {
        if (Math.abs(a[i][col]) > Math.abs(a[piv][col])) {
          piv = i;
        }
      }
      double[] t = a[col];
      a[col] = a[piv];
      a[piv] = t;
      double d = a[col][col];
      for (int j = 0; j < 2 * n; j++) {
        a[col][j] /= d;
      }
      for (int i = 0; i < n; i++) {
        if (i != col) {
          double f = a[i][col];
          for (int j = 0; j < 2 * n; j++) {
            a[i][j] -= f * a[col][j];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], n, inv[i], 0, n);
    }
    return inv;
  }

  static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length;
    int m = b[0].length;
    double[][] c = new double[n][m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        for (int p = 0; p < b.length; p++) {
          c[i][j] += a[i][p] * b[p][j];
        }
      }
    }
    return c;
  }
}
