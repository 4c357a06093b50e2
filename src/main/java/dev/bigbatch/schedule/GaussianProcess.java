package dev.bigbatch.schedule;

/**
 * Gaussian-process regression of a noisy 1-d curve y(x), as AutoWU uses it to smooth the training loss
 * (Kim et al. 2021, §3.2; Rasmussen &amp; Williams 2006, Alg. 2.1). Model: y_i = f(x_i) + ε_i with
 * f ~ GP(m, s²·R), R(x, x') = exp(−(x − x')² / (2ℓ²)) (squared exponential, lengthscale ℓ fixed by the
 * caller) and ε_i ~ N(0, σ²) i.i.d.
 *
 * <p>Hyperparameters. The constant mean m is the sample mean of y. Writing r = σ²/s², the covariance of y is
 * s²·(R + rI), and for a fixed r the maximum-likelihood s² has the closed form s² = (y−m)ᵀ(R+rI)⁻¹(y−m)/n, so
 * the log marginal likelihood is maximised over r alone on a log grid ({@link #NOISE_RATIOS}), one Cholesky
 * factorisation (n³/3 flops) per grid point. (The paper fits mean, output scale and noise by 100 Adam steps on
 * the marginal likelihood, with ℓ fixed too; a grid over the one free ratio is deterministic and cheap.)
 *
 * <p>Posterior of the latent f at the training inputs (what {@link #fit} returns), with A = R + rI:
 * mean μ = m + R·A⁻¹·(y − m), covariance Σ = s²·(R − R·A⁻¹·R). Pure float64 Java, no hidden state.
 */
public final class GaussianProcess {
  /** Candidate noise-to-signal variance ratios r = σ²/s²: 10^-4 … 10^2 in steps of 10^0.5. */
  static final double[] NOISE_RATIOS = logGrid(-4, 2, 0.5);

  private GaussianProcess() {}

  /**
   * Posterior mean and covariance of f at the training inputs, and the hyperparameters. The mean costs
   * nothing more; each covariance entry is s²·(R_ij − v_i·v_j) with v_i = L⁻¹R_i, O(n) on demand.
   */
  public static final class Posterior {
    private final double[] mean;
    private final double[][] corr;
    private final double[][] v;
    private final double signalVariance;
    private final double noiseVariance;

    Posterior(double[] mean, double[][] corr, double[][] v, double signalVariance, double noiseVariance) {
      this.mean = mean;
      this.corr = corr;
      this.v = v;
      this.signalVariance = signalVariance;
      this.noiseVariance = noiseVariance;
    }

    public double[] mean() {
      return mean.clone();
    }

    public double mean(int i) {
      return mean[i];
    }

    /** Posterior covariance of f(x_i) and f(x_j). */
    public double covariance(int i, int j) {
      return v == null ? 0 : signalVariance * (corr[i][j] - dot(v[i], v[j]));
    }

