package dev.bigbatch.schedule;

import java.util.Arrays;
import java.util.Optional;

/**
 * AutoWU (Kim, Kim, Kim, Lee &amp; Kim 2021, "Automated Learning Rate Scheduler for Large-batch Training"):
 * an exponential warmup that runs while the Gaussian-process-smoothed training loss keeps falling, then a
 * predefined decay to zero over the rest of the step budget.
 *
 * <p><b>Warmup</b> (paper eq. 1): η_t = η_start · γ^t with γ = (η_max/η_start)^(1/W), W = ⌊f·T⌋ the maximum
 * warmup length (f = {@code maxWarmupFraction}, T = total steps): the rate would reach η_max exactly at the cap.
 *
 * <p><b>Minimum test</b> (paper §3.2), every {@code testEvery} steps once {@value #MIN_POINTS} losses are in:
 * a {@link GaussianProcess} is fitted to the warmup's losses (at most {@value #MAX_POINTS}, evenly spaced,
 * always including the first and the last) over x = step/t_last ∈ [0, 1] with lengthscale
 * {@value #LENGTHSCALE} (the paper's value, so the smoothing scales with the warmup so far). With f_i the
 * latent loss at input i and k the last one, the test is positive when
 * max_{i&lt;k} P(f_i &lt; f_k) = max_i Φ((μ_k − μ_i)/sqrt(Σ_ii + Σ_kk − 2Σ_ik)) &gt; {@code confidence}, i.e. the
 * minimum lies in the past with high probability. {@code patience} consecutive positive tests confirm it.
 *
 * <p><b>Switch</b>: the step after the confirming observation starts the decay from η_peak = the warmup rate
 * at the step where the posterior mean is lowest (the paper's "LR at the argmin"). If no minimum is confirmed
 * by step W the schedule switches anyway (reason {@code "cap"}), with η_peak chosen the same way.
 *
 * <p><b>Decay</b>: cosine η_peak·(1 + cos(π·u))/2 or polynomial η_peak·(1 − u)^p, u = (t − s)/(T − s) for the
 * switch step s, reaching 0 at step T (the paper's default "immediate cooldown" is the cosine).
 *
 * <p>Choices that differ from the paper, and why: (1) the paper tests once per epoch; our small-scale runs
 * have few steps per epoch (7 at kn = 8k on Fashion-MNIST), so the caller picks {@code testEvery} in steps;
 * (2) the paper fits the GP's mean, output scale and noise by 100 Adam steps and votes over 5 random subsamples;
 * we take the sample mean, maximise the likelihood over the noise ratio on a grid and condition on one
 * deterministic subsample ({@link GaussianProcess}), so every replica and every resumed run decides
 * identically without a shared random generator; (3) non-finite losses are not observed at all: the trainer
 * stops at the first one ({@code DivergedException}); (4) when every loss is positive the GP smooths
 * ln(loss), not the loss: a loss that explodes by orders of magnitude (1.9 → 1.5e4 → 6e8 in a kn = 8k run)
 * otherwise inflates the fitted noise until nothing is significant; (5) at the cap the paper decays from the
 * current rate (≈ η_max), we from the smoothed minimum's rate, since η_max is where SGD diverges.
 *
 * <p>State ({@link #state()}) is the phase, the switch and the warmup's losses: a run resumed from a checkpoint
 * makes exactly the decisions of an uninterrupted one.
 */
public final class AutoWu implements AdaptiveSchedule {
  /** GP lengthscale on the [0, 1]-normalised warmup axis (the paper's 0.2). */
  public static final double LENGTHSCALE = 0.2;
  /** Losses needed before the first test. */
  public static final int MIN_POINTS = 5;
  /** Most losses one GP is conditioned on (evenly spaced subsample beyond that; the paper fits on 100). */
  public static final int MAX_POINTS = 100;
  private static final double STATE_FORMAT = 1;
  private static final int HEADER = 7;

  /** The decay after the switch. */
  public enum Decay { COSINE, POLY }

  /**
   * @param startLr η_start, the warmup's rate at step 0
   * @param maxLr η_max, the rate the warmup would reach at the cap
   * @param maxWarmupFraction f: the warmup ends by step ⌊f·T⌋ at the latest (paper: 0.5)
   * @param decay the decay to zero after the switch
   * @param decayPower p of the polynomial decay (ignored for cosine)
   * @param confidence probability the minimum test needs (paper: 0.95)
   * @param patience consecutive positive tests that confirm the minimum (paper: 3)
   * @param testEvery steps between tests
   */
  public record Options(double startLr, double maxLr, double maxWarmupFraction, Decay decay, double decayPower,
      double confidence, int patience, int testEvery) {
    public Options {
      LrSchedule.requirePositive(startLr, "AutoWU start learning rate");
      LrSchedule.requirePositive(maxLr, "AutoWU max learning rate");
      if (!(maxLr > startLr)) {
        throw new IllegalArgumentException("AutoWU max learning rate " + maxLr + " must exceed its start " + startLr);
      }
      if (!(maxWarmupFraction > 0 && maxWarmupFraction <= 1)) {
        throw new IllegalArgumentException("AutoWU max warmup fraction must be in (0, 1], got " + maxWarmupFraction);
      }
      LrSchedule.requirePositive(decayPower, "AutoWU decay power");
      if (!(confidence > 0.5 && confidence < 1)) {
        throw new IllegalArgumentException("AutoWU confidence must be in (0.5, 1), got " + confidence);
      }
      if (patience < 1 || testEvery < 1) {
        throw new IllegalArgumentException("AutoWU patience and test interval must be >= 1, got " + patience + ", " + testEvery);
      }
    }

    /** The paper's confidence of the minimum test. */
    public static final double PAPER_CONFIDENCE = 0.95;
    /** The paper's patience: consecutive positive tests. */
    public static final int PAPER_PATIENCE = 3;

    /** The paper's test settings (confidence 0.95, patience 3) with the given rates, budget and decay. */
    public static Options paper(double startLr, double maxLr, double maxWarmupFraction, Decay decay, double decayPower,
        int testEvery) {
      return new Options(startLr, maxLr, maxWarmupFraction, decay, decayPower, PAPER_CONFIDENCE, PAPER_PATIENCE, testEvery);
    }
  }

  private final Options options;
  private final long totalSteps;
  private final long maxWarmupSteps;
  private final double logGrowth;
  private double[] losses = new double[16];
  private int observed;
  private long switchStep = -1;
  private double peakLr; // 0 until the switch (no NaN in checkpoint JSON)
  private int streak;
  private int tests;
  private long gpNanos;

  public AutoWu(Options options, long totalSteps) {
    if (totalSteps < 2) {
      throw new IllegalArgumentException("AutoWU needs at least 2 steps, got " + totalSteps);
    }
    this.options = options;
    this.totalSteps = totalSteps;
    this.maxWarmupSteps = Math.max(1, (long) Math.floor(options.maxWarmupFraction() * totalSteps));
    this.logGrowth = Math.log(options.maxLr() / options.startLr()) / maxWarmupSteps;
  }

  public Options options() {
    return options;
  }

  /** W: the step by which the warmup has ended at the latest. */
  public long maxWarmupSteps() {
    return maxWarmupSteps;
  }

  /** The first decay step, or -1 while warming up. */
  public long switchStep() {
    return switchStep;
  }

  /** η_start·γ^t, the warmup's rate at step t (t ≤ W). */
  public double warmupLr(long step) {
    return options.startLr() * Math.exp(logGrowth * Math.min(step, maxWarmupSteps));
  }

  @Override
  public double lrAt(long step) {
    if (switchStep < 0 || step < switchStep) {
      return warmupLr(step);
    }
    long span = totalSteps - switchStep;
    if (span <= 0) {
      return 0;
    }
    return options.decay() == Decay.COSINE ? new CosineDecay(peakLr, span).lrAt(step - switchStep)
        : new PolynomialDecay(peakLr, span, options.decayPower()).lrAt(step - switchStep);
  }