    /** The whole posterior covariance matrix (O(n³)). */
    public double[][] covariance() {
      int n = mean.length;
      double[][] c = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          c[i][j] = covariance(i, j);
        }
      }
      return c;
    }

    public double signalVariance() {
      return signalVariance;
    }

    public double noiseVariance() {
      return noiseVariance;
    }
  }

  /** Fits s² and σ² by maximum likelihood (mean = sample mean) and returns the posterior at {@code x}. */
  public static Posterior fit(double[] x, double[] y, double lengthscale) {
    int n = check(x, y, lengthscale);
    double m = 0;
    for (double v : y) {
      m += v;
    }
    m /= n;
    double[] centred = new double[n];
    for (int i = 0; i < n; i++) {
      centred[i] = y[i] - m;
    }
    double[][] corr = correlation(x, lengthscale);
    double bestLik = Double.NEGATIVE_INFINITY;
    double bestRatio = NOISE_RATIOS[NOISE_RATIOS.length - 1];
    for (double r : NOISE_RATIOS) {
      double[][] l = cholesky(corr, r);
      if (l == null) {
        continue;
      }
      double quad = dot(centred, solve(l, centred));
      double logDet = 0;
      for (int i = 0; i < n; i++) {
        logDet += 2 * Math.log(l[i][i]);
      }
      double s2 = Math.max(quad / n, 1e-300);
      double lik = -0.5 * n * Math.log(s2) - 0.5 * logDet; // profile log-likelihood up to a constant
      if (lik > bestLik) {
        bestLik = lik;
        bestRatio = r;
      }
    }
    double[][] l = cholesky(corr, bestRatio);
    double s2 = dot(centred, solve(l, centred)) / n;
    if (!(s2 > 0)) { // a constant curve: the posterior is the constant itself, with no uncertainty
      double[] mean = new double[n];
      java.util.Arrays.fill(mean, m);
      return new Posterior(mean, corr, null, 0, 0);
    }
    return posterior(corr, l, centred, m, s2, bestRatio * s2);
  }

  /** Posterior for given hyperparameters (for tests and callers that fix them): mean m, s², σ² &gt; 0. */
  public static Posterior posterior(double[] x, double[] y, double lengthscale, double mean, double signalVariance,
      double noiseVariance) {
    int n = check(x, y, lengthscale);
    LrSchedule.requirePositive(signalVariance, "GP signal variance");
    LrSchedule.requirePositive(noiseVariance, "GP noise variance");
    double[][] corr = correlation(x, lengthscale);
    double r = noiseVariance / signalVariance;
    double[][] l = cholesky(corr, r);
    if (l == null) {
      throw new IllegalArgumentException("GP covariance is not positive definite (noise ratio " + r + ")");
    }
    double[] centred = new double[n];
    for (int i = 0; i < n; i++) {
      centred[i] = y[i] - mean;
    }
    return posterior(corr, l, centred, mean, signalVariance, noiseVariance);
  }

  private static Posterior posterior(double[][] corr, double[][] l, double[] centred, double m, double s2, double noise) {
    int n = centred.length;
    double[] alpha = solve(l, centred); // A⁻¹(y − m)
    double[] mean = new double[n];
    for (int i = 0; i < n; i++) {
      mean[i] = m + dot(corr[i], alpha);
    }
    // Σ = s²(R − Vᵀ V) with V = L⁻¹ R (columns by forward substitution).
    double[][] v = new double[n][];
    for (int j = 0; j < n; j++) {
      v[j] = forward(l, corr[j]); // R is symmetric: column j = row j
    }
    return new Posterior(mean, corr, v, s2, noise);
  }

  /** Standard normal CDF Φ(z) = erfc(−z/√2)/2 (Numerical Recipes' erfc, fractional error &lt; 1.2e-7). */
  public static double normalCdf(double z) {
    double u = -z / Math.sqrt(2);
    double t = 1 / (1 + 0.5 * Math.abs(u));
    double erfc = t * Math.exp(-u * u - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return 0.5 * (u >= 0 ? erfc : 2 - erfc);
  }

  private static int check(double[] x, double[] y, double lengthscale) {
    if (x.length != y.length || x.length == 0) {
      throw new IllegalArgumentException("GP needs as many inputs as targets (> 0), got " + x.length + " and " + y.length);
    }
    LrSchedule.requirePositive(lengthscale, "GP lengthscale");
    return x.length;
  }

  private static double[][] correlation(double[] x, double lengthscale) {
    int n = x.length;
    double[][] k = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double d = (x[i] - x[j]) / lengthscale;
        k[i][j] = Math.exp(-0.5 * d * d);
      }
    }
    return k;
  }

  /** Lower Cholesky factor of R + rI, or null when it is not numerically positive definite. */
  private static double[][] cholesky(double[][] corr, double ratio) {
    int n = corr.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = corr[i][j] + (i == j ? ratio : 0);
        for (int p = 0; p < j; p++) {
          s -= l[i][p] * l[j][p];
        }
        if (i == j) {
          if (!(s > 1e-12)) {
            return null;
          }
          l[i][i] = Math.sqrt(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
    return l;
  }

  private static double[] forward(double[][] l, double[] b) {
    int n = b.length;
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      for (int p = 0; p < i; p++) {
        s -= l[i][p] * z[p];
      }
      z[i] = s / l[i][i];
    }
    return z;
  }

  /** A⁻¹b for A = L·Lᵀ. */
  private static double[] solve(double[][] l, double[] b) {
    double[] z = forward(l, b);
    int n = b.length;
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = z[i];
      for (int p = i + 1; p < n; p++) {
        s -= l[p][i] * x[p];
      }
      x[i] = s / l[i][i];
    }
    return x;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double[] logGrid(double fromExp, double toExp, double stepExp) {
    int count = (int) Math.round((toExp - fromExp) / stepExp) + 1;
    double[] g = new double[count];
    for (int i = 0; i < count; i++) {
      g[i] = Math.pow(10, fromExp + i * stepExp);
    }
    return g;
  }
}