  @Override
  public Optional<ScheduleSwitch> observe(long step, double loss) {
    if (switchStep >= 0) {
      return Optional.empty(); // the decay is predefined: nothing left to decide
    }
    if (step != observed) {
      throw new IllegalStateException("AutoWU expects the loss of step " + observed + " next, got step " + step);
    }
    if (!Double.isFinite(loss)) {
      throw new IllegalArgumentException("AutoWU observed a non-finite loss " + loss + " at step " + step);
    }
    if (observed == losses.length) {
      losses = Arrays.copyOf(losses, 2 * observed);
    }
    losses[observed++] = loss;
    long next = step + 1;
    boolean testDue = observed >= MIN_POINTS && next % options.testEvery() == 0;
    boolean cap = next >= maxWarmupSteps;
    if (!testDue && !cap) {
      return Optional.empty();
    }
    Smoothed s = smooth();
    if (testDue) {
      tests++;
      streak = s.probabilityPastMinimum > options.confidence() ? streak + 1 : 0;
    }
    boolean confirmed = streak >= options.patience();
    if (!confirmed && !cap) {
      return Optional.empty();
    }
    switchStep = next;
    peakLr = warmupLr(s.argminStep);
    return Optional.of(new ScheduleSwitch(switchStep, confirmed ? "minimum" : "cap", warmupLr(switchStep), peakLr,
        s.argminStep, s.minMean, s.lastMean, s.probabilityPastMinimum, tests, s.points, gpNanos / 1e6));
  }

  private record Smoothed(long argminStep, double minMean, double lastMean, double probabilityPastMinimum, int points) {}

  /** GP posterior over the warmup's losses so far: where its mean is lowest and P(the minimum is in the past). */
  private Smoothed smooth() {
    long t0 = System.nanoTime();
    int n = Math.min(observed, MAX_POINTS);
    long[] steps = new long[n];
    double[] x = new double[n];
    double[] y = new double[n];
    double last = Math.max(1, observed - 1);
    for (int i = 0; i < n; i++) {
      steps[i] = n == observed ? i : Math.round(i * (observed - 1) / (double) (n - 1));
      x[i] = steps[i] / last;
      y[i] = losses[(int) steps[i]];
    }
    boolean positive = true;
    for (int i = 0; i < observed; i++) {
      positive &= losses[i] > 0;
    }
    if (positive) { // log scale: a loss that explodes by orders of magnitude must not swamp the fit
      for (int i = 0; i < n; i++) {
        y[i] = Math.log(y[i]);
      }
    }
    Smoothed result;
    if (n < 2) {
      result = new Smoothed(steps[0], y[0], y[0], 0, n);
    } else {
      GaussianProcess.Posterior p = GaussianProcess.fit(x, y, LENGTHSCALE);
      double[] mu = p.mean();
      int k = n - 1;
      double varK = p.covariance(k, k);
      int argmin = 0;
      double pPast = 0;
      double floor = 1e-12 * Math.max(p.signalVariance(), Double.MIN_NORMAL);
      for (int i = 0; i < n; i++) {
        if (mu[i] < mu[argmin]) {
          argmin = i;
        }
        if (i < k) {
          double var = Math.max(p.covariance(i, i) + varK - 2 * p.covariance(i, k), floor);
          pPast = Math.max(pPast, GaussianProcess.normalCdf((mu[k] - mu[i]) / Math.sqrt(var)));
        }
      }
      result = new Smoothed(steps[argmin], positive ? Math.exp(mu[argmin]) : mu[argmin],
          positive ? Math.exp(mu[k]) : mu[k], pPast, n);
    }
    gpNanos += System.nanoTime() - t0;
    return result;
  }

  @Override
  public double[] state() {
    double[] s = new double[HEADER + observed];
    s[0] = STATE_FORMAT;
    s[1] = switchStep;
    s[2] = peakLr;
    s[3] = streak;
    s[4] = tests;
    s[5] = gpNanos;
    s[6] = observed;
    System.arraycopy(losses, 0, s, HEADER, observed);
    return s;
  }

  @Override
  public void restore(double[] s) {
    if (s.length < HEADER || s[0] != STATE_FORMAT || s[6] != s.length - HEADER) {
      throw new IllegalArgumentException("not an AutoWU schedule state (length " + s.length + ")");
    }
    switchStep = (long) s[1];
    peakLr = s[2];
    streak = (int) s[3];
    tests = (int) s[4];
    gpNanos = (long) s[5];
    observed = (int) s[6];
    losses = Arrays.copyOfRange(s, HEADER, Math.max(HEADER + observed, HEADER + 16));
  }
}
